#pragma once
// Internal to the tokenizer: the pattern rewrite that gives PCRE2 the Unicode 16 classes and
// White_Space \s that tiktoken's Rust regex has (see tokenizer_unicode.cpp).
#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plaza::tokenizer_detail {

using Ranges = std::vector<std::pair<char32_t, char32_t>>;  // sorted, disjoint, inclusive

inline bool in_ranges(const Ranges& ranges, char32_t c) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), c, [](char32_t v, const auto& r) { return v < r.first; });
  return it != ranges.begin() && c <= std::prev(it)->second;
}

// Every code point Unicode 15 and 16 added to the pattern classes, merged: text holding none of
// them can use the pattern compiled without the delta.
Ranges unicode_delta_ranges();

// tiktoken's pat_str → a PCRE2 pattern: \s and \S become White_Space, and with `with_delta` each
// \p{..} / \P{..} gains the code points Unicode 15 and 16 added to it.
std::string rewrite_pattern(std::string_view pat, bool with_delta);

}  // namespace plaza::tokenizer_detail
