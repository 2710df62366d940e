#pragma once
// Money: integer micro-credits (1 credit = 1,000,000 µc), prices and the cost of a call. No floating
// point on any money path; products are taken in 128 bits and every division rounds in a stated
// direction (charges up, payouts down).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plaza::money {

constexpr int64_t kMicro = 1'000'000;
constexpr int64_t kPpmOne = 1'000'000;  // a multiplier of 1.0 in parts per million

// a*b/d rounded up / down; d > 0, a and b non-negative. Throws std::overflow_error past int64.
int64_t mul_div_up(int64_t a, int64_t b, int64_t d);
int64_t mul_div_down(int64_t a, int64_t b, int64_t d);
// a+b that refuses to wrap.
int64_t add(int64_t a, int64_t b);

enum class PriceMode { free, per_call, per_token };
std::string_view to_string(PriceMode m);
std::optional<PriceMode> parse_price_mode(std::string_view s);

struct Price {
  PriceMode mode = PriceMode::free;
  int64_t input_per_m = 0;   // µc per 1M uncached input tokens
  int64_t output_per_m = 0;  // µc per 1M output tokens
  int64_t cached_per_m = 0;  // µc per 1M cached input tokens
  int64_t per_call = 0;      // µc per call
  bool web_free = false;     // free on the web (within the daily cap), priced on the API
  int64_t web_free_daily_cap = 0;  // web calls per user per day; 0: no cap
  int64_t max_output_tokens = 0;   // assumed when a request sets no max_tokens; 0: kDefaultMaxOutput
};

constexpr int64_t kDefaultMaxOutput = 4096;

struct Tokens {
  int64_t prompt = 0;      // all input tokens, cached ones included (as OpenAI reports them)
  int64_t completion = 0;
  int64_t cached = 0;      // the cached part of `prompt`
};

// The list cost of a call before funding: the price, then the group multiplier, each rounded up
// to a whole µc. Free models cost 0.
// A per-call price is per answer: a request for `answers` of them (n) costs that many calls.
int64_t list_cost(const Price& price, const Tokens& tokens, int64_t multiplier_ppm, int64_t answers = 1);

// The most a request can cost: its prompt plus max_tokens (or the model's cap) of output for each of
// its `choices` answers, all uncached. Without max_tokens the answer is assumed at least
// `default_answer_tokens` long (what a channel asks the upstream for on its own).
int64_t max_cost(const Price& price, int64_t prompt_tokens, std::optional<int64_t> max_tokens, int64_t multiplier_ppm,
                 int64_t choices = 1, int64_t default_answer_tokens = 0);

// An app's surcharge on top of a call (creator revenue): a fixed amount per call and/or a share
// (ppm) of the call's model list cost.
struct Surcharge {
  int64_t per_call = 0;
  int64_t ppm = 0;
  bool any() const { return per_call > 0 || ppm > 0; }
};
// The surcharge of a call whose model list cost is `model_cost`, rounded up (it is a charge).
int64_t surcharge(const Surcharge& s, int64_t model_cost);
// `ppm` of `amount`, rounded down (what is paid out: creator shares and pools).
int64_t share_down(int64_t amount, int64_t ppm);

// "12.5" (credits) → 12'500'000 µc; at most 6 decimals; optional leading '-'. nullopt when malformed.
std::optional<int64_t> parse_credits(std::string_view text);
// 12'500'000 → "12.5"
std::string format_credits(int64_t uc);

// Funding sources in the order a charge is taken from them.
enum class Source { subscription, count_pack, paid, gift };
std::string_view to_string(Source s);
// "subscription,count_pack,paid,gift" (any order, each once, all four). Throws std::invalid_argument.
std::vector<Source> parse_deduction_order(std::string_view text);

// Splits `actual` over holds taken in deduction order: each part is at most its hold; what exceeds
// the total held is not charged (a hold is the most a request may cost).
std::vector<int64_t> allocate(int64_t actual, const std::vector<int64_t>& held);

}  // namespace plaza::money
