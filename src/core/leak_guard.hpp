#pragma once
// Leak guard: watches the streamed answer of an app whose preset is hidden and says when the answer
// has started reproducing the preset verbatim, so the relay can cut it. Text is read with the
// moderation character model (case folded, full-width to ASCII, invisible characters ignored), so
// re-casing or re-punctuating a copy does not hide it.
//
// The answer leaks when any of these holds:
//  (a) words: it holds a run of `min_word_run` consecutive words (letters/digits between whitespace,
//      punctuation or CJK characters) that are consecutive in the secret too;
//  (b) CJK, where there are no spaces to count words by: the share of the secret's distinct 4-grams
//      of CJK characters (punctuation skipped) that appeared in the answer reaches `ngram_share` —
//      only for a secret with at least kMinNgrams of them;
//  (c) a secret too short for either (fewer than kMinNgrams CJK 4-grams and no run of
//      `min_word_run` words): a run of min(its length, kMaxExactRun) of its letters and CJK
//      characters (whitespace and punctuation skipped) appears in the answer.
//
// Each rule is a streaming automaton built from the secret: state is proportional to the secret and
// what is kept of the answer is one unfinished character and one unfinished word, whatever its length.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace plaza::leak {

inline constexpr std::size_t kMinNgrams = 20;
inline constexpr std::size_t kMaxExactRun = 40;

struct Options {
  std::size_t min_word_run = 12;  // rule (a); 0 counts as 1
  double ngram_share = 0.5;       // rule (b)
  // Rule (c) only for a secret of at least this many letters and CJK characters: a few words alone
  // (a greeting) would cut every answer that says them.
  std::size_t min_exact_chars = 1;
};

namespace detail {

// Suffix automaton of a symbol sequence: fed another sequence one symbol at a time, it tells the
// length of the longest suffix of what was fed that occurs somewhere in the first.
class SuffixAutomaton {
 public:
  struct Cursor {
    uint32_t state = 0;
    std::size_t length = 0;
  };

  SuffixAutomaton() = default;
  explicit SuffixAutomaton(const std::vector<uint32_t>& text);

  // Moves the cursor past `symbol`; returns the new match length (0 when nothing was built).
  std::size_t step(Cursor& cursor, uint32_t symbol) const;
  bool empty() const { return states_.empty(); }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct State {
    uint32_t link = kNone;
    uint32_t length = 0;
    std::vector<std::pair<uint32_t, uint32_t>> next;  // (symbol, state), sorted by symbol
  };

  uint32_t go(uint32_t state, uint32_t symbol) const;
  void set(uint32_t state, uint32_t symbol, uint32_t to);

  std::vector<State> states_;
};

}  // namespace detail

// One per answer stream; not thread-safe.
class Guard {
 public:
  explicit Guard(std::string_view secret, Options options = {});

  // Reads the next piece of the answer (it may split words and UTF-8 characters anywhere); true
  // once the answer so far leaks. A word counts when the separator after it arrives.
  bool feed(std::string_view delta);
  // The answer ended: counts the last word and any incomplete character.
  bool finish();
  bool leaked() const { return leaked_; }
  // Whether any rule can fire: false for a secret too short for all three.
  bool watching() const { return !words_.empty() || !ngram_seen_.empty() || exact_run_ > 0; }

 private:
  void on_letter(char32_t c);
  void on_cjk(char32_t c);
  void end_word();
  void step_exact(char32_t c);

  Options options_;

  // Rule (a): the secret's words as ids, and the automaton of its id sequence.
  std::unordered_map<std::string, uint32_t> vocabulary_;
  std::size_t longest_word_ = 0;  // bytes; a longer answer word cannot be a secret word
  detail::SuffixAutomaton words_;
  detail::SuffixAutomaton::Cursor word_cursor_;
  std::string word_;  // the answer's unfinished word, folded
  bool word_too_long_ = false;

  // Rule (b): CJK characters of the secret numbered densely, so four fit in one 64-bit key.
  std::unordered_map<char32_t, uint16_t> alphabet_;
  std::unordered_map<uint64_t, uint32_t> ngram_index_;
  std::vector<bool> ngram_seen_;
  std::size_t ngrams_seen_ = 0;
  uint64_t window_ = 0;  // the answer's last CJK characters, 16 bits each
  std::size_t window_fill_ = 0;

  // Rule (c).
  detail::SuffixAutomaton chars_;
  detail::SuffixAutomaton::Cursor char_cursor_;
  std::size_t exact_run_ = 0;  // 0: rule off

  std::string pending_;  // the start of a UTF-8 character split across deltas (at most 3 bytes)
  bool leaked_ = false;
};

// A secret in parts (an app's preset: a system prompt, prefix messages, a suffix), watched whole and
// each chosen part alone as well. Within the whole only the twelve-word rule applies once any part has
// such a run, so a part of a few words (a one-line suffix, a short instruction) would never be caught;
// alone it is watched by every rule that fits it. A part of fewer than kMinWatchedPart letters and
// CJK characters is common words ("Be brief.") and is watched only within the whole.
inline constexpr std::size_t kMinWatchedPart = 12;

class PartsGuard {
 public:
  struct Part {
    std::string_view text;
    bool alone = true;  // watched on its own too
  };
  explicit PartsGuard(const std::vector<Part>& parts, Options options = {});

  bool watching() const;
  // As Guard's: true once the answer so far repeats the whole or a part watched alone.
  bool feed(std::string_view delta);
  bool finish();
  bool leaked() const;

 private:
  std::vector<Guard> guards_;  // the whole first, then the parts watched alone
};

}  // namespace plaza::leak
