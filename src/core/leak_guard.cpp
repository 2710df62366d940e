#include "core/leak_guard.hpp"

#include <algorithm>

#include "core/moderation.hpp"

namespace plaza::leak {

namespace detail {

SuffixAutomaton::SuffixAutomaton(const std::vector<uint32_t>& text) {
  if (text.empty()) return;
  states_.reserve(2 * text.size());
  states_.push_back(State{});
  uint32_t last = 0;
  for (uint32_t symbol : text) {
    const auto cur = static_cast<uint32_t>(states_.size());
    states_.push_back(State{0, states_[last].length + 1, {}});
    uint32_t p = last;
    while (p != kNone && go(p, symbol) == kNone) {
      set(p, symbol, cur);
      p = states_[p].link;
    }
    if (p != kNone) {
      uint32_t q = go(p, symbol);
      if (states_[p].length + 1 == states_[q].length) {
        states_[cur].link = q;
      } else {
        const auto clone = static_cast<uint32_t>(states_.size());
        State copy = states_[q];
        copy.length = states_[p].length + 1;
        states_.push_back(std::move(copy));
        while (p != kNone && go(p, symbol) == q) {
          set(p, symbol, clone);
          p = states_[p].link;
        }
        states_[q].link = clone;
        states_[cur].link = clone;
      }
    }
    last = cur;
  }
}

uint32_t SuffixAutomaton::go(uint32_t state, uint32_t symbol) const {
  const auto& next = states_[state].next;
  auto it = std::lower_bound(next.begin(), next.end(), symbol, [](const auto& e, uint32_t s) { return e.first < s; });
  return it != next.end() && it->first == symbol ? it->second : kNone;
}

void SuffixAutomaton::set(uint32_t state, uint32_t symbol, uint32_t to) {
  auto& next = states_[state].next;
  auto it = std::lower_bound(next.begin(), next.end(), symbol, [](const auto& e, uint32_t s) { return e.first < s; });
  if (it != next.end() && it->first == symbol)
    it->second = to;
  else
    next.insert(it, {symbol, to});
}

std::size_t SuffixAutomaton::step(Cursor& cursor, uint32_t symbol) const {
  if (states_.empty()) return 0;
  uint32_t state = cursor.state;
  std::size_t length = cursor.length;
  for (;;) {
    uint32_t to = go(state, symbol);
    if (to != kNone) {
      cursor = {to, length + 1};
      return cursor.length;
    }
    if (state == 0) {
      cursor = {};
      return 0;
    }
    state = states_[state].link;
    length = states_[state].length;
  }
}

}  // namespace detail

namespace {

using moderation::CharClass;
using moderation::Utf8Char;

constexpr uint32_t kBreak = UINT32_MAX - 1;    // between word runs of the secret (CJK in between)
constexpr uint32_t kUnknown = UINT32_MAX;      // an answer word the secret does not have
constexpr std::size_t kMaxAlphabet = 1 << 16;  // ids are 16 bits; only a secret past ~190 KB of CJK runs out

}  // namespace

Guard::Guard(std::string_view secret, Options options) : options_(options) {
  options_.min_word_run = std::max<std::size_t>(options_.min_word_run, 1);

  std::vector<uint32_t> word_ids;
  std::vector<uint32_t> chars;
  std::string word;
  std::size_t run = 0;
  std::size_t longest_run = 0;
  const auto end_word = [&] {
    if (word.empty()) return;
    auto [it, inserted] = vocabulary_.try_emplace(word, static_cast<uint32_t>(vocabulary_.size()));
    word_ids.push_back(it->second);
    longest_word_ = std::max(longest_word_, word.size());
    longest_run = std::max(longest_run, ++run);
    word.clear();
  };

  for (std::size_t pos = 0; pos < secret.size();) {
    Utf8Char ch = moderation::decode_utf8(secret, pos);
    pos += ch.size;
    if (ch.status != Utf8Char::Status::ok) {
      end_word();
      continue;
    }
    char32_t c = moderation::fold(ch.cp);
    switch (moderation::classify(c)) {
      case CharClass::letter:
        moderation::append_utf8(word, c);
        chars.push_back(c);
        window_fill_ = 0;
        break;
      case CharClass::cjk: {
        end_word();
        if (!word_ids.empty() && word_ids.back() != kBreak) word_ids.push_back(kBreak);
        run = 0;
        chars.push_back(c);
        auto it = alphabet_.find(c);
        if (it == alphabet_.end() && alphabet_.size() < kMaxAlphabet)
          it = alphabet_.emplace(c, static_cast<uint16_t>(alphabet_.size())).first;
        if (it == alphabet_.end()) {
          window_fill_ = 0;
          break;
        }
        window_ = (window_ << 16) | it->second;
        if (++window_fill_ >= 4) ngram_index_.try_emplace(window_, static_cast<uint32_t>(ngram_index_.size()));
        break;
      }
      case CharClass::ignorable:
        break;
      case CharClass::separator:
        end_word();
        break;
    }
  }
  end_word();
  window_ = 0;
  window_fill_ = 0;

  // Build only the rules that can fire, and drop what the others would have needed.
  if (longest_run >= options_.min_word_run) {
    words_ = detail::SuffixAutomaton(word_ids);
  } else {
    vocabulary_.clear();
  }
  if (ngram_index_.size() >= kMinNgrams) {
    ngram_seen_.assign(ngram_index_.size(), false);
  } else {
    alphabet_.clear();
    ngram_index_.clear();
    if (words_.empty() && !chars.empty() && chars.size() >= options_.min_exact_chars) {
      exact_run_ = std::min(chars.size(), kMaxExactRun);
      chars_ = detail::SuffixAutomaton(chars);
    }
  }
}

bool Guard::feed(std::string_view delta) {
  if (leaked_) return true;
  // Only a character split by the previous delta makes a copy, and then of this delta alone.
  std::string joined;
  if (!pending_.empty()) {
    joined = std::move(pending_);
    pending_.clear();
    joined.append(delta);
    delta = joined;
  }
  for (std::size_t pos = 0; pos < delta.size() && !leaked_;) {
    Utf8Char ch = moderation::decode_utf8(delta, pos);
    if (ch.status == Utf8Char::Status::truncated) {
      pending_.assign(delta.substr(pos));  // truncated means it runs to the end: at most 3 bytes
      break;
    }
    pos += ch.size;
    if (ch.status == Utf8Char::Status::invalid) {
      end_word();
      continue;
    }
    char32_t c = moderation::fold(ch.cp);
    switch (moderation::classify(c)) {
      case CharClass::letter:
        on_letter(c);
        break;
      case CharClass::cjk:
        on_cjk(c);
        break;
      case CharClass::ignorable:
        break;
      case CharClass::separator:
        end_word();
        break;
    }
  }
  return leaked_;
}

bool Guard::finish() {
  if (leaked_) return true;
  pending_.clear();  // an incomplete character is a bad one: a separator
  end_word();
  return leaked_;
}

void Guard::on_letter(char32_t c) {
  if (!words_.empty() && !word_too_long_) {
    moderation::append_utf8(word_, c);
    if (word_.size() > longest_word_) {
      word_too_long_ = true;
      word_.clear();
    }
  }
  window_fill_ = 0;
  step_exact(c);
}

void Guard::on_cjk(char32_t c) {
  end_word();
  word_cursor_ = {};
  step_exact(c);
  if (ngram_seen_.empty() || leaked_) return;
  auto letter = alphabet_.find(c);
  if (letter == alphabet_.end()) {
    window_fill_ = 0;
    return;
  }
  window_ = (window_ << 16) | letter->second;
  if (++window_fill_ < 4) return;
  auto it = ngram_index_.find(window_);
  if (it == ngram_index_.end() || ngram_seen_[it->second]) return;
  ngram_seen_[it->second] = true;
  ++ngrams_seen_;
  if (static_cast<double>(ngrams_seen_) >= options_.ngram_share * static_cast<double>(ngram_seen_.size()))
    leaked_ = true;
}

void Guard::end_word() {
  if (words_.empty() || (word_.empty() && !word_too_long_)) return;
  uint32_t id = kUnknown;
  if (!word_too_long_) {
    auto it = vocabulary_.find(word_);
    if (it != vocabulary_.end()) id = it->second;
  }
  word_.clear();
  word_too_long_ = false;
  if (words_.step(word_cursor_, id) >= options_.min_word_run) leaked_ = true;
}

void Guard::step_exact(char32_t c) {
  if (exact_run_ && chars_.step(char_cursor_, c) >= exact_run_) leaked_ = true;
}

PartsGuard::PartsGuard(const std::vector<Part>& parts, Options options) {
  std::string whole;
  std::size_t texts = 0;
  for (const auto& p : parts) {
    if (p.text.empty()) continue;
    if (texts++) whole += '\n';
    whole += p.text;
  }
  guards_.emplace_back(whole, options);
  if (texts < 2) return;  // the whole is the one part
  Options alone = options;
  alone.min_exact_chars = kMinWatchedPart;
  for (const auto& p : parts) {
    if (!p.alone || p.text.empty()) continue;
    Guard guard(p.text, alone);
    if (guard.watching()) guards_.push_back(std::move(guard));
  }
}

bool PartsGuard::watching() const {
  return std::any_of(guards_.begin(), guards_.end(), [](const Guard& g) { return g.watching(); });
}

bool PartsGuard::feed(std::string_view delta) {
  bool any = false;
  for (auto& g : guards_) any = g.feed(delta) || any;  // every guard reads every piece
  return any;
}

bool PartsGuard::finish() {
  bool any = false;
  for (auto& g : guards_) any = g.finish() || any;
  return any;
}

bool PartsGuard::leaked() const {
  return std::any_of(guards_.begin(), guards_.end(), [](const Guard& g) { return g.leaked(); });
}

}  // namespace plaza::leak
