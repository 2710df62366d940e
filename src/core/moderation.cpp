#include "core/moderation.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace plaza::moderation {

namespace {

struct ClassRange {
  char32_t first;
  char32_t last;
  CharClass cls;
};

// Everything not listed is a letter: a short table of the blocks that matter for Chinese and English
// text (and the usual evasion characters) instead of the full Unicode database. Sorted, disjoint.
constexpr ClassRange kClassRanges[] = {
    {0x0000, 0x002F, CharClass::separator},  // controls, space, ASCII punctuation
    {0x003A, 0x0040, CharClass::separator},
    {0x005B, 0x0060, CharClass::separator},
    {0x007B, 0x00A9, CharClass::separator},  // ASCII punctuation, DEL, C1 controls, NBSP, Latin-1 symbols
    {0x00AB, 0x00AC, CharClass::separator},
    {0x00AD, 0x00AD, CharClass::ignorable},  // soft hyphen
    {0x00AE, 0x00B4, CharClass::separator},
    {0x00B6, 0x00B9, CharClass::separator},
    {0x00BB, 0x00BF, CharClass::separator},
    {0x00D7, 0x00D7, CharClass::separator},  // ×
    {0x00F7, 0x00F7, CharClass::separator},  // ÷
    {0x0300, 0x036F, CharClass::ignorable},  // combining diacritics: "fu\u0301ck" stays "fuck"
    {0x1680, 0x1680, CharClass::separator},
    {0x180E, 0x180E, CharClass::ignorable},
    {0x1AB0, 0x1AFF, CharClass::ignorable},
    {0x1DC0, 0x1DFF, CharClass::ignorable},
    {0x2000, 0x200A, CharClass::separator},  // typographic spaces
    {0x200B, 0x200F, CharClass::ignorable},  // zero-width space / (non-)joiner, direction marks
    {0x2010, 0x2029, CharClass::separator},  // dashes, quotes, bullets, line separators
    {0x202A, 0x202E, CharClass::ignorable},  // bidi embeddings
    {0x202F, 0x205F, CharClass::separator},
    {0x2060, 0x206F, CharClass::ignorable},  // word joiner, invisible operators, bidi isolates
    {0x2070, 0x20CF, CharClass::separator},  // super/subscripts, currency
    {0x20D0, 0x20FF, CharClass::ignorable},  // combining marks for symbols
    {0x2100, 0x2BFF, CharClass::separator},  // letterlike, arrows, math, box drawing, shapes, dingbats
    {0x2E00, 0x2E7F, CharClass::separator},
    {0x2E80, 0x2FDF, CharClass::cjk},        // radicals: look like ideographs
    {0x2FF0, 0x3004, CharClass::separator},  // ideographic description, CJK punctuation
    {0x3005, 0x3007, CharClass::cjk},        // 々 〆 〇
    {0x3008, 0x3020, CharClass::separator},  // brackets 「」【】 and marks
    {0x3021, 0x3029, CharClass::cjk},
    {0x302A, 0x302F, CharClass::ignorable},  // tone marks
    {0x3030, 0x3030, CharClass::separator},
    {0x3031, 0x3035, CharClass::cjk},
    {0x3036, 0x3037, CharClass::separator},
    {0x3038, 0x303C, CharClass::cjk},
    {0x303D, 0x303F, CharClass::separator},
    {0x3040, 0x309F, CharClass::cjk},  // hiragana
    {0x30A0, 0x30A0, CharClass::separator},
    {0x30A1, 0x30FA, CharClass::cjk},        // katakana
    {0x30FB, 0x30FB, CharClass::separator},  // ・
    {0x30FC, 0x312F, CharClass::cjk},        // ー, bopomofo
    {0x3190, 0x319F, CharClass::separator},
    {0x31A0, 0x31BF, CharClass::cjk},
    {0x31C0, 0x31EF, CharClass::separator},  // strokes
    {0x31F0, 0x31FF, CharClass::cjk},
    {0x3200, 0x33FF, CharClass::separator},  // enclosed and squared forms ㈱ ㎏
    {0x3400, 0x4DBF, CharClass::cjk},
    {0x4DC0, 0x4DFF, CharClass::separator},  // hexagrams
    {0x4E00, 0x9FFF, CharClass::cjk},
    {0xD800, 0xF8FF, CharClass::separator},  // private use
    {0xF900, 0xFAFF, CharClass::cjk},
    {0xFE00, 0xFE0F, CharClass::ignorable},  // variation selectors
    {0xFE10, 0xFE1F, CharClass::separator},
    {0xFE20, 0xFE2F, CharClass::ignorable},
    {0xFE30, 0xFE6F, CharClass::separator},  // vertical and small forms of punctuation
    {0xFEFF, 0xFEFF, CharClass::ignorable},  // BOM / zero-width no-break space
    {0xFF01, 0xFF0F, CharClass::separator},  // full-width punctuation (only seen unfolded)
    {0xFF1A, 0xFF20, CharClass::separator},
    {0xFF3B, 0xFF40, CharClass::separator},
    {0xFF5B, 0xFF65, CharClass::separator},
    {0xFF66, 0xFF9F, CharClass::cjk},        // half-width katakana
    {0xFFE0, 0xFFF8, CharClass::separator},  // full-width symbols ￥
    {0xFFF9, 0xFFFB, CharClass::ignorable},
    {0xFFFC, 0xFFFF, CharClass::separator},    // U+FFFD
    {0x1F000, 0x1FBFF, CharClass::separator},  // emoji, pictographs
    {0x20000, 0x3FFFF, CharClass::cjk},        // ideograph extensions B–H
    {0xE0000, 0xE0FFF, CharClass::ignorable},  // tags, variation selectors supplement
    {0xF0000, 0x10FFFF, CharClass::separator},
};

bool kept(char32_t folded) {
  CharClass cls = classify(folded);
  return cls == CharClass::letter || cls == CharClass::cjk;
}

// Calls f(folded code point, original begin, original end) for each character matching sees; bad
// bytes are single characters that it does not.
template <class F>
void for_each_kept(std::string_view text, F&& f) {
  for (std::size_t pos = 0; pos < text.size();) {
    Utf8Char ch = decode_utf8(text, pos);
    if (ch.status == Utf8Char::Status::ok) {
      char32_t c = fold(ch.cp);
      if (kept(c)) f(c, pos, pos + ch.size);
    }
    pos += ch.size;
  }
}

}  // namespace

char32_t fold(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) return fold(c - 0xFEE0);
  if (c == 0x3000) return U' ';
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (c <= 0xFF) return c >= 0xC0 && c <= 0xDE && c != 0xD7 ? c + 32 : c;
  if (c <= 0x17F) {
    // Latin Extended-A pairs upper/lower by parity, with the parity flipping at ĸ and ŉ.
    if ((c <= 0x137 || (c >= 0x14A && c <= 0x177)) && c % 2 == 0 && c != 0x130) return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1) return c + 1;
    if (c == 0x178) return 0xFF;  // Ÿ
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;  // Greek capitals
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c == 0x3C2) return 0x3C3;                 // final sigma folds to sigma
  if (c >= 0x410 && c <= 0x42F) return c + 32;  // Cyrillic А–Я
  if (c >= 0x400 && c <= 0x40F) return c + 80;  // Ѐ–Џ
  return c;
}

CharClass classify(char32_t c) {
  auto it = std::upper_bound(std::begin(kClassRanges), std::end(kClassRanges), c,
                             [](char32_t v, const ClassRange& r) { return v < r.first; });
  if (it == std::begin(kClassRanges)) return CharClass::letter;
  --it;
  return c <= it->last ? it->cls : CharClass::letter;
}

Utf8Char decode_utf8(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) return {Utf8Char::Status::ok, b0, 1};
  std::size_t need = 0;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
  } else {
    return {};
  }
  for (std::size_t i = 1; i <= need; ++i) {
    if (pos + i >= text.size()) return {Utf8Char::Status::truncated, 0, 1};
    unsigned char b = byte(pos + i);
    // Narrowing the second byte's range rejects overlong forms, surrogates and values past U+10FFFF
    // (RFC 3629 table) before any of them is assembled.
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (i == 1) {
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    }
    if (b < lo || b > hi) return {};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {Utf8Char::Status::ok, cp, need + 1};
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_kept(text, [&](char32_t c, std::size_t, std::size_t) { append_utf8(out, c); });
  return out;
}

Matcher::Matcher(const std::vector<std::string>& words) {
  // The trie is grown with a hash map from (node, code point) and then laid out flat and sorted,
  // which keeps a 10,000-word list of Chinese (thousands of distinct first characters) compact.
  std::unordered_map<uint64_t, uint32_t> edges;
  output_.push_back(kNone);
  depth_.push_back(0);
  for (const auto& word : words) {
    uint32_t node = 0;
    for_each_kept(word, [&](char32_t c, std::size_t, std::size_t) {
      auto [it, inserted] = edges.try_emplace((uint64_t{node} << 21) | c, static_cast<uint32_t>(output_.size()));
      if (inserted) {
        output_.push_back(kNone);
        depth_.push_back(depth_[node] + 1);
      }
      node = it->second;
    });
    if (node == 0 || output_[node] != kNone) continue;  // blank, or a spelling of a word already listed
    output_[node] = static_cast<uint32_t>(words_.size());
    words_.push_back(word);
    max_depth_ = std::max(max_depth_, depth_[node]);
  }

  const std::size_t nodes = output_.size();
  std::vector<std::tuple<uint32_t, char32_t, uint32_t>> flat;
  flat.reserve(edges.size());
  for (const auto& [key, to] : edges)
    flat.emplace_back(static_cast<uint32_t>(key >> 21), static_cast<char32_t>(key & 0x1FFFFF), to);
  edges.clear();
  std::sort(flat.begin(), flat.end());
  edge_begin_.assign(nodes + 1, 0);
  edge_cp_.reserve(flat.size());
  edge_to_.reserve(flat.size());
  for (const auto& [from, c, to] : flat) {
    ++edge_begin_[from + 1];
    edge_cp_.push_back(c);
    edge_to_.push_back(to);
  }
  for (std::size_t n = 0; n < nodes; ++n) edge_begin_[n + 1] += edge_begin_[n];

  // Failure links breadth first: a node's link is always shallower, hence already set.
  fail_.assign(nodes, 0);
  dict_.assign(nodes, 0);
  std::vector<uint32_t> queue;
  queue.reserve(nodes);
  queue.push_back(0);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    uint32_t u = queue[head];
    for (uint32_t e = edge_begin_[u]; e < edge_begin_[u + 1]; ++e) {
      uint32_t v = edge_to_[e];
      uint32_t f = u == 0 ? 0 : next(fail_[u], edge_cp_[e]);
      fail_[v] = f;
      dict_[v] = output_[f] != kNone ? f : dict_[f];
      queue.push_back(v);
    }
  }
}

uint32_t Matcher::child(uint32_t node, char32_t c) const {
  auto first = edge_cp_.begin() + edge_begin_[node];
  auto last = edge_cp_.begin() + edge_begin_[node + 1];
  auto it = std::lower_bound(first, last, c);
  return it != last && *it == c ? edge_to_[it - edge_cp_.begin()] : kNone;
}

uint32_t Matcher::next(uint32_t node, char32_t c) const {
  for (;;) {
    uint32_t to = child(node, c);
    if (to != kNone) return to;
    if (node == 0) return 0;
    node = fail_[node];
  }
}

std::vector<Hit> Matcher::find(std::string_view text) const {
  std::vector<Hit> hits;
  if (words_.empty()) return hits;
  // Where each of the last max_depth_ matched characters began in the original: enough to map any
  // hit back without keeping a position per character of the text.
  std::vector<std::size_t> starts(max_depth_);
  std::size_t index = 0;
  uint32_t node = 0;
  for_each_kept(text, [&](char32_t c, std::size_t begin, std::size_t end) {
    starts[index % max_depth_] = begin;
    node = next(node, c);
    for (uint32_t n = output_[node] != kNone ? node : dict_[node]; n != 0; n = dict_[n])
      hits.push_back({words_[output_[n]], starts[(index + 1 - depth_[n]) % max_depth_], end});
    ++index;
  });
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& a, const Hit& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  return hits;
}

}  // namespace plaza::moderation
