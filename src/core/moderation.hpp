#pragma once
// Sensitive-word matching for automatic moderation (app titles, descriptions, presets, chat text).
// Words and texts go through the same normalisation, so the obvious evasions — capitals, full-width
// letters, spaces, punctuation or zero-width characters between the letters — still match; a hit
// reports the span of the original text so the admin UI can highlight it.
//
// Matching is by substring of the normalised text (Chinese has no word boundaries, and "f u c k"
// has none left once spaces are skipped): short English words also match inside longer ones, so the
// list should hold words that are offensive wherever they appear.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plaza::moderation {

struct Hit {
  std::string word;       // the list entry as it was given
  std::size_t begin = 0;  // byte offsets of the match in the original text: [begin, end)
  std::size_t end = 0;
};

// An Aho–Corasick automaton over normalised code points, built once and then shared read-only
// between threads: find keeps no state between calls.
class Matcher {
 public:
  Matcher() = default;
  explicit Matcher(const std::vector<std::string>& words);  // words that normalise to nothing are ignored

  // Every occurrence of every word, overlapping ones included, ordered by begin then end.
  std::vector<Hit> find(std::string_view text) const;
  bool empty() const { return words_.empty(); }
  std::size_t size() const { return words_.size(); }  // distinct words after normalisation

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t child(uint32_t node, char32_t c) const;
  uint32_t next(uint32_t node, char32_t c) const;

  std::vector<std::string> words_;
  // Per node, indexed by node id; node 0 is the root.
  std::vector<uint32_t> edge_begin_;  // node's children are edge_cp_/edge_to_[edge_begin_[n], edge_begin_[n+1])
  std::vector<char32_t> edge_cp_;     // sorted within each node
  std::vector<uint32_t> edge_to_;
  std::vector<uint32_t> fail_;
  std::vector<uint32_t> output_;  // index into words_ of the word ending here, or kNone
  std::vector<uint32_t> dict_;    // nearest proper suffix node (via fail_) with an output; 0: none
  std::vector<uint32_t> depth_;   // length in code points
  uint32_t max_depth_ = 0;
};

// The text as matching sees it, UTF-8 encoded (for tests and the admin UI).
std::string normalize(std::string_view text);

// ---- Character model, shared with the leak guard so both read text the same way ----

enum class CharClass {
  letter,     // letters and digits of space-separated scripts
  cjk,        // Han, kana, bopomofo: scripts written without spaces between words
  ignorable,  // invisible: zero-width characters, joiners, BOM, variation selectors, combining marks
  separator,  // whitespace, punctuation, symbols, emoji, controls
};

// Full-width forms to their ASCII counterparts (U+3000 to a space), then simple case folding of
// ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; everything else unchanged. One code point
// in, one out, so positions survive.
char32_t fold(char32_t c);
// The class of an already folded code point.
CharClass classify(char32_t c);

struct Utf8Char {
  enum class Status { ok, invalid, truncated };
  Status status = Status::invalid;
  char32_t cp = 0;
  std::size_t size = 1;  // bytes consumed: the character, or 1 for a bad or truncated sequence
};
// Decodes the character at text[pos] (pos < text.size()). Overlong forms, surrogates and values past
// U+10FFFF are invalid; `truncated` means the bytes so far begin a valid character but the text ends.
Utf8Char decode_utf8(std::string_view text, std::size_t pos);
void append_utf8(std::string& out, char32_t c);

}  // namespace plaza::moderation
