#include "services/login_throttle.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <optional>

#include "core/error.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

constexpr int kFree = 3;  // per username; an address gets kFree * kAddressFactor

class LoginThrottleTest : public test::BackendTest {
 protected:
  // The wait check() demands in seconds, or nothing when a sign-in may be tried now.
  std::optional<int> wait(const std::string& ip, const std::string& user, LoginThrottle* throttle = nullptr) {
    try {
      db().read_sync([&](store::Conn& c) { (throttle ? *throttle : throttle_).check(c, ip, user); });
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::rate_limited);
      return e.retry_after;
    }
    return std::nullopt;
  }
  void failed(const std::string& ip, const std::string& user, LoginThrottle* throttle = nullptr) {
    db().write_sync([&](store::Conn& c) { (throttle ? *throttle : throttle_).failed(c, ip, user); });
  }
  // A sign-in with the right password: counted when it begins, forgiven when it succeeds.
  void succeeded(const std::string& ip, const std::string& user) {
    db().write_sync([&](store::Conn& c) { throttle_.begin(c, ip, user); });
    db().write_sync([&](store::Conn& c) { throttle_.succeeded(c, ip, user); });
  }
  void fail_times(int n, const std::string& ip, const std::string& user) {
    for (int i = 0; i < n; ++i) failed(ip, user);
  }
  int64_t rows() {
    return db().read_sync([](store::Conn& c) { return c.query_one("SELECT COUNT(*) FROM login_failures")->i64(0); });
  }

  ManualClock clock_{1'700'000'000'000};
  LoginThrottle throttle_{clock_, kFree};
};
PLAZA_INSTANTIATE_FOR_BACKENDS(LoginThrottleTest);

TEST_P(LoginThrottleTest, FreeFailuresThenAWait) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
  failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1);
  clock_.advance_ms(999);
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1) << "rounded up";
  clock_.advance_ms(1);
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
}

TEST_P(LoginThrottleTest, EachFurtherFailureDoublesTheWait) {
  fail_times(kFree, "10.0.0.1", "alice");
  for (int expected : {2, 4, 8, 16, 32}) {
    clock_.advance_ms(100);
    failed("10.0.0.1", "alice");
    EXPECT_EQ(wait("10.0.0.1", "alice"), expected);
  }
}

TEST_P(LoginThrottleTest, WaitIsCapped) {
  fail_times(kFree + 40, "10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), LoginThrottle::kMaxWaitMs / 1000);
  clock_.advance_ms(LoginThrottle::kMaxWaitMs);
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
}

TEST_P(LoginThrottleTest, UsernameIsThrottledFromEveryAddress) {
  for (int i = 0; i < kFree; ++i) failed("10.0.0." + std::to_string(i), "alice");
  EXPECT_EQ(wait("192.168.1.1", "alice"), 1) << "a new address does not help against one account";
  EXPECT_EQ(wait("192.168.1.1", "bob"), std::nullopt);
}

TEST_P(LoginThrottleTest, UsernamesMatchWhateverTheCase) {
  failed("10.0.0.1", "Alice");
  failed("10.0.0.2", "ALICE");
  failed("10.0.0.3", "alice");
  EXPECT_EQ(wait("10.0.0.4", "aLiCe"), 1);
}

TEST_P(LoginThrottleTest, AddressGetsMoreFreeFailuresThanAUsername) {
  const int address_free = kFree * LoginThrottle::kAddressFactor;
  for (int i = 0; i < address_free - 1; ++i) failed("10.0.0.1", "user" + std::to_string(i));
  EXPECT_EQ(wait("10.0.0.1", "fresh"), std::nullopt) << "shared addresses get more room";
  failed("10.0.0.1", "another");
  EXPECT_EQ(wait("10.0.0.1", "fresh"), 1) << "the address itself is now throttled";
  EXPECT_EQ(wait("10.0.0.2", "fresh"), std::nullopt);
}

TEST_P(LoginThrottleTest, UsernameBlockLeavesTheAddressFree) {
  fail_times(kFree + 2, "10.0.0.1", "alice");  // username waits 4 s
  EXPECT_EQ(wait("10.0.0.9", "alice"), 4);
  EXPECT_EQ(wait("10.0.0.1", "bob"), std::nullopt) << "the address has not used up its failures";
}

TEST_P(LoginThrottleTest, SuccessResetsTheUsername) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  succeeded("10.0.0.1", "ALICE");
  fail_times(kFree - 1, "10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt) << "without the reset this would be failure " << 2 * kFree - 2;
  failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1) << "counting starts again from zero";
}

TEST_P(LoginThrottleTest, SuccessDoesNotForgiveTheAddress) {
  // One password sprayed over many usernames, with a sign-in to one's own account in between.
  const int address_free = kFree * LoginThrottle::kAddressFactor;
  for (int i = 0; i < address_free - 1; ++i) failed("10.0.0.1", "user" + std::to_string(i));
  succeeded("10.0.0.1", "mine");
  EXPECT_EQ(wait("10.0.0.1", "other"), std::nullopt);
  failed("10.0.0.1", "user-last");
  EXPECT_EQ(wait("10.0.0.1", "other"), 1) << "the address's failures still count";
}

TEST_P(LoginThrottleTest, ASuccessGivesTheAddressBackItsOwnTyposOnly) {
  const int address_free = kFree * LoginThrottle::kAddressFactor;
  // A shared address: many people's typos, each of whom then gets in, never block it.
  for (int i = 0; i < address_free; ++i) {
    std::string person = "person" + std::to_string(i);
    db().write_sync([&](store::Conn& c) { throttle_.begin(c, "10.0.0.1", person); });
    db().write_sync([&](store::Conn& c) { throttle_.failed_from(c, "10.0.0.1", person); });
    succeeded("10.0.0.1", person);
  }
  EXPECT_EQ(wait("10.0.0.1", "next"), std::nullopt);
  // A spray over other usernames is not given back by a sign-in of one's own, however it is made:
  // failures of one's own counted elsewhere, or a burst of right passwords counted as they began.
  for (int i = 0; i < address_free - 1; ++i) failed("10.0.0.1", "victim" + std::to_string(i));
  failed("10.0.0.9", "mine");                                                        // elsewhere
  db().write_sync([&](store::Conn& c) { throttle_.begin(c, "10.0.0.1", "mine"); });  // a burst's other attempt
  succeeded("10.0.0.1", "mine");
  failed("10.0.0.1", "victim-last");
  EXPECT_EQ(wait("10.0.0.1", "next"), 1);
}

TEST_P(LoginThrottleTest, AttemptsAreCountedAsTheyBeginAndRefusedOnceBlocked) {
  for (int i = 0; i < kFree; ++i)
    db().write_sync([&](store::Conn& c) { throttle_.begin(c, "10.0.0.1", "alice"); });  // the last earns a block
  auto refused = [&] {
    try {
      db().write_sync([&](store::Conn& c) { throttle_.begin(c, "10.0.0.2", "alice"); });
    } catch (const Error& e) {
      return e.code() == ErrorCode::rate_limited;
    }
    return false;
  };
  EXPECT_TRUE(refused()) << "the block the last attempt earned stops the next before its password is checked";
  clock_.advance_ms(1000);
  EXPECT_FALSE(refused()) << "once the wait is over, one more";
  EXPECT_TRUE(refused()) << "a refused attempt was not counted, the one let through was: 2 s now";
}

TEST_P(LoginThrottleTest, AttemptsSentAtOnceAreLetThroughOneBlockAtATime) {
  // Many attempts side by side (PostgreSQL runs them at once): only those counted before the block
  // they earn get through; the rest are refused.
  std::atomic<int> through{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      try {
        db().write_sync([&](store::Conn& c) { throttle_.begin(c, "10.0.0.1", "alice"); });
        ++through;
      } catch (const Error&) {
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(through.load(), kFree);
}

TEST_P(LoginThrottleTest, FailuresAreForgottenAfterAnHour) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  clock_.advance_ms(60 * 60 * 1000 + 1);
  failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt) << "old failures no longer count";
  failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), std::nullopt);
  failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1);
}

TEST_P(LoginThrottleTest, FailuresWithinTheHourAreKept) {
  fail_times(kFree - 1, "10.0.0.1", "alice");
  clock_.advance_ms(60 * 60 * 1000);
  failed("10.0.0.1", "alice");
  EXPECT_EQ(wait("10.0.0.1", "alice"), 1);
}

TEST_P(LoginThrottleTest, SweepingStaleEntriesKeepsActiveBlocks) {
  fail_times(kFree + 40, "10.0.0.1", "alice");  // blocked for 15 minutes
  failed("10.0.0.3", "carol");
  clock_.advance_ms(2 * 60 * 1000);
  failed("10.0.0.2", "bob");  // runs a sweep
  EXPECT_GT(wait("10.0.0.1", "alice").value_or(0), 0);
  EXPECT_EQ(rows(), 6) << "nothing is an hour old yet";
  clock_.advance_ms(60 * 60 * 1000 + 1);
  failed("10.0.0.4", "dave");  // carol's and bob's rows (and alice's, whose wait is over) go
  EXPECT_EQ(rows(), 2);
}

TEST_P(LoginThrottleTest, EveryInstanceSeesTheSameCounts) {
  // Two instances of a site share the database: failures on either count against the same name.
  LoginThrottle other(clock_, kFree);
  failed("10.0.0.1", "alice");
  failed("10.0.0.2", "alice", &other);
  EXPECT_EQ(wait("10.0.0.3", "alice", &other), std::nullopt);
  failed("10.0.0.3", "alice");
  EXPECT_EQ(wait("10.0.0.4", "alice", &other), 1) << "the third failure, made on the first instance";
  EXPECT_EQ(wait("10.0.0.4", "alice"), 1);
}

}  // namespace
}  // namespace plaza::services
