#include "core/tokenizer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

namespace plaza {
namespace {

// The reference is tiktoken itself: tests/tokenizer/vectors.mjs runs the npm package under node.
const std::string kSourceDir = PLAZA_SOURCE_DIR;
const std::string kEncoders = kSourceDir + "/tests/node_modules/tiktoken/encoders";
const std::string kVectors = kSourceDir + "/tests/tokenizer/vectors.mjs";
const std::string kInstallHint = "node and the npm package tiktoken are required: run `cd tests && npm ci`";

std::string escaped(std::string_view s, std::size_t max = 160) {
  return boost::json::serialize(boost::json::string(s.substr(0, max))) + (s.size() > max ? "..." : "");
}

// Loaded once per process: each encoder is a 2 MB JSON file.
const Tokenizer* encoder(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[name];
  if (!slot) {
    const std::string path = kEncoders + "/" + name + ".json";
    if (!std::filesystem::exists(path)) {
      ADD_FAILURE() << "missing " << path << ": " << kInstallHint;
      return nullptr;
    }
    slot = std::make_unique<Tokenizer>(load_tokenizer_file(path));
  }
  return slot.get();
}

struct Vector {
  std::string text;
  std::vector<uint32_t> tokens;
};

// Runs vectors.mjs; an empty result with a failure recorded when node or the package is missing.
std::vector<Vector> reference(const std::string& args) {
  const std::string command = "node '" + kVectors + "' " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run `" << command << "`: " << kInstallHint;
    return {};
  }
  std::string out;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    ADD_FAILURE() << "`" << command << "` failed (exit code " << code << "): " << kInstallHint;
    return {};
  }
  std::vector<Vector> vectors;
  const boost::json::value doc = boost::json::parse(out);
  for (const auto& item : doc.as_array()) {
    const auto& o = item.as_object();
    Vector v{std::string(o.at("text").as_string()), {}};
    for (const auto& t : o.at("tokens").as_array()) v.tokens.push_back(static_cast<uint32_t>(t.to_number<int64_t>()));
    vectors.push_back(std::move(v));
  }
  if (vectors.empty()) ADD_FAILURE() << "`" << command << "` printed no vectors";
  return vectors;
}

void expect_matches(const Tokenizer& tok, const std::vector<Vector>& vectors) {
  int reported = 0;
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    const auto& [text, want] = vectors[i];
    tokens += want.size();
    const auto got = tok.encode(text);
    if (got != want && reported++ < 5) {
      std::size_t k = 0;
      while (k < got.size() && k < want.size() && got[k] == want[k]) ++k;
      auto show = [&](const std::vector<uint32_t>& v) {
        std::string s;
        for (std::size_t j = k; j < v.size() && j < k + 6; ++j) s += escaped(tok.decode({v[j]})) + " ";
        return s;
      };
      const std::string before =
          tok.decode(std::vector<uint32_t>(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(k)));
      ADD_FAILURE() << "text #" << i << " " << escaped(text) << "\n  differs at token " << k << " of " << want.size()
                    << ", after " << escaped(before.substr(before.size() > 40 ? before.size() - 40 : 0)) << "\n  got  "
                    << show(got) << "\n  want " << show(want);
    }
    EXPECT_EQ(tok.count(text), want.size()) << "text #" << i;
    EXPECT_EQ(tok.decode(got), text) << "text #" << i;
  }
  EXPECT_EQ(reported, 0) << reported << " of " << vectors.size() << " texts differ";
  EXPECT_GT(tokens, 10000u) << "the corpus should not be trivial";
}

TEST(TokenizerTiktoken, O200kMatchesTheCorpus) {
  const Tokenizer* tok = encoder("o200k_base");
  ASSERT_NE(tok, nullptr);
  const auto vectors = reference("o200k_base");
  ASSERT_FALSE(vectors.empty());
  expect_matches(*tok, vectors);
}

TEST(TokenizerTiktoken, Cl100kMatchesTheCorpus) {
  const Tokenizer* tok = encoder("cl100k_base");
  ASSERT_NE(tok, nullptr);
  const auto vectors = reference("cl100k_base");
  ASSERT_FALSE(vectors.empty());
  expect_matches(*tok, vectors);
}

// Every 61st scalar value in contexts that expose the pattern's classes (letters upper and lower,
// numbers, marks, whitespace). The full sweep (--sweep) also matches; it is too slow for a unit test.
TEST(TokenizerTiktoken, CharacterClassesMatchAcrossUnicode) {
  for (const std::string name : {"o200k_base", "cl100k_base"}) {
    SCOPED_TRACE(name);
    const Tokenizer* tok = encoder(name);
    ASSERT_NE(tok, nullptr);
    const auto vectors = reference(name + " --sweep=61");
    ASSERT_FALSE(vectors.empty());
    expect_matches(*tok, vectors);
  }
}

TEST(TokenizerTiktoken, SpecialTokenTextIsOrdinaryText) {
  const Tokenizer* tok = encoder("o200k_base");
  ASSERT_NE(tok, nullptr);
  const auto tokens = tok->encode("a<|endoftext|>b");
  EXPECT_GT(tokens.size(), 3u);
  for (const uint32_t t : tokens) EXPECT_NE(t, 199999u);
  EXPECT_EQ(tok->decode({199999}), "<|endoftext|>");
  EXPECT_EQ(tok->decode({200018}), "<|endofprompt|>");
  EXPECT_EQ(tok->vocab_size(), 200019u);
  EXPECT_THROW(tok->decode({199998}), std::out_of_range);  // o200k_base has no token 199,998
  EXPECT_THROW(tok->decode({5000000}), std::out_of_range);
}

TEST(TokenizerTiktoken, InvalidUtf8IsEncodedAsRawBytes) {
  const Tokenizer* tok = encoder("o200k_base");
  ASSERT_NE(tok, nullptr);
  const std::string bad[] = {"\xff",         "\xc3",
                             "\xe4\xb8",     "\xed\xa0\x80",      // surrogate
                             "\xc0\xaf",     "\xf4\x90\x80\x80",  // overlong, above U+10FFFF
                             "\x80\x80\x80", "\xf0\x9f\x98"};
  for (const auto& b : bad) {
    const std::string text = "hello " + b + "world";
    const auto tokens = tok->encode(text);
    EXPECT_EQ(tok->decode(tokens), text) << escaped(text);
    // The valid parts around the bad bytes are encoded as if alone.
    auto expected = tok->encode("hello ");
    const auto middle = tok->encode(b);
    const auto tail = tok->encode("world");
    expected.insert(expected.end(), middle.begin(), middle.end());
    expected.insert(expected.end(), tail.begin(), tail.end());
    EXPECT_EQ(tokens, expected) << escaped(text);
    EXPECT_GE(middle.size(), 1u);
    EXPECT_LE(middle.size(), b.size());
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::string text(1 + rng() % 3000, '\0');
    for (char& c : text) c = static_cast<char>(round % 2 ? rng() : "a \xc3\xa9\xe4\xb8\x80\xff\n\xf0"[rng() % 10]);
    const auto tokens = tok->encode(text);
    ASSERT_EQ(tok->decode(tokens), text) << "round " << round;
    EXPECT_EQ(tok->count(text), tokens.size());
  }
}

TEST(TokenizerTiktoken, ConcurrentCallsAgree) {
  const Tokenizer* tok = encoder("o200k_base");
  ASSERT_NE(tok, nullptr);
  std::string text;
  for (int i = 0; i < 300; ++i) text += "Plaza 世界 " + std::to_string(i * 7919) + " it's   \n\t😀 naïve\n";
  const auto want = tok->encode(text);
  std::vector<std::vector<uint32_t>> got(4);
  std::vector<std::thread> threads;
  threads.reserve(got.size());
  for (auto& g : got)
    threads.emplace_back([tok, &text, &g] {
      for (int i = 0; i < 5; ++i) g = tok->encode(text);
    });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

// --- The merge loop against a plain transcription of tiktoken's byte_pair_merge, on made-up
// vocabularies: lowest rank first, leftmost on ties. Long pieces take the heap path.

std::string base64(std::string_view bytes) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// An encoder file with every byte as ranks 0-255, then `merges`.
std::string encoder_json(const std::vector<std::string>& merges, const std::string& pattern = "\\S+|\\s+",
                         uint32_t first_rank = 0) {
  std::string ranks = "x " + std::to_string(first_rank);
  for (int b = 0; b < 256; ++b) ranks += " " + base64(std::string(1, static_cast<char>(b)));
  for (const auto& m : merges) ranks += " " + base64(m);
  boost::json::object o;
  o["pat_str"] = pattern;
  o["special_tokens"] = boost::json::object{{"<|end|>", first_rank + 256 + merges.size()}};
  o["bpe_ranks"] = ranks;
  return boost::json::serialize(o);
}

std::vector<uint32_t> reference_merge(const std::map<std::string, uint32_t>& ranks, const std::string& piece) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i <= piece.size(); ++i) starts.push_back(i);
  auto rank = [&](std::size_t from, std::size_t to) {
    auto it = ranks.find(piece.substr(from, to - from));
    return it == ranks.end() ? UINT32_MAX : it->second;
  };
  for (;;) {
    uint32_t best = UINT32_MAX;
    std::size_t at = 0;
    for (std::size_t i = 0; i + 2 < starts.size(); ++i)
      if (const uint32_t r = rank(starts[i], starts[i + 2]); r < best) best = r, at = i;
    if (best == UINT32_MAX) break;
    starts.erase(starts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  std::vector<uint32_t> out;
  for (std::size_t i = 0; i + 1 < starts.size(); ++i) out.push_back(rank(starts[i], starts[i + 1]));
  return out;
}

TEST(TokenizerMerge, TiesGoToTheLeftmostPair) {
  const Tokenizer tok(encoder_json({"aa"}));
  EXPECT_EQ(tok.encode("aaa"), (std::vector<uint32_t>{256, 'a'}));
  EXPECT_EQ(tok.encode("aaaaa"), (std::vector<uint32_t>{256, 256, 'a'}));
  EXPECT_EQ(tok.decode({257}), "<|end|>");
}

TEST(TokenizerMerge, MatchesReferenceOnRandomVocabularies) {
  std::mt19937 rng(42);
  for (int vocab = 0; vocab < 12; ++vocab) {
    const std::string alphabet = vocab % 2 ? "ab" : "abcd";
    std::map<std::string, uint32_t> ranks;
    for (int b = 0; b < 256; ++b) ranks[std::string(1, static_cast<char>(b))] = static_cast<uint32_t>(b);
    std::vector<std::string> merges;
    while (merges.size() < 60) {
      std::string m(2 + rng() % 7, 'a');
      for (char& c : m) c = alphabet[rng() % alphabet.size()];
      if (ranks.emplace(m, 256 + merges.size()).second) merges.push_back(m);
    }
    const Tokenizer tok(encoder_json(merges));
    for (int text = 0; text < 30; ++text) {
      // Pieces of more than 128 bytes take the heap path.
      std::string piece(1 + rng() % (text % 3 ? 140 : 320), 'a');
      for (char& c : piece) c = alphabet[rng() % alphabet.size()];
      ASSERT_EQ(tok.encode(piece), reference_merge(ranks, piece)) << "vocabulary " << vocab << " " << piece;
    }
  }
}

TEST(TokenizerFormat, RanksMayStartAboveZero) {
  const Tokenizer tok(encoder_json({"ab"}, "\\S+|\\s+", 1000));
  EXPECT_EQ(tok.encode("ab a"), (std::vector<uint32_t>{1256, 1000 + ' ', 1000 + 'a'}));
  EXPECT_EQ(tok.decode({1256, 1257}), "ab<|end|>");
  EXPECT_THROW(tok.decode({5}), std::out_of_range);
  EXPECT_EQ(tok.vocab_size(), 1258u);
}

TEST(TokenizerFormat, RejectsMalformedEncoders) {
  EXPECT_THROW(Tokenizer("not json"), std::runtime_error);
  EXPECT_THROW(Tokenizer(R"({"bpe_ranks": "x 0 YQ=="})"), std::runtime_error);                     // no pat_str
  EXPECT_THROW(Tokenizer(R"({"pat_str": "\\S+", "bpe_ranks": "x 0 Y*=="})"), std::runtime_error);  // base64
  EXPECT_THROW(Tokenizer(R"({"pat_str": "\\S+", "bpe_ranks": "x 0 YQ=="})"), std::runtime_error);  // bytes missing
  EXPECT_THROW(Tokenizer(encoder_json({"ab", "ab"})), std::runtime_error);  // the same bytes twice
  EXPECT_THROW(Tokenizer(encoder_json({}, "(unclosed")), std::runtime_error);
  EXPECT_NO_THROW(Tokenizer(encoder_json({})));
}

TEST(TokenizerFiles, LoadAndLocate) {
  EXPECT_THROW(load_tokenizer_file("/nonexistent/o200k_base.json"), std::runtime_error);

  // From the source tree, ./tests/node_modules/... is found (plaza itself, in <build>/plaza, finds
  // <build>/../tests/...; this binary sits one level deeper).
  ::unsetenv("PLAZA_TOKENIZER_DIR");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(kSourceDir);
  const std::string found = default_tokenizer_dir();
  std::filesystem::current_path(cwd);
  ASSERT_FALSE(found.empty()) << "expected " << kEncoders << ": " << kInstallHint;
  EXPECT_TRUE(std::filesystem::equivalent(found, kEncoders)) << found;

  const auto dir = std::filesystem::temp_directory_path();
  ::setenv("PLAZA_TOKENIZER_DIR", dir.c_str(), 1);
  EXPECT_EQ(default_tokenizer_dir(), dir.string());
  ::setenv("PLAZA_TOKENIZER_DIR", "/nonexistent/dir", 1);  // not a directory: fall through
  std::filesystem::current_path(kSourceDir);
  EXPECT_EQ(default_tokenizer_dir(), found);
  std::filesystem::current_path(cwd);
  ::unsetenv("PLAZA_TOKENIZER_DIR");
}

}  // namespace
}  // namespace plaza
