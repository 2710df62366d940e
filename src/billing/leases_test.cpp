// The memory side of leases: room, age, idleness, calls in flight, retiring and draining.
#include "billing/leases.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace plaza::billing {
namespace {

constexpr int64_t kUser = 7;
constexpr int64_t kT = 1'000;

Lease lease(int64_t hold, int64_t amount, int64_t opened_at = kT) {
  return Lease{hold, /*account*/ 100 + hold, true, amount, opened_at};
}

TEST(Leases, TakesWhatTheRoomAllowsAndNoMore) {
  Leases leases(10, 2);
  EXPECT_FALSE(leases.take(kUser, 10, kT)) << "no lease yet";
  leases.open(kUser, lease(1, 100));
  auto a = leases.take(kUser, 60, kT);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->hold_id, 1);
  EXPECT_EQ(a->account_id, 101);
  EXPECT_EQ(a->amount, 60);
  EXPECT_FALSE(leases.take(kUser, 41, kT)) << "40 left";
  auto b = leases.take(kUser, 40, kT);
  ASSERT_TRUE(b);
  EXPECT_FALSE(leases.take(kUser, 1, kT));
  // A call that used 10 of its 60 leaves 50 free again; the 10 are posted for good.
  leases.finish(kUser, *a, 10);
  EXPECT_FALSE(leases.take(kUser, 51, kT));
  EXPECT_TRUE(leases.take(kUser, 50, kT));
  EXPECT_FALSE(leases.take(8, 1, kT)) << "another user's lease is their own";
}

TEST(Leases, HoldsAUsersLeaseUntilItIsVoided) {
  Leases leases(10, 2);
  EXPECT_FALSE(leases.holds(kUser));
  leases.open(kUser, lease(1, 100));
  auto call = leases.take(kUser, 10, kT);
  ASSERT_TRUE(call);
  EXPECT_TRUE(leases.holds(kUser));
  EXPECT_FALSE(leases.holds(8));
  ASSERT_TRUE(leases.retire(kUser));
  EXPECT_TRUE(leases.drained(kUser).empty()) << "a call is still in flight";
  EXPECT_TRUE(leases.holds(kUser)) << "retired, waiting to be voided";
  leases.finish(kUser, *call, 10);
  EXPECT_EQ(leases.drained(kUser).size(), 1u);
  EXPECT_FALSE(leases.holds(kUser));
}

TEST(Leases, UsersAreThoseItHoldsALeaseFor) {
  Leases leases(10, 2);
  leases.open(kUser, lease(1, 100));
  leases.open(8, lease(2, 100));
  leases.open(9, lease(3, 100));
  ASSERT_TRUE(leases.retire(9));
  EXPECT_EQ(leases.drained(9).size(), 1u);
  auto users = leases.users();
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<int64_t>{kUser, 8})) << "user 9's lease is voided";
}

TEST(Leases, AnOldLeaseTakesNoMoreCalls) {
  Leases leases(10, 100);
  leases.open(kUser, lease(1, 100));
  EXPECT_TRUE(leases.take(kUser, 1, kT + 9));
  EXPECT_FALSE(leases.take(kUser, 1, kT + 10));
}

TEST(Leases, RetiringGivesBackTheRoomButKeepsWhatCallsInFlightNeed) {
  Leases leases(10, 2);
  EXPECT_FALSE(leases.retire(kUser));
  leases.open(kUser, lease(1, 100));
  auto a = leases.take(kUser, 30, kT);
  auto b = leases.take(kUser, 20, kT);
  leases.finish(kUser, *b, 20);
  auto r = leases.retire(kUser);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hold_id, 1);
  EXPECT_EQ(r->room, 50) << "100 - 20 posted - 30 in flight";
  EXPECT_FALSE(leases.take(kUser, 1, kT));
  EXPECT_TRUE(leases.drain(kT).empty()) << "a call is still in flight";
  leases.finish(kUser, *a, 5);
  auto done = leases.drain(kT);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].hold_id, 1);
  EXPECT_EQ(done[0].account_id, 101);
  EXPECT_EQ(leases.size(), 0u);
}

TEST(Leases, OpeningANewLeaseRetiresTheOld) {
  Leases leases(10, 2);
  leases.open(kUser, lease(1, 100));
  auto a = leases.take(kUser, 10, kT);
  leases.open(kUser, lease(2, 100));
  auto b = leases.take(kUser, 10, kT);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->hold_id, 2);
  EXPECT_EQ(leases.size(), 2u);
  leases.finish(kUser, *a, 10);  // finishes on the retired lease
  auto done = leases.drain(kT);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].hold_id, 1);
}

TEST(Leases, IdleAndOldLeasesAreDrained) {
  Leases leases(10, 2);
  leases.open(kUser, lease(1, 100));
  leases.open(8, lease(2, 100));
  auto a = leases.take(kUser, 10, kT + 1);
  leases.finish(kUser, *a, 1);
  EXPECT_TRUE(leases.drain(kT + 1).empty()) << "both used or opened within 2 s";
  auto idle = leases.drain(kT + 2);
  ASSERT_EQ(idle.size(), 1u) << "user 8 never used theirs";
  EXPECT_EQ(idle[0].user_id, 8);
  // Kept busy, a lease still ends at its age.
  for (int64_t t = kT + 2; t < kT + 10; ++t) {
    leases.finish(kUser, *leases.take(kUser, 1, t), 1);
    EXPECT_TRUE(leases.drain(t).empty());
  }
  auto old = leases.drain(kT + 10);
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].user_id, kUser);
}

TEST(Leases, ShuttingDownDrainsEveryLeaseWithNothingInFlight) {
  Leases leases(10, 2);
  leases.open(kUser, lease(1, 100));
  leases.open(8, lease(2, 100));
  auto busy = leases.take(8, 1, kT);
  EXPECT_EQ(leases.drain(kT, true).size(), 1u);
  leases.finish(8, *busy, 1);
  EXPECT_EQ(leases.drain(kT, true).size(), 1u);
  EXPECT_EQ(leases.size(), 0u);
}

TEST(Leases, ForgetAndDecline) {
  Leases leases(10, 2);
  leases.decline(kUser, kT + 5);
  EXPECT_TRUE(leases.declined(kUser, kT + 4));
  EXPECT_FALSE(leases.declined(kUser, kT + 5));
  leases.decline(kUser, kT + 5);
  leases.forget(kUser);
  EXPECT_FALSE(leases.declined(kUser, kT)) << "a purchase decides again";
  leases.open(kUser, lease(1, 100));
  leases.forget(kUser);
  EXPECT_FALSE(leases.take(kUser, 1, kT)) << "forgotten leases take no calls";
  EXPECT_EQ(leases.drain(kT).size(), 1u);
}

}  // namespace
}  // namespace plaza::billing
