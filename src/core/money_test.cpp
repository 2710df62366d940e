#include "core/money.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace plaza::money {
namespace {

Price per_token(int64_t in, int64_t out, int64_t cached = 0) {
  Price p;
  p.mode = PriceMode::per_token;
  p.input_per_m = in;
  p.output_per_m = out;
  p.cached_per_m = cached;
  return p;
}

TEST(Money, ListCostTable) {
  struct Case {
    Price price;
    Tokens tokens;
    int64_t multiplier;
    int64_t want;
  };
  Price call;
  call.mode = PriceMode::per_call;
  call.per_call = 20'000;
  const Case cases[] = {
      {Price{}, {1000, 1000, 0}, kPpmOne, 0},                      // free
      {call, {123456, 99, 0}, kPpmOne, 20'000},                    // per call ignores tokens
      {call, {0, 0, 0}, 1'500'000, 30'000},                        // x1.5 group
      {per_token(2'000'000, 8'000'000), {1'000'000, 0, 0}, kPpmOne, 2'000'000},
      {per_token(2'000'000, 8'000'000), {10, 5, 0}, kPpmOne, 60},  // 10*2 + 5*8 = 60 µc exactly
      {per_token(1, 1), {1, 0, 0}, kPpmOne, 1},                    // 1e-6 µc rounds up to 1
      {per_token(1, 1), {0, 0, 0}, kPpmOne, 0},                    // nothing used, nothing charged
      {per_token(3, 0), {333'333, 0, 0}, kPpmOne, 1},              // 0.999999 → 1
      {per_token(3, 0), {333'334, 0, 0}, kPpmOne, 2},              // 1.000002 → 2
      {per_token(2'000'000, 0, 500'000), {1000, 0, 400}, kPpmOne, 1400},  // 600*2 + 400*0.5
      {per_token(2'000'000, 0, 500'000), {100, 0, 900}, kPpmOne, 50},     // cached capped at prompt
      {per_token(1'000'000, 0), {7, 0, 0}, 333'333, 3},            // 7 * 0.333333 = 2.33 → 3
  };
  for (const auto& c : cases) EXPECT_EQ(list_cost(c.price, c.tokens, c.multiplier), c.want);
}

TEST(Money, MaxCostUsesMaxTokensThenCapThenDefault) {
  auto p = per_token(1'000'000, 2'000'000);
  EXPECT_EQ(max_cost(p, 100, 50, kPpmOne), 100 + 100);
  p.max_output_tokens = 1000;
  EXPECT_EQ(max_cost(p, 100, std::nullopt, kPpmOne), 100 + 2000);
  p.max_output_tokens = 0;
  EXPECT_EQ(max_cost(p, 0, std::nullopt, kPpmOne), 2 * kDefaultMaxOutput);
  EXPECT_EQ(max_cost(p, 0, std::nullopt, kPpmOne, 1, 64'000), 2 * 64'000) << "a channel's longer answer";
  EXPECT_EQ(max_cost(p, 0, std::nullopt, kPpmOne, 1, 100), 2 * kDefaultMaxOutput) << "never below the assumption";
  EXPECT_EQ(max_cost(p, 0, 50, kPpmOne, 1, 64'000), 2 * 50) << "the request's own limit decides";
}

TEST(Money, APerCallPriceIsPerAnswer) {
  Price p;
  p.mode = PriceMode::per_call;
  p.per_call = 1000;
  EXPECT_EQ(list_cost(p, {}, kPpmOne), 1000);
  EXPECT_EQ(list_cost(p, {}, kPpmOne, 10), 10'000) << "n = 10 is ten calls";
  EXPECT_EQ(list_cost(p, {}, 1'500'001, 3), 4501) << "one rounding for the whole request";
  EXPECT_EQ(max_cost(p, 100, 50, kPpmOne, 10), 10'000);
  EXPECT_EQ(list_cost(p, {}, kPpmOne, 0), 1000) << "never less than one";
}

TEST(Money, HugeProductsDoNotWrapAndOverflowIsRefused) {
  EXPECT_EQ(mul_div_up(INT64_MAX, 2, 2), INT64_MAX);
  EXPECT_THROW(mul_div_up(INT64_MAX, 3, 2), std::overflow_error);
  EXPECT_EQ(mul_div_down(7, 1, 2), 3);
  EXPECT_EQ(mul_div_up(7, 1, 2), 4);
  EXPECT_THROW(add(INT64_MAX, 1), std::overflow_error);
}

TEST(Money, ParsesAndFormatsCredits) {
  EXPECT_EQ(parse_credits("12.5"), 12'500'000);
  EXPECT_EQ(parse_credits("0.000001"), 1);
  EXPECT_EQ(parse_credits("-3"), -3'000'000);
  EXPECT_EQ(parse_credits("1.0000001"), std::nullopt);
  EXPECT_EQ(parse_credits("1."), std::nullopt);
  EXPECT_EQ(parse_credits("abc"), std::nullopt);
  EXPECT_EQ(parse_credits(""), std::nullopt);
  EXPECT_EQ(parse_credits("99999999999999999999"), std::nullopt);
  EXPECT_EQ(format_credits(12'500'000), "12.5");
  EXPECT_EQ(format_credits(1), "0.000001");
  EXPECT_EQ(format_credits(-3'000'000), "-3");
}

TEST(Money, DeductionOrder) {
  auto order = parse_deduction_order("paid, gift,subscription,count_pack");
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], Source::paid);
  EXPECT_EQ(order[3], Source::count_pack);
  EXPECT_THROW(parse_deduction_order("paid,gift"), std::invalid_argument);
  EXPECT_THROW(parse_deduction_order("paid,paid,gift,subscription"), std::invalid_argument);
  EXPECT_THROW(parse_deduction_order("paid,gift,subscription,cash"), std::invalid_argument);
}

TEST(Money, AllocateSplitsInOrderAndCapsAtTheHolds) {
  EXPECT_EQ(allocate(150, {100, 100}), (std::vector<int64_t>{100, 50}));
  EXPECT_EQ(allocate(50, {100, 100}), (std::vector<int64_t>{50, 0}));
  EXPECT_EQ(allocate(500, {100, 100}), (std::vector<int64_t>{100, 100}));
  EXPECT_EQ(allocate(0, {100}), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace plaza::money
