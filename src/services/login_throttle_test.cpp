#include "services/login_throttle.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "core/error.hpp"

namespace plaza::services {
namespace {

constexpr int kFree = 3;  // per username; an address gets kFree * kAddressFactor

class LoginThrottleTest : public ::testing::Test {
 protected:
  // The wait check() demands in seconds, or nothing when a sign-in may be tried now.
  std::optional<int> wait(const std::string& ip, const std::string& user) {
    try {
      throttle_.check(ip, user);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::rate_limited);
      return e.retry_after;
    }
    return std::nullopt;
  }
  void fail_times(int n, const std::string& ip, const std::string& user) {
    for (int i = 0; i < n; ++i) throttle_.failed(ip, user);
  }

  ManualClock clock_{1'700'000'000'000};
  LoginThrottle throttle_{clock_, kFree};
};

TEST_F(LoginThrottleTest, FreeFailuresThenAWait) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
  throttle_.failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1);
  clock_.advance_ms(999);
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1) << "rounded up";
  clock_.advance_ms(1);
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
}

TEST_F(LoginThrottleTest, EachFurtherFailureDoublesTheWait) {
  fail_times(kFree, "10.0.0.1", "alice");
  for (int expected : {2, 4, 8, 16, 32}) {
    clock_.advance_ms(100);
    throttle_.failed("10.0.0.1", "alice");
    EXPECT_EQ(wait("10.0.0.1", "alice"), expected);
  }
}

TEST_F(LoginThrottleTest, WaitIsCapped) {
  fail_times(kFree + 40, "10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), LoginThrottle::kMaxWaitMs / 1000);
  clock_.advance_ms(LoginThrottle::kMaxWaitMs);
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
}

TEST_F(LoginThrottleTest, UsernameIsThrottledFromEveryAddress) {
  for (int i = 0; i < kFree; ++i) throttle_.failed("10.0.0." + std::to_string(i), "alice");
  EXPECT_EQ(wait("192.168.1.1", "alice"), 1) << "a new address does not help against one account";
  EXPECT_EQ(wait("192.168.1.1", "bob"), std::nullopt);
}

TEST_F(LoginThrottleTest, UsernamesMatchWhateverTheCase) {
  throttle_.failed("10.0.0.1", "Alice");
  throttle_.failed("10.0.0.2", "ALICE");
  throttle_.failed("10.0.0.3", "alice");
  EXPECT_EQ(wait("10.0.0.4", "aLiCe"), 1);
}

TEST_F(LoginThrottleTest, AddressGetsMoreFreeFailuresThanAUsername) {
  const int address_free = kFree * LoginThrottle::kAddressFactor;
  for (int i = 0; i < address_free - 1; ++i) throttle_.failed("10.0.0.1", "user" + std::to_string(i));
  EXPECT_EQ(wait("10.0.0.1", "fresh"), std::nullopt) << "shared addresses get more room";
  throttle_.failed("10.0.0.1", "another");
  EXPECT_EQ(wait("10.0.0.1", "fresh"), 1) << "the address itself is now throttled";
  EXPECT_EQ(wait("10.0.0.2", "fresh"), std::nullopt);
}

TEST_F(LoginThrottleTest, UsernameBlockLeavesTheAddressFree) {
  fail_times(kFree + 2, "10.0.0.1", "alice");  // username waits 4 s
  EXPECT_EQ(wait("10.0.0.9", "alice"), 4);
  EXPECT_EQ(wait("10.0.0.1", "bob"), std::nullopt) << "the address has not used up its failures";
}

TEST_F(LoginThrottleTest, SuccessResetsTheUsername) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  throttle_.succeeded("10.0.0.1", "ALICE");
  fail_times(kFree - 1, "10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt) << "without the reset this would be failure " << 2 * kFree - 2;
  throttle_.failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1) << "counting starts again from zero";
}

TEST_F(LoginThrottleTest, SuccessDoesNotLiftABlockedAddress) {
  const int address_free = kFree * LoginThrottle::kAddressFactor;
  for (int i = 0; i < address_free; ++i) throttle_.failed("10.0.0.1", "user" + std::to_string(i));
  throttle_.succeeded("10.0.0.1", "someone");
  EXPECT_EQ(wait("10.0.0.1", "other"), 1);
}

TEST_F(LoginThrottleTest, FailuresAreForgottenAfterAnHour) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  clock_.advance_ms(60 * 60 * 1000 + 1);
  throttle_.failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt) << "old failures no longer count";
  throttle_.failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
  throttle_.failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1);
}

TEST_F(LoginThrottleTest, FailuresWithinTheHourAreKept) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  clock_.advance_ms(60 * 60 * 1000);
  throttle_.failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1);
}

TEST_F(LoginThrottleTest, SweepingStaleEntriesKeepsActiveBlocks) {
  fail_times(kFree + 40, "10.0.0.1", "alice");  // blocked for 15 minutes
  clock_.advance_ms(2 * 60 * 1000);
  throttle_.failed("10.0.0.2", "bob");  // runs a sweep
  EXPECT_GT(wait("10.0.0.1", "alice").value_or(0), 0);
}

}  // namespace
}  // namespace plaza::services
