#include "core/tokenizer.hpp"

#include "core/tokenizer_unicode.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace plaza {
namespace {

using tokenizer_detail::in_ranges;
using tokenizer_detail::Ranges;
using tokenizer_detail::rewrite_pattern;
using tokenizer_detail::unicode_delta_ranges;

constexpr uint32_t kNone = UINT32_MAX;
// Pieces up to this many bytes use tiktoken's own quadratic merge loop on a stack buffer; longer
// ones (long runs of spaces or of one letter) a heap, which yields the same merges in O(n log n).
constexpr std::size_t kLinearMax = 128;
constexpr uint64_t kMaxRank = 1u << 24;  // ranks index a vector: a bad file must not make it huge

uint64_t hash_bytes(const char* p, std::size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * 0x94d049bb133111ebull;
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

// Length of the well-formed UTF-8 sequence at p (1–4), or 0 when the bytes there are not one.
// Same rules as PCRE2's own check: no overlongs, no surrogates, nothing above U+10FFFF.
std::size_t utf8_sequence(const unsigned char* p, std::size_t n) {
  const unsigned c = p[0];
  auto cont = [&](std::size_t i) { return i < n && (p[i] & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return cont(1) ? 2 : 0;
  if (c < 0xF0) {
    if (n < 2) return 0;
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return p[1] >= lo && p[1] <= hi && cont(2) ? 3 : 0;
  }
  if (c < 0xF5) {
    if (n < 2) return 0;
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= lo && p[1] <= hi && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// Length of the well-formed prefix of p; sets `in_delta` when it holds a code point of `delta`.
std::size_t valid_utf8_prefix(const unsigned char* p, std::size_t n, const Ranges& delta, bool& in_delta) {
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t v;
      std::memcpy(&v, p + i, 8);
      if ((v & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const std::size_t len = utf8_sequence(p + i, n - i);
    if (len == 0) break;
    if (len >= 3 && !in_delta) {  // the delta starts above U+07FF, the last two-byte character
      const char32_t c =
          len == 3 ? (p[i] & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu)
                   : (p[i] & 0x07u) << 18 | (p[i + 1] & 0x3Fu) << 12 | (p[i + 2] & 0x3Fu) << 6 | (p[i + 3] & 0x3Fu);
      in_delta = in_ranges(delta, c);
    }
    i += len;
  }
  return i;
}

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Appends the decoded bytes to `out`; false on a malformed field.
bool base64_decode(std::string_view in, std::string& out) {
  uint32_t acc = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const int v = base64_value(static_cast<unsigned char>(in[i]));
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=') return false;
  return true;
}

// Match data is per thread, so one Tokenizer serves concurrent calls. The JIT's default 32 KB
// stack suffices: the patterns only repeat single characters, which need no backtracking frames
// (checked on megabyte runs of spaces, newlines and letters).
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

pcre2_match_data* thread_match_data() {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(pcre2_match_data_create(1, nullptr));
  if (!data) throw std::bad_alloc();
  return data.get();
}

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};

}  // namespace

struct Tokenizer::Impl {
  struct Span {
    uint32_t offset = 0;
    uint32_t length = 0;  // 0: no token has this rank
  };

  std::string arena;            // bytes of every ordinary token, back to back
  std::vector<Span> spans;      // by rank
  std::vector<uint32_t> slots;  // open addressing: rank + 1, 0 when empty
  uint64_t mask = 0;
  std::unordered_map<uint32_t, std::string> specials;  // id -> text, for decode
  struct Pattern {
    std::unique_ptr<pcre2_code, CodeDeleter> code;
    bool jit = false;
  };
  Pattern plain;  // Unicode 14 classes: for text without code points of the delta
  Pattern full;   // Unicode 16 classes
  Ranges delta = unicode_delta_ranges();
  std::size_t vocab = 0;

  uint32_t rank_of(const char* p, std::size_t n) const {
    for (uint64_t i = hash_bytes(p, n) & mask;; i = (i + 1) & mask) {
      const uint32_t slot = slots[i];
      if (slot == 0) return kNone;
      const Span& s = spans[slot - 1];
      if (s.length == n && std::memcmp(arena.data() + s.offset, p, n) == 0) return slot - 1;
    }
  }

  void add(uint32_t rank, std::string_view bytes);
  void build_index();
  static Pattern compile(const std::string& pattern);

  template <class Emit>
  void encode(std::string_view text, Emit& emit) const;
  template <class Emit>
  void encode_run(const Pattern& pattern, const char* run, std::size_t len, Emit& emit) const;
  template <class Emit>
  void encode_piece(const char* p, std::size_t n, Emit& emit) const;
  template <class Emit>
  void merge_small(const char* p, std::size_t n, Emit& emit) const;
  template <class Emit>
  void merge_large(const char* p, std::size_t n, Emit& emit) const;
};

void Tokenizer::Impl::add(uint32_t rank, std::string_view bytes) {
  if (bytes.empty()) throw std::runtime_error("tokenizer: empty token at rank " + std::to_string(rank));
  if (rank >= spans.size()) spans.resize(static_cast<std::size_t>(rank) + 1);
  if (spans[rank].length != 0) throw std::runtime_error("tokenizer: duplicate rank " + std::to_string(rank));
  spans[rank] = {static_cast<uint32_t>(arena.size()), static_cast<uint32_t>(bytes.size())};
  arena += bytes;
}

void Tokenizer::Impl::build_index() {
  std::size_t count = 0;
  for (const Span& s : spans) count += s.length != 0;
  std::size_t capacity = 1024;
  while (capacity < count * 2) capacity *= 2;
  slots.assign(capacity, 0);
  mask = capacity - 1;
  for (uint32_t rank = 0; rank < spans.size(); ++rank) {
    const Span& s = spans[rank];
    if (s.length == 0) continue;
    const char* p = arena.data() + s.offset;
    if (rank_of(p, s.length) != kNone)
      throw std::runtime_error("tokenizer: the same bytes have two ranks (" + std::to_string(rank) + ")");
    uint64_t i = hash_bytes(p, s.length) & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = rank + 1;
  }
  // With every single byte a token, any piece can be encoded.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (rank_of(&c, 1) == kNone) throw std::runtime_error("tokenizer: byte " + std::to_string(b) + " has no token");
  }
}

Tokenizer::Impl::Pattern Tokenizer::Impl::compile(const std::string& pattern) {
  Pattern compiled;
  auto& code = compiled.code;
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP, &error,
                           &error_offset, nullptr));
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw std::runtime_error("tokenizer: pat_str does not compile at " + std::to_string(error_offset) + ": " +
                             reinterpret_cast<const char*>(message));
  }
  compiled.jit = pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE) == 0;
  return compiled;
}

template <class Emit>
void Tokenizer::Impl::encode(std::string_view text, Emit& emit) const {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t pos = 0;
  while (pos < n) {
    bool in_delta = false;
    const std::size_t valid = valid_utf8_prefix(p + pos, n - pos, delta, in_delta);
    if (valid > 0) encode_run(in_delta ? full : plain, text.data() + pos, valid, emit);
    pos += valid;
    std::size_t bad = pos;
    while (bad < n && utf8_sequence(p + bad, n - bad) == 0) ++bad;
    if (bad > pos) encode_piece(text.data() + pos, bad - pos, emit);
    pos = bad;
  }
}

// Pieces are the pattern's successive matches, as Rust's find_iter gives them to tiktoken.
template <class Emit>
void Tokenizer::Impl::encode_run(const Pattern& pattern, const char* run, std::size_t len, Emit& emit) const {
  pcre2_code* code = pattern.code.get();
  pcre2_match_data* data = thread_match_data();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(run);
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  std::size_t offset = 0;
  while (offset < len) {
    const int rc = pattern.jit ? pcre2_jit_match(code, subject, len, offset, 0, data, nullptr)
                               : pcre2_match(code, subject, len, offset, PCRE2_NO_UTF_CHECK, data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return;
    if (rc < 0) {
      // Resource limits only (the run is valid UTF-8): keep the bytes counted rather than lose them.
      encode_piece(run + offset, len - offset, emit);
      return;
    }
    const std::size_t start = ovector[0], end = ovector[1];
    if (end == start) {  // an empty match: step over one character
      if (start >= len) return;
      offset = start + utf8_sequence(subject + start, len - start);
      continue;
    }
    encode_piece(run + start, end - start, emit);
    offset = end;
  }
}

template <class Emit>
void Tokenizer::Impl::encode_piece(const char* p, std::size_t n, Emit& emit) const {
  const uint32_t whole = rank_of(p, n);
  if (whole != kNone) {
    emit(whole);
  } else if (n <= kLinearMax) {
    merge_small(p, n, emit);
  } else {
    merge_large(p, n, emit);
  }
}

// tiktoken's byte_pair_merge: parts[i] starts at .start, .rank is the rank of parts i and i+1
// merged; repeatedly merge the lowest rank, the leftmost on ties.
template <class Emit>
void Tokenizer::Impl::merge_small(const char* p, std::size_t n, Emit& emit) const {
  struct Part {
    uint32_t start;
    uint32_t rank;
  };
  Part parts[kLinearMax + 1];
  std::size_t m = 0;
  uint32_t min_rank = kNone;
  std::size_t min_i = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const uint32_t r = rank_of(p + i, 2);
    if (r < min_rank) min_rank = r, min_i = i;
    parts[m++] = {static_cast<uint32_t>(i), r};
  }
  parts[m++] = {static_cast<uint32_t>(n - 1), kNone};
  parts[m++] = {static_cast<uint32_t>(n), kNone};
  auto pair_rank = [&](std::size_t i) {
    return i + 3 < m ? rank_of(p + parts[i].start, parts[i + 3].start - parts[i].start) : kNone;
  };
  while (min_rank != kNone) {
    const std::size_t i = min_i;
    if (i > 0) parts[i - 1].rank = pair_rank(i - 1);
    parts[i].rank = pair_rank(i);
    std::memmove(&parts[i + 1], &parts[i + 2], (m - i - 2) * sizeof(Part));
    --m;
    min_rank = kNone;
    for (std::size_t j = 0; j + 1 < m; ++j)
      if (parts[j].rank < min_rank) min_rank = parts[j].rank, min_i = j;
  }
  for (std::size_t j = 0; j + 1 < m; ++j) emit(rank_of(p + parts[j].start, parts[j + 1].start - parts[j].start));
}

// The same merges in the same order: a min-heap on (rank, start) picks the lowest rank, leftmost
// on ties, and a part's pair rank only changes when its bytes grow, so stale entries are detectable.
template <class Emit>
void Tokenizer::Impl::merge_large(const char* p, std::size_t n, Emit& emit) const {
  std::vector<uint32_t> next(n + 1), prev(n + 1), pair(n, kNone);
  std::vector<bool> alive(n, true);
  using Entry = uint64_t;  // rank << 32 | start
  std::vector<Entry> storage;
  storage.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    next[i] = static_cast<uint32_t>(i + 1);
    prev[i] = static_cast<uint32_t>(i - 1);
    if (i + 1 < n) {
      pair[i] = rank_of(p + i, 2);
      if (pair[i] != kNone) storage.push_back(static_cast<Entry>(pair[i]) << 32 | i);
    }
  }
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap(std::greater<>(), std::move(storage));
  auto update = [&](uint32_t i) {
    const uint32_t j = next[i];
    pair[i] = j < n ? rank_of(p + i, next[j] - i) : kNone;
    if (pair[i] != kNone) heap.push(static_cast<Entry>(pair[i]) << 32 | i);
  };
  while (!heap.empty()) {
    const Entry top = heap.top();
    heap.pop();
    const auto i = static_cast<uint32_t>(top & 0xFFFFFFFFu);
    if (!alive[i] || pair[i] != static_cast<uint32_t>(top >> 32)) continue;
    const uint32_t j = next[i];
    alive[j] = false;
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = i;
    update(i);
    if (i > 0) update(prev[i]);
  }
  for (std::size_t i = 0; i < n; i = next[i]) emit(rank_of(p + i, next[i] - i));
}

Tokenizer::Tokenizer(std::string_view encoder_json) : impl_(std::make_unique<Impl>()) {
  boost::json::value doc;
  try {
    doc = boost::json::parse(encoder_json);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("tokenizer: encoder is not JSON: ") + e.what());
  }
  const auto* root = doc.if_object();
  const auto* pat = root ? root->if_contains("pat_str") : nullptr;
  const auto* ranks = root ? root->if_contains("bpe_ranks") : nullptr;
  const auto* specials = root ? root->if_contains("special_tokens") : nullptr;
  if (!pat || !pat->is_string() || !ranks || !ranks->is_string() || (specials && !specials->is_object()))
    throw std::runtime_error("tokenizer: encoder needs string pat_str and bpe_ranks, object special_tokens");

  // "<ignored> <first rank> <base64> <base64> ...", ranks consecutive from the first.
  const std::string_view text = ranks->get_string();
  std::size_t field = 0;
  uint64_t rank = 0;
  std::string bytes;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = std::min(text.find_first_of(" \n", pos), text.size());
    const std::string_view f = text.substr(pos, end - pos);
    pos = end + 1;
    if (f.empty()) continue;
    if (field++ == 0) continue;
    if (field == 2) {
      const std::string s(f);
      char* stop = nullptr;
      rank = std::strtoull(s.c_str(), &stop, 10);
      if (*stop != '\0') throw std::runtime_error("tokenizer: bad first rank in bpe_ranks");
      continue;
    }
    bytes.clear();
    if (!base64_decode(f, bytes)) throw std::runtime_error("tokenizer: bad base64 in bpe_ranks: " + std::string(f));
    if (rank >= kMaxRank) throw std::runtime_error("tokenizer: rank out of range");
    impl_->add(static_cast<uint32_t>(rank++), bytes);
  }
  impl_->build_index();
  impl_->vocab = impl_->spans.size();

  if (specials) {
    for (const auto& [name, id] : specials->get_object()) {
      const bool fits = (id.is_int64() && id.get_int64() >= 0 && id.get_int64() < kNone) ||
                        (id.is_uint64() && id.get_uint64() < kNone);
      if (!fits) throw std::runtime_error("tokenizer: bad special token id");
      const auto sid = static_cast<uint32_t>(id.to_number<uint64_t>());
      if (sid < impl_->spans.size() && impl_->spans[sid].length != 0)
        throw std::runtime_error("tokenizer: special token id is also an ordinary rank");
      impl_->specials.emplace(sid, std::string(name));
      impl_->vocab = std::max<std::size_t>(impl_->vocab, std::size_t{sid} + 1);
    }
  }
  impl_->plain = Impl::compile(rewrite_pattern(pat->get_string(), false));
  impl_->full = Impl::compile(rewrite_pattern(pat->get_string(), true));
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

std::vector<uint32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 4 + 8);
  auto emit = [&out](uint32_t token) { out.push_back(token); };
  impl_->encode(text, emit);
  return out;
}

std::size_t Tokenizer::count(std::string_view text) const {
  std::size_t n = 0;
  auto emit = [&n](uint32_t) { ++n; };
  impl_->encode(text, emit);
  return n;
}

std::string Tokenizer::decode(const std::vector<uint32_t>& tokens) const {
  std::string out;
  for (const uint32_t t : tokens) {
    if (t < impl_->spans.size() && impl_->spans[t].length != 0) {
      out.append(impl_->arena, impl_->spans[t].offset, impl_->spans[t].length);
    } else if (auto it = impl_->specials.find(t); it != impl_->specials.end()) {
      out += it->second;
    } else {
      throw std::out_of_range("tokenizer: unknown token id " + std::to_string(t));
    }
  }
  return out;
}

std::size_t Tokenizer::vocab_size() const {
  return impl_->vocab;
}

Tokenizer load_tokenizer_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("tokenizer: cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) throw std::runtime_error("tokenizer: cannot read " + path);
  return Tokenizer(buffer.str());
}

Encoders load_encoders(const std::string& configured) {
  std::string dir = configured.empty() ? default_tokenizer_dir() : configured;
  if (dir.empty()) throw std::runtime_error("no tokenizer folder found (set tokenizer_dir)");
  return Encoders{load_tokenizer_file(dir + "/o200k_base.json"), load_tokenizer_file(dir + "/cl100k_base.json")};
}

std::string default_tokenizer_dir() {
  namespace fs = std::filesystem;
  auto is_dir = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
  };
  if (const char* env = std::getenv("PLAZA_TOKENIZER_DIR"); env != nullptr && *env != '\0' && is_dir(env)) return env;
  const fs::path encoders = fs::path("tests") / "node_modules" / "tiktoken" / "encoders";
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = (exe.parent_path() / ".." / encoders).lexically_normal();
    if (is_dir(beside)) return beside.string();
  }
  if (is_dir(encoders)) return fs::absolute(encoders, ec).string();
  return {};
}

}  // namespace plaza
