#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace plaza::http {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

TEST(RateLimiter, AllowsABurstThenRefuses) {
  RateLimiter limiter(60, 3);  // one a second, bursts of three
  int retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("1.2.3.4", kT0, retry)) << i;
  EXPECT_FALSE(limiter.allow("1.2.3.4", kT0, retry));
  EXPECT_EQ(retry, 1);
}

TEST(RateLimiter, RefillsAtTheRate) {
  RateLimiter limiter(60, 2);
  int retry = 0;
  EXPECT_TRUE(limiter.allow("k", kT0, retry));
  EXPECT_TRUE(limiter.allow("k", kT0, retry));
  EXPECT_FALSE(limiter.allow("k", kT0 + 999, retry));
  EXPECT_TRUE(limiter.allow("k", kT0 + 1000, retry)) << "one token back after a second";
  EXPECT_FALSE(limiter.allow("k", kT0 + 1000, retry));
}

TEST(RateLimiter, RefillIsCappedAtTheBurst) {
  RateLimiter limiter(60, 2);
  int retry = 0;
  EXPECT_TRUE(limiter.allow("k", kT0, retry));
  int64_t later = kT0 + 10'000;  // ten tokens' worth of time, but within the minute between sweeps
  EXPECT_TRUE(limiter.allow("k", later, retry));
  EXPECT_TRUE(limiter.allow("k", later, retry));
  EXPECT_FALSE(limiter.allow("k", later, retry)) << "idleness buys at most the burst";
  later += 3'600'000;
  EXPECT_TRUE(limiter.allow("k", later, retry));
  EXPECT_TRUE(limiter.allow("k", later, retry));
  EXPECT_FALSE(limiter.allow("k", later, retry)) << "an hour of idleness too";
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter(60, 1);
  int retry = 0;
  EXPECT_TRUE(limiter.allow("a", kT0, retry));
  EXPECT_FALSE(limiter.allow("a", kT0, retry));
  EXPECT_TRUE(limiter.allow("b", kT0, retry));
  EXPECT_TRUE(limiter.allow("c", kT0, retry));
}

TEST(RateLimiter, RetryAfterReflectsTheWaitForOneToken) {
  RateLimiter slow(1, 1);  // one a minute
  int retry = 0;
  EXPECT_TRUE(slow.allow("k", kT0, retry));
  EXPECT_FALSE(slow.allow("k", kT0, retry));
  EXPECT_EQ(retry, 60);
  EXPECT_FALSE(slow.allow("k", kT0 + 30'000, retry));
  EXPECT_EQ(retry, 30);

  RateLimiter fast(6000, 1);  // a token every 10 ms: never advise less than a second
  EXPECT_TRUE(fast.allow("k", kT0, retry));
  EXPECT_FALSE(fast.allow("k", kT0, retry));
  EXPECT_EQ(retry, 1);
}

TEST(RateLimiter, ForgettingIdleBucketsDoesNotGiveMoreThanTheBurst) {
  RateLimiter limiter(60, 2);
  int retry = 0;
  EXPECT_TRUE(limiter.allow("k", kT0, retry));
  EXPECT_TRUE(limiter.allow("k", kT0, retry));
  // A sweep runs after a minute; "k" is full again by then and may be dropped, which must be harmless.
  int64_t later = kT0 + 120'000;
  EXPECT_TRUE(limiter.allow("other", later, retry));
  EXPECT_TRUE(limiter.allow("k", later, retry));
  EXPECT_TRUE(limiter.allow("k", later, retry));
  EXPECT_FALSE(limiter.allow("k", later, retry));
}

TEST(RateLimiter, ManyKeysAcrossShards) {
  RateLimiter limiter(60, 1);
  int retry = 0;
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(limiter.allow("ip" + std::to_string(i), kT0, retry)) << i;
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(limiter.allow("ip" + std::to_string(i), kT0, retry)) << i;
}

}  // namespace
}  // namespace plaza::http
