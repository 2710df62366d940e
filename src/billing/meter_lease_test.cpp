// Leases on both backends, through the Meter as the relay uses it: many short calls funded by one
// hold, never more than the balance, the order's earlier sources respected, a lease too small
// replaced, voided when done, and a crashed instance's lease voided by the reaper.
#include <memory>

#include "billing/meter.hpp"
#include "billing/meter_fixture.hpp"
#include "core/clock.hpp"
#include "services/wallet.hpp"
#include "store/api_keys_repo.hpp"
#include "store/group_writer.hpp"
#include "store/users_repo.hpp"
#include "support/run_sync.hpp"

namespace plaza::billing {
namespace {

using namespace test_support;

class MeterLeaseTest : public MeterTest {
 protected:
  void SetUp() override {
    MeterTest::SetUp();
    writer_ = std::make_unique<store::GroupWriter>(db());
  }
  void TearDown() override {
    meter_.reset();
    writer_.reset();
    MeterTest::TearDown();
  }

  // The price of model m, and a meter whose leases hold `calls` calls' worst case (no minimum).
  void start(const money::Price& price, int64_t calls = 4) {
    db().write_sync([&](store::Conn& c) { store::prices::put(c, "m", price, kNow); });
    Options o;
    o.lease_calls = calls;
    o.lease_min_uc = 0;
    o.hold_ttl_s = 100;
    meter_ = std::make_unique<Meter>(db(), *writer_, clock_, o, std::chrono::milliseconds(0));
  }

  ChargeRequest call(const std::string& id, int64_t max_tokens = 100) {
    auto r = request(id);
    r.max_tokens = max_tokens;
    r.leasable = true;
    return r;
  }
  Reservation reserve_call(ChargeRequest r) { return test::run_sync(meter_->reserve(std::move(r), nullptr)); }
  std::optional<ErrorCode> refused(ChargeRequest r) {
    auto e = test::error_of(meter_->reserve(std::move(r), nullptr));
    return e ? std::optional(e->code()) : std::nullopt;
  }

  // As the relay records a call: the lease's memory first, then the settlement.
  store::UsageEvent finish(const Reservation& res, int64_t completion = 5) {
    auto e = event_for(res, completion);
    meter_->finish(res, e);
    db().write_sync([&](store::Conn& c) { billing::settle(c, res, e); });
    return e;
  }
  store::UsageEvent event_for(const Reservation& res, int64_t completion = 5) {
    store::UsageEvent e;
    e.request_id = res.request_id;
    e.created_at = kNow;
    e.day = local_day(kNow);
    e.user_id = user_;
    e.surface = "api";
    e.model = "m";
    e.status = "ok";
    e.prompt_tokens = 10;
    e.completion_tokens = completion;
    return e;
  }

  std::vector<ledger::Hold> holds() {
    return db().read_sync([](store::Conn& c) {
      std::vector<ledger::Hold> out;
      for (const auto& r : c.query("SELECT request_id FROM holds ORDER BY id").rows)
        for (auto& h : ledger::holds_of(c, r.str(0))) out.push_back(h);
      return out;
    });
  }

  ManualClock clock_{kNow * 1000};
  std::unique_ptr<store::GroupWriter> writer_;
  std::unique_ptr<Meter> meter_;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(MeterLeaseTest);

TEST_P(MeterLeaseTest, ManyCallsShareOneHoldAndTheLeaseGivesBackItsRestWhenDone) {
  fund(ledger::kPaid, 1'000'000);
  start(per_call(1000));
  std::vector<Reservation> calls;
  for (int i = 0; i < 3; ++i) calls.push_back(reserve_call(call("c" + std::to_string(i))));
  for (const auto& res : calls) {
    ASSERT_TRUE(res.lease);
    EXPECT_FALSE(res.holds);
    EXPECT_EQ(res.lease->hold_id, calls[0].lease->hold_id);
    EXPECT_EQ(res.lease->amount, 1000);
  }
  auto h = holds();
  ASSERT_EQ(h.size(), 1u) << "one hold for three calls";
  EXPECT_EQ(h[0].amount, 4000) << "four calls' worst case";
  EXPECT_TRUE(h[0].request_id.starts_with(ledger::kLeasePrefix));
  EXPECT_EQ(balance(ledger::kPaid).held, 4000);

  for (const auto& res : calls) EXPECT_EQ(finish(res).paid_uc, 1000);
  EXPECT_EQ(balance(ledger::kPaid).balance, 997'000);
  EXPECT_EQ(balance(ledger::kPaid).held, 1000) << "the lease still holds its unposted 1000";
  expect_reconciled();
  auto wallet = db().read_sync([&](store::Conn& c) { return services::Wallet::view_in(c, user_, kNow); });
  EXPECT_EQ(wallet.paid, 997'000);
  EXPECT_EQ(wallet.paid_held, 0) << "what a lease holds for later calls is not shown as held";

  EXPECT_EQ(meter_->sweep_leases(), 0u) << "in use and young";
  EXPECT_EQ(meter_->sweep_leases(true), 1u);
  writer_->stop();
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  EXPECT_EQ(balance(ledger::kPaid).balance, 997'000);
  h = holds();
  EXPECT_EQ(h[0].status, "voided");
  EXPECT_EQ(h[0].posted, 3000);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, CallsFromALeaseNeverTakeMoreThanTheBalance) {
  fund(ledger::kPaid, 2500);
  start(per_call(1000));
  auto a = reserve_call(call("a"));
  ASSERT_TRUE(a.lease);
  EXPECT_EQ(holds().at(0).amount, 1250) << "half of what there is, not four calls' worth";
  auto b = reserve_call(call("b"));  // a second lease: 1000 of the 1500 left (at least the call)
  ASSERT_TRUE(b.lease);
  EXPECT_NE(a.lease->hold_id, b.lease->hold_id);
  EXPECT_EQ(holds().at(0).amount, 1000) << "the first lease gave back what a's call does not need";
  EXPECT_EQ(refused(call("c")), ErrorCode::insufficient_balance);
  finish(a);
  EXPECT_EQ(refused(call("d")), ErrorCode::insufficient_balance) << "500 left, with b's 1000 still in flight";
  finish(b);
  EXPECT_EQ(balance(ledger::kPaid).balance, 500);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, ASubscriptionOrAPackThatPaysFirstMeansNoLease) {
  fund(ledger::kPaid, 1'000'000);
  subscribe_to_pro(5);
  start(per_call(1000));
  auto res = reserve_call(call("s1"));
  EXPECT_FALSE(res.lease);
  ASSERT_EQ(res.held.size(), 1u);
  EXPECT_EQ(res.held[0].source, "allowance");
  EXPECT_EQ(finish(res).allowance_uc, 1000);
  EXPECT_EQ(balance(ledger::kPaid).balance, 1'000'000);
}

TEST_P(MeterLeaseTest, ARenewalDueGetsBackWhatTheLeaseHolds) {
  // A plan of 30,000 that renews itself ended a minute ago and the job has not run yet (the site
  // was down): calls meanwhile are paid from credits, through a lease. Exactly 30,000 is left once
  // one has paid; the lease's room for further calls must not make the renewal fail.
  fund(ledger::kPaid, 31'000);
  int64_t subscription = subscribe(store::Plan{0, "Renewing", 1, 30, 30'000, {}, true}, kNow - 60);
  start(per_call(1000));
  finish(reserve_call(call("before-renewal")));
  ASSERT_EQ(balance(ledger::kPaid).balance, 30'000);
  ASSERT_EQ(balance(ledger::kPaid).held, 3000) << "the lease keeps room for three more calls";

  services::Wallet wallet(db(), clock_, meter_.get());
  EXPECT_EQ(test::run_sync(wallet.renew_due(kNow)), 1);
  auto renewed = db().read_sync([&](store::Conn& c) { return store::subscriptions::active(c, user_, kNow); });
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->id, subscription);
  EXPECT_EQ(renewed->ends_at, kNow + 30 * 86'400) << "the missed minute is not charged";
  EXPECT_TRUE(renewed->auto_renew);
  EXPECT_EQ(balance(ledger::kPaid).balance, 0);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  EXPECT_EQ(holds().at(0).status, "voided");
  expect_reconciled();
}

TEST_P(MeterLeaseTest, ATooSmallLeaseIsReplacedAndKeepsOnlyWhatItsCallsInFlightNeed) {
  fund(ledger::kPaid, 1'000'000);
  money::Price price = per_token(0, 1'000'000);  // 1 µc per output token: max_tokens is the worst case
  start(price, 2);
  auto a = reserve_call(call("a", 100));  // lease 1: 200
  auto b = reserve_call(call("b", 300));  // too big: lease 1 keeps a's 100, lease 2 holds 600
  ASSERT_TRUE(a.lease && b.lease);
  EXPECT_NE(a.lease->hold_id, b.lease->hold_id);
  auto h = holds();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].amount, 100) << "the first lease gave back the 100 no call had";
  EXPECT_EQ(h[1].amount, 600);
  EXPECT_EQ(balance(ledger::kPaid).held, 700);
  finish(a, 40);
  finish(b, 250);
  EXPECT_EQ(balance(ledger::kPaid).balance, 1'000'000 - 290);
  expect_reconciled();
  meter_->sweep_leases(true);
  writer_->stop();
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, TheReaperVoidsACrashedInstancesLeaseAndALateSettlementStillPays) {
  fund(ledger::kPaid, 10'000);
  start(per_call(1000));
  auto a = reserve_call(call("a"));
  auto late = reserve_call(call("late"));
  finish(a);
  // The instance is gone: nobody sweeps; the lease expires and the reaper voids what it holds.
  int64_t expired = holds().at(0).expires_at + 1;
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return reap_expired(c, expired, 100); }), 1);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  EXPECT_EQ(balance(ledger::kPaid).balance, 9000) << "what was posted stays posted";
  // A settlement that lands after the void pays from what is available, as for any voided hold.
  EXPECT_EQ(finish(late).paid_uc, 1000);
  EXPECT_EQ(balance(ledger::kPaid).balance, 8000);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, OneBatchsPostsAreWrittenOnceAndAVoidInTheSameBatchCountsThem) {
  fund(ledger::kPaid, 1'000'000);
  start(per_call(1000), 8);
  std::vector<Reservation> calls;
  for (int i = 0; i < 5; ++i) calls.push_back(reserve_call(call("b" + std::to_string(i))));
  const int64_t hold = calls[0].lease->hold_id;
  db().write_sync([&](store::Conn& c) {
    for (int i = 0; i < 3; ++i) {
      auto e = event_for(calls[i]);
      billing::settle(c, calls[i], e);
    }
    EXPECT_EQ(c.query_one("SELECT posted FROM holds WHERE id = $1", {hold})->i64(0), 0) << "written at commit";
    // A void in the same transaction sees the posts before it: 8000 − 3000 is released, not 8000.
    EXPECT_TRUE(ledger::void_credit_hold(c, hold, calls[0].lease->account_id));
    auto late = event_for(calls[3]);
    billing::settle(c, calls[3], late);  // after the void: paid from the available balance
  });
  EXPECT_EQ(balance(ledger::kPaid).balance, 1'000'000 - 4000);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  auto h = holds();
  EXPECT_EQ(h.at(0).status, "voided");
  EXPECT_EQ(h.at(0).posted, 3000);
  expect_reconciled();
  // The three calls the lease paid are one transfer, named after the first; the late one its own.
  auto charges = db().read_sync([&](store::Conn& c) { return ledger::transfers_of_user(c, user_, 10, std::nullopt); });
  ASSERT_GE(charges.size(), 2u);
  EXPECT_EQ(charges[0].amount, -3000) << "written at commit, after the late call's";
  EXPECT_EQ(charges[0].memo, "m ×3");
  EXPECT_EQ(charges[0].request_id, calls[0].request_id);
  EXPECT_EQ(charges[1].amount, -1000);
  EXPECT_EQ(charges[1].request_id, calls[3].request_id);
  // Each call's part is on its own usage event.
  auto first = db().read_sync([&](store::Conn& c) { return store::usage::find(c, calls[1].request_id); });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->paid_uc, 1000);
}

TEST_P(MeterLeaseTest, OneBatchWritesSeveralUsersLeasesAndKeys) {
  fund(ledger::kPaid, 1'000'000);
  const int64_t bob = db().write_sync([&](store::Conn& c) {
    int64_t id = store::users::create(c, {"bob", std::nullopt, "x", "user"}, kNow).id;
    ledger::Transfer t;
    t.key = "fund:bob";
    t.debit = ledger::account(c, ledger::kSales, 0);
    t.credit = ledger::account(c, ledger::kPaid, id);
    t.amount = 1'000'000;
    t.kind = "grant";
    t.user_id = id;
    t.at = kNow;
    ledger::transfer(c, t);
    return id;
  });
  const std::vector<int64_t> keys = db().write_sync([&](store::Conn& c) {
    std::vector<int64_t> out;
    for (int64_t user : {user_, bob}) {
      store::api_keys::NewKey k;
      k.user_id = user;
      k.name = "k";
      k.secret_hash = "hash" + std::to_string(user);
      out.push_back(store::api_keys::create(c, k, kNow).id);
    }
    return out;
  });
  start(per_call(1000));
  auto mine = call("mine");
  auto theirs = call("theirs");
  theirs.user_id = bob;
  auto a = reserve_call(mine), b = reserve_call(theirs);
  ASSERT_TRUE(a.lease && b.lease);
  db().write_sync([&](store::Conn& c) {
    auto e = event_for(a);
    e.api_key_id = keys[0];
    billing::settle(c, a, e);
    auto f = event_for(b);
    f.user_id = bob;
    f.api_key_id = keys[1];
    billing::settle(c, b, f);
  });
  auto posted = db().read_sync([](store::Conn& c) {
    std::vector<int64_t> out;
    for (const auto& r : c.query("SELECT posted FROM holds ORDER BY id").rows) out.push_back(r.i64(0));
    for (const auto& r : c.query("SELECT spent FROM api_keys ORDER BY id").rows) out.push_back(r.i64(0));
    return out;
  });
  EXPECT_EQ(posted, (std::vector<int64_t>{1000, 1000, 1000, 1000})) << "both leases' posts and both keys' spending";
  expect_reconciled();
}

TEST_P(MeterLeaseTest, ACallFromALeaseIsChargedOnceHoweverOftenItIsSettled) {
  fund(ledger::kPaid, 1'000'000);
  start(per_call(1000));
  auto res = reserve_call(call("once"));
  finish(res);
  auto e = event_for(res);
  EXPECT_ANY_THROW(db().write_sync([&](store::Conn& c) { billing::settle(c, res, e); }));
  EXPECT_EQ(balance(ledger::kPaid).balance, 999'000);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, ACallThatNeedsAHoldOfItsOwnGetsTheLeasesRoom) {
  fund(ledger::kPaid, 2500);
  start(per_call(1000));
  auto a = reserve_call(call("a"));  // the lease takes all 2500
  auto stream = call("stream");
  stream.leasable = false;  // a stream holds on its own
  auto held = reserve_call(stream);
  EXPECT_FALSE(held.lease);
  ASSERT_EQ(held.held.size(), 1u);
  EXPECT_EQ(held.held[0].amount, 1000);
  EXPECT_EQ(holds().at(0).amount, 1000) << "the lease kept what a's call needs";
  finish(a);
  finish(held);
  EXPECT_EQ(balance(ledger::kPaid).balance, 500);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, TheDeductionOrderSeesTheLeasesRoomAsTheUsers) {
  fund(ledger::kPaid, 4000);
  fund(ledger::kGift, 10'000);
  start(per_token(0, 1'000'000));         // 1 µc per output token
  auto a = reserve_call(call("a", 100));  // a lease of 400 paid, 300 of it unused
  ASSERT_TRUE(a.lease);
  auto stream = call("stream", 3800);
  stream.leasable = false;
  auto held = reserve_call(stream);
  // 3,900 paid credits are the user's beyond a's call: the stream is paid from them, not from gift.
  ASSERT_EQ(held.held.size(), 1u);
  EXPECT_EQ(held.held[0].source, "paid");
  EXPECT_EQ(held.held[0].amount, 3800);
  EXPECT_EQ(balance(ledger::kGift).held, 0);
  finish(a);
  finish(held);
  expect_reconciled();
}

TEST_P(MeterLeaseTest, ARefusedCallFreesItsPartOfTheLease) {
  fund(ledger::kPaid, 2000);
  start(per_call(1000));
  auto a = reserve_call(call("a"));
  auto b = reserve_call(call("b"));
  EXPECT_EQ(refused(call("c")), ErrorCode::insufficient_balance);
  test::run_sync(meter_->release(b));  // no upstream took it
  finish(a);
  EXPECT_EQ(balance(ledger::kPaid).balance, 1000);
  expect_reconciled();
}

}  // namespace
}  // namespace plaza::billing
