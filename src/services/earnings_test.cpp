// Creator earnings on both backends: DESIGN's worked example, property tests on generated days
// against an independent computation, exactly-once settlement (reruns, racing instances, a run
// stopped midway and resumed), clearing with an injectable clock, freezes, reversals, unlocks,
// conversions and payouts.
#include "services/earnings.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "store/earnings_repo.hpp"
#include "store/apps_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/migrations.hpp"
#include "store/relay_repo.hpp"
#include "store/users_repo.hpp"
#include "support/run_sync.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

namespace ledger = store::ledger;
namespace earn = store::earnings;
using test::run_sync;

constexpr int64_t kCredit = 1'000'000;
constexpr const char* kDayD = "2023-11-13";  // test::kStartMs is 2023-11-14 22:13 UTC

struct Call {
  int64_t user = 0;
  int64_t app = 0;
  int64_t owner = 0;
  bool system = false;
  bool priced = true;
  std::optional<int64_t> subscription;
  int64_t daily_value = 0;
  int64_t paid = 0;
  int64_t gift = 0;
  int64_t surcharge_paid = 0;
  std::string status = "ok";
};

using RowKey = std::tuple<int64_t, int64_t, std::string>;  // user, app, stream

class EarningsTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    options_.instance = "test-a";
    options_.batch_users = 3;
    options_.lease_s = 60;
    options_.clearing_days = 7;
  }

  int64_t user(const std::string& name) {
    return db().write_sync([&](store::Conn& c) { return store::users::create(c, {name, {}, "h"}, 1).id; });
  }

  void insert(store::Database& d, const std::vector<Call>& calls, const std::string& day = kDayD) {
    d.write_sync([&](store::Conn& c) {
      for (const auto& k : calls) {
        store::UsageEvent e;
        e.request_id = "r" + std::to_string(++requests_);
        e.created_at = 1;
        e.day = day;
        e.user_id = k.user;
        e.surface = "api";
        e.model = "m";
        e.status = k.status;
        e.priced = k.priced;
        e.cost = k.priced ? 100 : 0;
        e.subscription_id = k.subscription;
        e.plan_daily_value = k.daily_value;
        e.allowance_uc = k.subscription ? e.cost : 0;
        e.paid_uc = k.paid;
        e.gift_uc = k.gift;
        e.surcharge_paid_uc = k.surcharge_paid;
        e.app_id = k.app;
        e.app_owner_id = k.owner;
        e.app_kind = k.system ? "system" : "user";
        store::usage::insert(c, e);
      }
    });
  }

  std::map<RowKey, int64_t> rows(store::Database& d, const std::string& day = kDayD) {
    return d.read_sync([&](store::Conn& c) {
      std::map<RowKey, int64_t> out;
      for (const auto& r : c.query("SELECT user_id, app_id, stream, amount FROM earnings WHERE day = $1", {day}).rows)
        out[{r.i64(0), r.i64(1), r.str(2)}] = r.i64(3);
      return out;
    });
  }

  int64_t pending(int64_t owner) {
    return db().read_sync([&](store::Conn& c) { return ledger::balance(c, ledger::kEarningsPending, owner).balance; });
  }
  int64_t available(int64_t owner) {
    return db().read_sync([&](store::Conn& c) { return ledger::balance(c, ledger::kEarningsAvailable, owner).balance; });
  }

  void expect_reconciled(store::Database& d) {
    d.read_sync([](store::Conn& c) {
      EXPECT_TRUE(ledger::drift(c).empty());
      EXPECT_EQ(ledger::balance_sum(c), 0);
      // Every creator's pending balance is exactly its pending rows.
      EXPECT_TRUE(earn::pending_mismatches(c).empty());
    });
  }
  void expect_reconciled() { expect_reconciled(db()); }

  ManualClock clock_{test::kStartMs};
  EarningsOptions options_;
  int requests_ = 0;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(EarningsTest);

TEST_P(EarningsTest, TheWorkedExampleFromDesign) {
  int64_t a_owner = user("ann"), b_owner = user("bob"), u = user("sub");
  std::vector<Call> calls;
  for (int i = 0; i < 90; ++i) calls.push_back({u, 1, a_owner, false, true, 7, 1 * kCredit});
  for (int i = 0; i < 10; ++i) calls.push_back({u, 2, b_owner, false, true, 7, 1 * kCredit});
  insert(db(), calls);
  Settlement s(db(), clock_, options_);
  auto report = s.settle_day(kDayD);
  EXPECT_EQ(report.outcome, Settlement::Outcome::settled);
  auto r = rows(db());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ((r[{u, 1, "subscription"}]), 90'000) << "0.09";
  EXPECT_EQ((r[{u, 2, "subscription"}]), 10'000) << "0.01";
  EXPECT_EQ(pending(a_owner), 90'000);
  EXPECT_EQ(pending(b_owner), 10'000);
  expect_reconciled();
}

// The oracle: DESIGN's formulas computed here, call by call, independently of the SQL.
std::map<RowKey, int64_t> expected_rows(const std::vector<Call>& calls, const earn::Shares& shares) {
  std::map<int64_t, std::map<int64_t, int64_t>> sub_calls;  // user -> app -> calls
  std::map<int64_t, int64_t> daily_value;
  std::map<std::pair<int64_t, int64_t>, int64_t> paid;  // (user, app) -> paid µc
  for (const auto& k : calls) {
    if (k.system || k.owner == k.user) continue;
    if (k.subscription && k.priced) {
      sub_calls[k.user][k.app] += 1;
      daily_value[k.user] = std::max(daily_value[k.user], k.daily_value);
    }
    if (k.paid > 0) paid[{k.user, k.app}] += k.paid;
  }
  std::map<RowKey, int64_t> out;
  for (const auto& [u, apps] : sub_calls) {
    int64_t total = 0;
    for (const auto& [a, n] : apps) total += n;
    __int128 pool = static_cast<__int128>(daily_value[u]) * shares.subscription_pool_ppm / 1'000'000;
    for (const auto& [a, n] : apps) {
      auto amount = static_cast<int64_t>(pool * n / total);
      if (amount > 0) out[{u, a, "subscription"}] = amount;
    }
  }
  for (const auto& [ua, s] : paid) {
    auto amount = static_cast<int64_t>(static_cast<__int128>(s) * shares.pack_pool_ppm / 1'000'000);
    if (amount > 0) out[{ua.first, ua.second, "pack"}] = amount;
  }
  return out;
}

// A day of random calls: subscribers and credit users, system apps, self-use, gift credits,
// unpriced models. Apps 1..apps are owned by users 1..owners (some of them also callers).
std::vector<Call> generated_day(std::mt19937_64& rng, const std::vector<int64_t>& users, int apps) {
  std::vector<Call> calls;
  std::uniform_int_distribution<int> pick_user(0, static_cast<int>(users.size()) - 1), pick_app(1, apps),
      n_calls(1, 40), coin(0, 9);
  std::map<int64_t, int64_t> dv;  // each subscriber's daily value
  for (auto u : users)
    if (coin(rng) < 5) dv[u] = std::uniform_int_distribution<int64_t>(1, 50 * kCredit)(rng);
  for (int i = 0; i < 400; ++i) {
    Call k;
    k.user = users[pick_user(rng)];
    k.app = pick_app(rng);
    k.owner = users[static_cast<std::size_t>(k.app) % users.size()];  // owners are callers too: self-use happens
    k.system = k.app % 7 == 0;
    k.priced = coin(rng) != 0;
    int n = n_calls(rng);
    for (int j = 0; j < n; ++j) {
      Call c = k;
      int how = coin(rng);
      if (dv.count(k.user) && how < 5) {
        c.subscription = 1000 + k.user;
        c.daily_value = dv[k.user];
      } else if (how < 8 && k.priced) {
        c.paid = std::uniform_int_distribution<int64_t>(1, 3 * kCredit)(rng);
      } else if (k.priced) {
        c.gift = std::uniform_int_distribution<int64_t>(1, 3 * kCredit)(rng);
      }
      calls.push_back(c);
    }
  }
  return calls;
}

TEST_P(EarningsTest, GeneratedDaysPayExactlyTheFormulasAndNeverMoreThanAUsersShare) {
  std::vector<int64_t> users;
  for (int i = 0; i < 12; ++i) users.push_back(user("u" + std::to_string(i)));
  for (int seed = 1; seed <= 4; ++seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    std::string day = add_days(kDayD, -seed);
    auto calls = generated_day(rng, users, 20);
    insert(db(), calls, day);
    Settlement s(db(), clock_, options_);
    ASSERT_EQ(s.settle_day(day).outcome, Settlement::Outcome::settled);
    auto got = rows(db(), day);
    auto want = expected_rows(calls, options_.shares);
    EXPECT_EQ(got, want) << "seed " << seed;

    // Per user: pools never pay more than the user's share of what the user paid.
    std::map<int64_t, int64_t> sub_paid, pack_paid, max_dv, paid_total, gift_only;
    for (const auto& [key, amount] : got)
      (std::get<2>(key) == "subscription" ? sub_paid : pack_paid)[std::get<0>(key)] += amount;
    for (const auto& k : calls) {
      if (k.subscription) max_dv[k.user] = std::max(max_dv[k.user], k.daily_value);
      paid_total[k.user] += k.paid;
    }
    for (const auto& [u, amount] : sub_paid)
      EXPECT_LE(amount, max_dv[u] * options_.shares.subscription_pool_ppm / 1'000'000) << "user " << u;
    for (const auto& [u, amount] : pack_paid)
      EXPECT_LE(amount, paid_total[u] * options_.shares.pack_pool_ppm / 1'000'000) << "user " << u;
    // Self-use and system apps never earn; gift credits alone never earn.
    for (const auto& [key, amount] : got) {
      auto [u, app, stream] = key;
      EXPECT_NE(users[static_cast<std::size_t>(app) % users.size()], u) << "self-use earned";
      EXPECT_NE(app % 7, 0) << "a system app earned";
      EXPECT_GT(amount, 0);
    }
  }
  expect_reconciled();
  // What the rows do not pay (the rounding remainders) stays with the platform.
  db().read_sync([&](store::Conn& c) {
    int64_t rows_total = c.query_one("SELECT SUM(amount) FROM earnings")->i64(0);
    EXPECT_EQ(-ledger::balance(c, ledger::kRevenue, 0).balance, rows_total);
  });
}

TEST_P(EarningsTest, TheSchedulerSettlesYesterdayOnceItsHourHasComeAndResumesStalledRuns) {
  int64_t owner = user("maker"), u = user("payer");
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 5 * kCredit}});
  options_.settlement_hour = 23;  // the clock reads 22:13 on the day after kDayD
  Settlement s(db(), clock_, options_);
  s.tick();
  EXPECT_FALSE(db().read_sync([](store::Conn& c) { return earn::run(c, kDayD); })) << "before the hour";
  clock_.advance_ms(3600'000);
  s.tick();
  auto run = db().read_sync([](store::Conn& c) { return earn::run(c, kDayD); });
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "done");
  EXPECT_EQ(pending(owner), 500'000);
  s.tick();
  EXPECT_EQ(db().read_sync([](store::Conn& c) { return earn::run(c, kDayD); })->attempts, 1) << "done days stay done";

  // A run whose instance died midway is picked up by any instance's tick once its lease ran out.
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 5 * kCredit}}, "2023-11-01");
  auto other = options_;
  other.instance = "dead";
  struct Crash {};
  EXPECT_THROW(Settlement(db(), clock_, other).settle_day("2023-11-01", false, false, [](int64_t) { throw Crash{}; }),
               Crash);
  clock_.advance_ms((options_.lease_s + 1) * 1000);
  s.tick();
  EXPECT_EQ(db().read_sync([](store::Conn& c) { return earn::run(c, "2023-11-01"); })->status, "done");
  EXPECT_EQ(pending(owner), 500'000);
  EXPECT_EQ(available(owner), 500'000) << "the tick also clears: 2023-11-01 is more than 7 days ago";
  expect_reconciled();
}

TEST_P(EarningsTest, ADayIsSettledFiveMinutesAfterItsEndAtTheEarliest) {
  options_.settlement_hour = 0;
  Settlement s(db(), clock_, options_);
  s.tick();                                             // 2023-11-14 22:13: settles kDayD
  clock_.advance_ms((3600 + 47 * 60 + 2 * 60) * 1000);  // 2023-11-15 00:02
  s.tick();
  EXPECT_FALSE(db().read_sync([](store::Conn& c) { return earn::run(c, "2023-11-14"); }))
      << "two minutes after its end";
  clock_.advance_ms(3 * 60 * 1000);
  s.tick();
  auto run = db().read_sync([](store::Conn& c) { return earn::run(c, "2023-11-14"); });
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "done");
}

TEST_P(EarningsTest, TheSchedulerSettlesTheDaysAnOutageMissed) {
  int64_t owner = user("maker"), u = user("payer");
  options_.settlement_hour = 4;
  Settlement s(db(), clock_, options_);
  s.tick();  // settles kDayD (22:13 on the day after)
  ASSERT_EQ(db().read_sync([](store::Conn& c) { return earn::run(c, kDayD); })->status, "done");
  // Calls on the next two days; every instance is down until the third day's evening.
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 10 * kCredit}}, "2023-11-14");
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 20 * kCredit}}, "2023-11-15");
  clock_.advance_ms(2 * 86'400'000LL);  // 2023-11-16 22:13
  s.tick();
  for (const char* day : {"2023-11-14", "2023-11-15"}) {
    auto run = db().read_sync([&](store::Conn& c) { return earn::run(c, day); });
    ASSERT_TRUE(run) << day;
    EXPECT_EQ(run->status, "done") << day;
  }
  EXPECT_EQ(pending(owner), 3 * kCredit) << "both missed days' pools";

  // A long outage: the last week is settled, and the older days are left to `plaza settle`.
  clock_.advance_ms(20 * 86'400'000LL);  // 2023-12-06 22:13
  s.tick();
  EXPECT_FALSE(db().read_sync([](store::Conn& c) { return earn::run(c, "2023-11-28"); }));
  for (const char* day : {"2023-11-29", "2023-12-05"})
    EXPECT_EQ(db().read_sync([&](store::Conn& c) { return earn::run(c, day); })->status, "done") << day;
  expect_reconciled();
}

TEST_P(EarningsTest, SettlingADayTwiceOrRerunningItWritesOneSetOfRows) {
  int64_t owner = user("maker"), u = user("payer");
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 5 * kCredit}, {u, 1, owner, false, true, 3, 2 * kCredit}});
  Settlement s(db(), clock_, options_);
  EXPECT_EQ(s.settle_day(kDayD).outcome, Settlement::Outcome::settled);
  auto first = rows(db());
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(s.settle_day(kDayD).outcome, Settlement::Outcome::already_done);
  auto rerun = s.settle_day(kDayD, true);
  EXPECT_EQ(rerun.outcome, Settlement::Outcome::settled);
  EXPECT_EQ(rerun.rows, 0) << "every row existed";
  EXPECT_EQ(rows(db()), first);
  EXPECT_EQ(pending(owner), 500'000 + 200'000);
  expect_reconciled();
}

TEST_P(EarningsTest, TwoInstancesRacingTheSameDayWriteOneSetOfRows) {
  std::vector<int64_t> users;
  for (int i = 0; i < 10; ++i) users.push_back(user("r" + std::to_string(i)));
  std::mt19937_64 rng(99);
  auto calls = generated_day(rng, users, 15);
  insert(db(), calls);
  auto other = options_;
  other.instance = "test-b";
  Settlement a(db(), clock_, options_), b(db(), clock_, other);
  std::vector<Settlement::Outcome> outcomes(2);
  std::thread ta([&] { outcomes[0] = a.settle_day(kDayD).outcome; });
  std::thread tb([&] {
    try {
      outcomes[1] = b.settle_day(kDayD).outcome;
    } catch (const earn::LeaseLost&) {
      outcomes[1] = Settlement::Outcome::busy;
    } catch (const store::DatabaseError&) {
      outcomes[1] = Settlement::Outcome::busy;  // PostgreSQL: the loser of a write conflict
    }
  });
  ta.join();
  tb.join();
  EXPECT_EQ(rows(db()), expected_rows(calls, options_.shares));
  expect_reconciled();
  // However the race went, the day is done once: a third instance finds nothing to do.
  auto third = options_;
  third.instance = "test-c";
  Settlement c(db(), clock_, third);
  auto last = c.settle_day(kDayD);
  EXPECT_TRUE(last.outcome == Settlement::Outcome::already_done || last.rows == 0);
}

TEST_P(EarningsTest, ARunStoppedMidwayIsResumedByAnotherInstanceWithTheSameTotals) {
  std::vector<int64_t> users;
  for (int i = 0; i < 14; ++i) users.push_back(user("k" + std::to_string(i)));
  std::mt19937_64 rng(7);
  auto calls = generated_day(rng, users, 18);
  insert(db(), calls);
  // The same day in a second database, settled without interruption.
  test::TestDatabase reference(GetParam());
  store::migrate(reference.db());
  insert(reference.db(), calls);
  Settlement(reference.db(), clock_, options_).settle_day(kDayD);

  struct Crash {};
  Settlement first(db(), clock_, options_);
  EXPECT_THROW(first.settle_day(kDayD, false, false, [](int64_t batch) {
    if (batch == 2) throw Crash{};
  }), Crash);
  auto midway = rows(db());
  EXPECT_FALSE(midway.empty());
  EXPECT_LT(midway.size(), rows(reference.db()).size()) << "the run stopped before the end";

  auto other = options_;
  other.instance = "test-b";
  Settlement second(db(), clock_, other);
  EXPECT_EQ(second.settle_day(kDayD).outcome, Settlement::Outcome::busy) << "the lease is still live";
  clock_.advance_ms((options_.lease_s + 1) * 1000);
  EXPECT_EQ(second.settle_day(kDayD).outcome, Settlement::Outcome::settled);
  EXPECT_EQ(rows(db()), rows(reference.db()));
  expect_reconciled();
  expect_reconciled(reference.db());
  // The stopped instance cannot write into a day it lost.
  EXPECT_EQ(first.settle_day(kDayD).outcome, Settlement::Outcome::already_done);
}

TEST_P(EarningsTest, PendingEarningsClearAfterTheClearingDaysUnlessFrozenAndCanBeReversed) {
  int64_t owner = user("maker"), other_owner = user("other"), u = user("payer"), admin = user("root");
  // kDayD's row: pack pool of 10 credits → 1 credit; the other creator's: 0.5 credits.
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 10 * kCredit},
                {u, 2, other_owner, false, true, std::nullopt, 0, 5 * kCredit}});
  Settlement s(db(), clock_, options_);
  s.settle_day(kDayD);
  EXPECT_EQ(pending(owner), kCredit);
  // The clock starts the day after kDayD: seven whole days must pass after kDayD ended.
  EXPECT_EQ(s.clear_due(), 0);
  clock_.advance_ms(5 * 86'400'000);
  EXPECT_EQ(s.clear_due(), 0) << "kDayD + 6";
  int64_t freeze_id = db().write_sync([&](store::Conn& c) { return earn::freeze(c, "creator", owner, "check", admin, 1); });
  clock_.advance_ms(2 * 86'400'000);
  EXPECT_EQ(s.clear_due(), 1) << "only the creator without a freeze";
  EXPECT_EQ(available(other_owner), 500'000);
  EXPECT_EQ(pending(owner), kCredit);
  db().write_sync([&](store::Conn& c) { earn::lift(c, freeze_id, 2); });
  EXPECT_EQ(s.clear_due(), 1);
  EXPECT_EQ(available(owner), kCredit);
  EXPECT_EQ(pending(owner), 0);

  // A reversal takes back what is still pending (a new day's row), not what cleared.
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 20 * kCredit}}, "2023-11-20");
  s.settle_day("2023-11-20");
  EXPECT_EQ(pending(owner), 2 * kCredit);
  auto rev = db().write_sync([&](store::Conn& c) { return earn::reverse(c, "app", 1, "farming", 3); });
  EXPECT_EQ(rev.rows, 1);
  EXPECT_EQ(rev.amount, 2 * kCredit);
  EXPECT_EQ(pending(owner), 0);
  EXPECT_EQ(available(owner), kCredit);
  clock_.advance_ms(30 * 86'400'000LL);
  EXPECT_EQ(s.clear_due(), 0) << "a reversed row never clears";
  expect_reconciled();
}

TEST_P(EarningsTest, AClearingAndAReversalThatReadTheSameRowsEndEachRowOnce) {
  if (GetParam() != "postgres") GTEST_SKIP() << "SQLite has one writer: the two cannot interleave";
  int64_t owner = user("maker"), u = user("payer");
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 10 * kCredit}});
  Settlement s(db(), clock_, options_);
  s.settle_day(kDayD);  // a row of 1 credit, due to clear in a week
  clock_.advance_ms(7 * 86'400'000LL);
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 20 * kCredit}}, "2023-11-20");
  s.settle_day("2023-11-20");  // 2 credits, not yet due
  ASSERT_EQ(pending(owner), 3 * kCredit);

  // The clearing takes its row and waits, uncommitted, until the reversal (which reads both rows as
  // pending) is waiting on a lock; then it commits.
  std::atomic<bool> cleared{false}, go_on{false};
  std::thread clearing([&] {
    db().write_sync([&](store::Conn& c) {
      const std::string cutoff = local_day(clock_.now_s() - int64_t{options_.clearing_days} * 86'400);
      EXPECT_EQ(earn::clear_batch(c, cutoff, clock_.now_s(), 1000), 1);
      cleared = true;
      while (!go_on) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  });
  while (!cleared) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::optional<earn::Reversal> reversal;
  std::string refused;
  std::thread reversing([&] {
    try {
      reversal = db().write_sync([&](store::Conn& c) { return earn::reverse(c, "app", 1, "farming", 3); });
    } catch (const std::exception& e) {
      refused = e.what();  // taking back what the clearing already moved: more than is pending
    }
  });
  bool waiting = test::some_session_waits_on_a_lock(db(), std::chrono::seconds(30));
  go_on = true;
  clearing.join();
  reversing.join();
  ASSERT_TRUE(waiting) << "the reversal never waited on the clearing";
  ASSERT_TRUE(reversal) << refused;
  EXPECT_EQ(reversal->rows, 1) << "only the row still pending";
  EXPECT_EQ(reversal->amount, 2 * kCredit);
  EXPECT_EQ(available(owner), kCredit);
  EXPECT_EQ(pending(owner), 0);
  expect_reconciled();
}

TEST_P(EarningsTest, AnUnlockIsChargedOnceWhateverTheConcurrency) {
  int64_t owner = user("maker"), u = user("buyer");
  db().write_sync([&](store::Conn& c) {
    ledger::Transfer t;
    t.key = "fund";
    t.debit = ledger::platform_account(ledger::kSales);
    t.credit = ledger::account(c, ledger::kPaid, u);
    t.amount = 3 * kCredit;
    t.kind = "grant";
    t.user_id = u;
    ledger::transfer(c, t);
    t.key = "fund-gift";
    t.debit = ledger::platform_account(ledger::kPromotions);
    t.credit = ledger::account(c, ledger::kGift, u);
    ledger::transfer(c, t);
  });
  store::AppContent content;
  content.title = "Paid";
  content.default_model = "m";
  content.price_mode = "one_time";
  content.price = 4 * kCredit;
  int64_t app = db().write_sync([&](store::Conn& c) { return store::apps::create(c, "paid-app", owner, "user", content, 1).id; });
  earn::Unlock unlock;
  unlock.app_id = app;
  unlock.owner_id = owner;
  unlock.user_id = u;
  unlock.price = 4 * kCredit;  // 3 paid + 1 gift
  unlock.creator_share_ppm = 700'000;
  unlock.day = kDayD;
  unlock.now = 10;
  std::atomic<int> charged{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      try {
        if (db().write_sync([&](store::Conn& c) { return earn::charge_unlock(c, unlock); })) ++charged;
      } catch (const std::exception&) {
        ++refused;  // PostgreSQL: waits on the first insert, then finds the row (or a serialization error)
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(charged.load(), 1);
  db().read_sync([&](store::Conn& c) {
    EXPECT_EQ(ledger::balance(c, ledger::kPaid, u).balance, 0);
    EXPECT_EQ(ledger::balance(c, ledger::kGift, u).balance, 2 * kCredit);
  });
  EXPECT_EQ(pending(owner), 2'100'000) << "70% of the 3 credits paid from paid credits; the gift part earns nothing";
  EXPECT_FALSE(db().write_sync([&](store::Conn& c) { return earn::charge_unlock(c, unlock); }));
  expect_reconciled();
}

TEST_P(EarningsTest, TheCreatorsPageCountsOthersCallsAndPayingUsersPerAppInThePeriod) {
  int64_t owner = user("owner"), other_owner = user("other-owner");
  int64_t payer = user("payer"), subscriber = user("subscriber"), surcharged = user("surcharged"), free = user("free");
  auto make_app = [&](const std::string& slug, int64_t by) {
    store::AppContent content;
    content.title = slug;
    content.default_model = "m";
    return db().write_sync([&](store::Conn& c) { return store::apps::create(c, slug, by, "user", content, 1).id; });
  };
  int64_t first = make_app("first", owner), second = make_app("second", owner),
          theirs = make_app("theirs", other_owner);
  auto call = [&](int64_t u, int64_t app, int64_t by) {
    Call k;
    k.user = u;
    k.app = app;
    k.owner = by;
    return k;
  };
  Call paid = call(payer, first, owner), subscribed = call(subscriber, first, owner);
  paid.paid = 50;
  subscribed.subscription = 9;
  subscribed.daily_value = 1000;
  Call surcharge = call(surcharged, second, owner), gift_only = call(free, first, owner);
  surcharge.surcharge_paid = 10;
  gift_only.gift = 50;
  Call failed = call(free, second, owner), own = call(owner, first, owner);
  failed.status = "error";
  failed.paid = 50;  // a failed call is neither a call nor a payment
  own.paid = 50;     // nor is the creator's own use
  insert(db(),
         {paid, paid, subscribed, gift_only, gift_only, surcharge, failed, own, call(payer, theirs, other_owner)});
  Call before = paid;
  before.user = free;
  insert(db(), {before}, "2023-11-01");  // before the period: not counted

  auto apps = db().read_sync([&](store::Conn& c) { return earn::summary(c, owner, "2023-11-10").apps; });
  std::map<int64_t, std::pair<int64_t, int64_t>> got;  // app: calls, paying users
  for (const auto& a : apps) got[a.app_id] = {a.calls, a.paying_users};
  EXPECT_EQ(got[first], std::make_pair(int64_t{5}, int64_t{2})) << "payer twice, subscriber, free twice; two paid";
  EXPECT_EQ(got[second], std::make_pair(int64_t{1}, int64_t{1})) << "the surcharge from paid credits";
  EXPECT_EQ(got.count(theirs), 0u);
  auto everything = db().read_sync([&](store::Conn& c) { return earn::summary(c, owner, "2023-10-01").apps; });
  for (const auto& a : everything)
    if (a.app_id == first) EXPECT_EQ(a.paying_users, 3) << "free paid once, before the period";
}

TEST_P(EarningsTest, AvailableEarningsConvertIntoPaidCreditsOrLeaveAsAPayout) {
  int64_t owner = user("maker"), u = user("payer"), admin = user("root");
  insert(db(), {{u, 1, owner, false, true, std::nullopt, 0, 100 * kCredit}});
  options_.clearing_days = 0;
  options_.payout_minimum = 5 * kCredit;
  Settlement s(db(), clock_, options_);
  s.settle_day(kDayD);
  s.clear_due();
  ASSERT_EQ(available(owner), 10 * kCredit);
  Earnings api(db(), clock_, s);
  store::User me{};
  me.id = owner;
  run_sync(api.convert(me, 4 * kCredit, "c1"));
  EXPECT_EQ(test::error_of(api.convert(me, 4 * kCredit, "c1"))->code(), ErrorCode::conflict) << "a retry";
  EXPECT_EQ(test::error_of(api.convert(me, 7 * kCredit, "c2"))->code(), ErrorCode::insufficient_balance);
  auto paid = db().read_sync([&](store::Conn& c) { return ledger::balance(c, ledger::kPaid, owner).balance; });
  EXPECT_EQ(paid, 4 * kCredit);
  auto small = test::error_of(api.request_payout(me, 5 * kCredit - 1, "bank 123"));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->field(), "amount");
  EXPECT_EQ(std::string(small->what()), "a payout is at least 5 credits");
  EXPECT_EQ(available(owner), 6 * kCredit) << "refused, nothing taken";
  auto p = run_sync(api.request_payout(me, 5 * kCredit, "bank 123"));
  EXPECT_EQ(available(owner), kCredit);
  store::User root{};
  root.id = admin;
  root.role = "admin";
  auto rejected = run_sync(api.decide_payout(root, p.id, false, "wrong account"));
  EXPECT_EQ(rejected.status, "rejected");
  EXPECT_EQ(available(owner), 6 * kCredit) << "a rejected payout returns";
  EXPECT_EQ(test::error_of(api.decide_payout(root, p.id, true, "ref"))->code(), ErrorCode::conflict);
  auto p2 = run_sync(api.request_payout(me, 6 * kCredit, "bank 456"));
  EXPECT_EQ(run_sync(api.decide_payout(root, p2.id, true, "TX-1")).reference, "TX-1");
  EXPECT_EQ(available(owner), 0);
  expect_reconciled();
}

}  // namespace
}  // namespace plaza::services
