#include "core/money.hpp"

#include <algorithm>
#include <stdexcept>

namespace plaza::money {

namespace {
using i128 = __int128;

int64_t narrow(i128 v) {
  if (v > INT64_MAX || v < INT64_MIN) throw std::overflow_error("amount out of range");
  return static_cast<int64_t>(v);
}
}  // namespace

int64_t mul_div_up(int64_t a, int64_t b, int64_t d) {
  if (d <= 0 || a < 0 || b < 0) throw std::invalid_argument("mul_div_up: bad operands");
  i128 p = static_cast<i128>(a) * b;
  return narrow((p + d - 1) / d);
}

int64_t mul_div_down(int64_t a, int64_t b, int64_t d) {
  if (d <= 0 || a < 0 || b < 0) throw std::invalid_argument("mul_div_down: bad operands");
  return narrow(static_cast<i128>(a) * b / d);
}

int64_t add(int64_t a, int64_t b) {
  return narrow(static_cast<i128>(a) + b);
}

std::string_view to_string(PriceMode m) {
  switch (m) {
    case PriceMode::free: return "free";
    case PriceMode::per_call: return "per_call";
    case PriceMode::per_token: return "per_token";
  }
  return "free";
}

std::optional<PriceMode> parse_price_mode(std::string_view s) {
  if (s == "free") return PriceMode::free;
  if (s == "per_call") return PriceMode::per_call;
  if (s == "per_token") return PriceMode::per_token;
  return std::nullopt;
}

int64_t list_cost(const Price& price, const Tokens& t, int64_t multiplier_ppm, int64_t answers) {
  i128 base = 0;
  if (price.mode == PriceMode::per_call) {
    base = static_cast<i128>(price.per_call) * std::max<int64_t>(answers, 1);
  } else if (price.mode == PriceMode::per_token) {
    int64_t cached = std::min(std::max<int64_t>(t.cached, 0), std::max<int64_t>(t.prompt, 0));
    int64_t uncached = std::max<int64_t>(t.prompt, 0) - cached;
    // One rounding for the whole call: the sum of the token products, up to a whole µc.
    i128 numerator = static_cast<i128>(uncached) * price.input_per_m +
                     static_cast<i128>(std::max<int64_t>(t.completion, 0)) * price.output_per_m +
                     static_cast<i128>(cached) * price.cached_per_m;
    base = (numerator + kMicro - 1) / kMicro;
  }
  return mul_div_up(narrow(base), multiplier_ppm, kPpmOne);
}

int64_t max_cost(const Price& price, int64_t prompt_tokens, std::optional<int64_t> max_tokens, int64_t multiplier_ppm,
                 int64_t choices, int64_t default_answer_tokens) {
  int64_t out =
      max_tokens && *max_tokens > 0
          ? *max_tokens
          : std::max(price.max_output_tokens > 0 ? price.max_output_tokens : kDefaultMaxOutput, default_answer_tokens);
  if (price.mode == PriceMode::per_call) return list_cost(price, Tokens{}, multiplier_ppm, choices);
  return list_cost(price, Tokens{prompt_tokens, narrow(static_cast<i128>(out) * std::max<int64_t>(choices, 1)), 0},
                   multiplier_ppm);
}

int64_t surcharge(const Surcharge& s, int64_t model_cost) {
  int64_t share = s.ppm > 0 && model_cost > 0 ? mul_div_up(model_cost, s.ppm, kPpmOne) : 0;
  return add(s.per_call, share);
}

int64_t share_down(int64_t amount, int64_t ppm) {
  return amount > 0 && ppm > 0 ? mul_div_down(amount, ppm, kPpmOne) : 0;
}

std::optional<int64_t> parse_credits(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || frac.size() > 6 || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  i128 v = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > INT64_MAX / kMicro) return std::nullopt;
  }
  int64_t f = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    f = f * 10 + (c - '0');
  }
  i128 uc = v * kMicro + f;
  if (uc > INT64_MAX) return std::nullopt;
  return negative ? -static_cast<int64_t>(uc) : static_cast<int64_t>(uc);
}

std::string format_credits(int64_t uc) {
  bool negative = uc < 0;
  uint64_t abs = negative ? 0 - static_cast<uint64_t>(uc) : static_cast<uint64_t>(uc);
  std::string out = std::to_string(abs / kMicro);
  uint64_t frac = abs % kMicro;
  if (frac) {
    std::string f = std::to_string(frac);
    f.insert(0, 6 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return negative ? "-" + out : out;
}

std::string_view to_string(Source s) {
  switch (s) {
    case Source::subscription: return "subscription";
    case Source::count_pack: return "count_pack";
    case Source::paid: return "paid";
    case Source::gift: return "gift";
  }
  return "paid";
}

std::vector<Source> parse_deduction_order(std::string_view text) {
  std::vector<Source> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    std::optional<Source> s;
    for (auto candidate : {Source::subscription, Source::count_pack, Source::paid, Source::gift})
      if (item == to_string(candidate)) s = candidate;
    if (!s) throw std::invalid_argument("unknown funding source '" + std::string(item) + "'");
    for (auto seen : out)
      if (seen == *s) throw std::invalid_argument("funding source '" + std::string(item) + "' listed twice");
    out.push_back(*s);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (out.size() != 4) throw std::invalid_argument("the deduction order must list subscription, count_pack, paid and gift");
  return out;
}

std::vector<int64_t> allocate(int64_t actual, const std::vector<int64_t>& held) {
  std::vector<int64_t> parts;
  int64_t left = std::max<int64_t>(actual, 0);
  for (int64_t h : held) {
    int64_t take = std::min(left, h);
    parts.push_back(take);
    left -= take;
  }
  return parts;
}

}  // namespace plaza::money
