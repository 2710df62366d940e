// Charging on both backends: holds in deduction order, split charges, posting the actual cost,
// voiding, idempotent settlement, web_free, allowances, packs, key limits and the reaper.
#include "billing/meter.hpp"

#include "billing/meter_fixture.hpp"

namespace plaza::billing {
namespace {

using namespace test_support;

PLAZA_INSTANTIATE_FOR_BACKENDS(MeterTest);

TEST_P(MeterTest, SplitsAChargeOverPaidThenGiftAndRecordsEachPart) {
  fund(ledger::kPaid, 100);
  fund(ledger::kGift, 1000);
  auto res = reserve(request("r1"), per_call(300));
  EXPECT_EQ(balance(ledger::kPaid).held, 100);
  EXPECT_EQ(balance(ledger::kGift).held, 200);
  auto e = settle(res, "ok", 10, 5);
  EXPECT_EQ(e.cost, 300);
  EXPECT_EQ(e.paid_uc, 100);
  EXPECT_EQ(e.gift_uc, 200);
  EXPECT_TRUE(e.priced);
  EXPECT_EQ(balance(ledger::kPaid).balance, 0);
  EXPECT_EQ(balance(ledger::kGift).balance, 800);
  EXPECT_EQ(balance(ledger::kGift).held, 0);
  auto stored = db().read_sync([](store::Conn& c) { return store::usage::find(c, "r1"); });
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->paid_uc, 100);
  EXPECT_EQ(stored->gift_uc, 200);
  expect_reconciled();
}

TEST_P(MeterTest, NotEnoughFundsIsRefusedAndChangesNothing) {
  fund(ledger::kPaid, 50);
  EXPECT_EQ(refused(request("r1"), per_call(100)), ErrorCode::insufficient_balance);
  EXPECT_EQ(balance(ledger::kPaid).balance, 50);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  EXPECT_TRUE(db().read_sync([](store::Conn& c) { return ledger::holds_of(c, "r1"); }).empty());
  expect_reconciled();
}

TEST_P(MeterTest, PostsTheActualCostAndReleasesTheRest) {
  fund(ledger::kPaid, 1000);
  // 1 µc per input token, 2 per output token: at most 10 + 2 x 100.
  auto res = reserve(request("r1"), per_token(1'000'000, 2'000'000));
  EXPECT_EQ(res.max_cost, 210);
  EXPECT_EQ(balance(ledger::kPaid).held, 210);
  auto e = settle(res, "ok", 10, 20);
  EXPECT_EQ(e.cost, 50);
  EXPECT_EQ(balance(ledger::kPaid).balance, 950);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  expect_reconciled();
}

TEST_P(MeterTest, WithoutMaxTokensTheHoldCoversTheLongestAnswerAChannelAsksFor) {
  fund(ledger::kPaid, 1'000'000);
  auto price = per_token(1'000'000, 2'000'000);  // 1 µc per input token, 2 per output token
  auto r = request("r1");
  r.max_tokens.reset();
  EXPECT_EQ(reserve(r, price).max_cost, 10 + 2 * 4096) << "the price's assumption: 4,096 tokens";
  r.request_id = "r2";
  r.default_answer_tokens = 64'000;  // an Anthropic channel's answer length
  EXPECT_EQ(reserve(r, price).max_cost, 10 + 2 * 64'000);
  r.request_id = "r3";
  price.max_output_tokens = 100'000;
  EXPECT_EQ(reserve(r, price).max_cost, 10 + 2 * 100'000) << "the longer of the two";
  r.request_id = "r4";
  r.max_tokens = 50;
  EXPECT_EQ(reserve(r, price).max_cost, 10 + 2 * 50) << "a request's own limit decides";
}

TEST_P(MeterTest, AnUpstreamFailureBeforeOutputChargesNothing) {
  fund(ledger::kPaid, 1000);
  auto res = reserve(request("r1"), per_call(100));
  auto e = settle(res, "error", 10, 0);
  EXPECT_EQ(e.cost, 0);
  EXPECT_FALSE(e.priced);
  EXPECT_EQ(balance(ledger::kPaid).balance, 1000);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  auto holds = db().read_sync([](store::Conn& c) { return ledger::holds_of(c, "r1"); });
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].status, "voided");
  expect_reconciled();
}

TEST_P(MeterTest, APartialAnswerIsChargedForWhatWasDelivered) {
  fund(ledger::kPaid, 1000);
  auto res = reserve(request("r1"), per_token(1'000'000, 2'000'000));
  auto e = settle(res, "cancelled", 10, 7);
  EXPECT_EQ(e.cost, 24);
  EXPECT_EQ(balance(ledger::kPaid).balance, 976);
  expect_reconciled();
}

TEST_P(MeterTest, SettlingTwiceChargesOnceAndAReusedRequestIdIsRefused) {
  fund(ledger::kPaid, 1000);
  auto res = reserve(request("r1"), per_call(100));
  settle(res, "ok", 1, 1);
  settle(res, "ok", 1, 1);
  EXPECT_EQ(balance(ledger::kPaid).balance, 900);
  EXPECT_EQ(refused(request("r1"), per_call(100)), ErrorCode::conflict);
  EXPECT_EQ(balance(ledger::kPaid).balance, 900);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  expect_reconciled();
}

TEST_P(MeterTest, WebFreeIsFreeOnTheWebWithinTheCapAndPaidOnTheApi) {
  fund(ledger::kPaid, 1000);
  auto price = per_call(100);
  price.web_free = true;
  price.web_free_daily_cap = 1;
  auto web = reserve(request("w1", "web"), price);
  EXPECT_TRUE(web.web_free_call);
  auto e = settle(web, "ok", 1, 1, "web");
  EXPECT_EQ(e.cost, 0);
  EXPECT_FALSE(e.priced);
  // The cap is reached: the next web call pays, as every API call does.
  auto web2 = reserve(request("w2", "web"), price);
  EXPECT_FALSE(web2.web_free_call);
  EXPECT_EQ(settle(web2, "ok", 1, 1, "web").cost, 100);
  auto api = reserve(request("a1", "api"), price);
  EXPECT_EQ(settle(api, "ok", 1, 1).paid_uc, 100);
  EXPECT_EQ(balance(ledger::kPaid).balance, 800);
  expect_reconciled();
}

TEST_P(MeterTest, TheSubscriptionAllowanceComesFirstThenPaidCredits) {
  fund(ledger::kPaid, 1000);
  int64_t sub = subscribe_to_pro(2);
  auto first = settle(reserve(request("s1"), per_call(100)), "ok", 1, 1);
  EXPECT_EQ(first.allowance_uc, 100);
  EXPECT_EQ(first.paid_uc, 0);
  EXPECT_EQ(first.subscription_id, sub);
  EXPECT_EQ(first.plan_daily_value, 1'000'000);
  EXPECT_TRUE(first.priced);
  // A failed call gives its allowance back.
  settle(reserve(request("s2"), per_call(100)), "error", 1, 0);
  EXPECT_EQ(settle(reserve(request("s3"), per_call(100)), "ok", 1, 1).allowance_uc, 100);
  auto third = settle(reserve(request("s4"), per_call(100)), "ok", 1, 1);
  EXPECT_EQ(third.allowance_uc, 0);
  EXPECT_EQ(third.paid_uc, 100);
  EXPECT_EQ(balance(ledger::kPaid).balance, 900);
  expect_reconciled();
}

TEST_P(MeterTest, CountPacksComeBeforeCreditsUnlessTheOperatorReordersThem) {
  fund(ledger::kPaid, 1000);
  db().write_sync([&](store::Conn& c) {
    store::UserPack p;
    p.user_id = user_;
    p.pack_id = 1;
    p.name = "10 calls";
    p.models = {"m"};
    p.total = 10;
    p.created_at = kNow;
    store::packs::grant(c, p);
  });
  auto e = settle(reserve(request("p1"), per_call(100)), "ok", 1, 1);
  EXPECT_EQ(e.count_pack_uc, 100);
  EXPECT_TRUE(e.user_pack_id.has_value());
  Options paid_first;
  paid_first.order = money::parse_deduction_order("paid,gift,subscription,count_pack");
  auto f = settle(reserve(request("p2"), per_call(100), paid_first), "ok", 1, 1);
  EXPECT_EQ(f.paid_uc, 100);
  EXPECT_EQ(f.count_pack_uc, 0);
  auto packs = db().read_sync([&](store::Conn& c) { return store::packs::of_user(c, user_, kNow); });
  ASSERT_EQ(packs.size(), 1u);
  EXPECT_EQ(packs[0].remaining, 9);
  expect_reconciled();
}

TEST_P(MeterTest, AKeysSpendingLimitStopsItsRequests) {
  fund(ledger::kPaid, 1000);
  int64_t key = limited_key(150);
  auto r1 = request("k1");
  r1.key_id = key;
  r1.key_limited = true;
  settle(reserve(r1, per_call(100)), "ok", 1, 1, "api", key);
  auto r2 = request("k2");
  r2.key_id = key;
  r2.key_limited = true;
  EXPECT_EQ(refused(r2, per_call(100)), ErrorCode::insufficient_balance);
  auto spent = db().read_sync([&](store::Conn& c) {
    return c.query_one("SELECT spent, spent_held FROM api_keys WHERE id = $1", {key});
  });
  EXPECT_EQ(spent->i64(0), 100);
  EXPECT_EQ(spent->i64(1), 0);
  EXPECT_EQ(balance(ledger::kPaid).balance, 900);
  // A key without a limit holds nothing of its own but still counts what it spent.
  db().write_sync([&](store::Conn& c) { c.exec("UPDATE api_keys SET spend_limit = NULL WHERE id = $1", {key}); });
  auto r3 = request("k3");
  r3.key_id = key;
  auto res3 = reserve(r3, per_call(100));
  EXPECT_EQ(res3.held.size(), 1u);
  settle(res3, "ok", 1, 1, "api", key);
  EXPECT_EQ(db().read_sync([&](store::Conn& c) {
    return c.query_one("SELECT spent FROM api_keys WHERE id = $1", {key})->i64(0);
  }), 200);
}

TEST_P(MeterTest, TheReaperVoidsExpiredHoldsAndNothingIsLost) {
  fund(ledger::kPaid, 1000);
  Options options;
  options.hold_ttl_s = 60;
  auto res = reserve(request("crashed"), per_call(300), options);
  EXPECT_EQ(balance(ledger::kPaid).held, 300);
  EXPECT_EQ(db().write_sync([](store::Conn& c) { return reap_expired(c, kNow + 30, 100); }), 0);
  db().read_sync([](store::Conn& c) { EXPECT_EQ(ledger::overdue_holds(c, kNow + 61).size(), 1u); });
  EXPECT_EQ(db().write_sync([](store::Conn& c) { return reap_expired(c, kNow + 61, 100); }), 1);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  EXPECT_EQ(balance(ledger::kPaid).balance, 1000);
  // A settlement arriving after the reaper (a stream that outlived its holds) still charges what was
  // delivered, from the available balance, and only once.
  auto e = settle(res, "ok", 1, 1);
  EXPECT_EQ(e.paid_uc, 300);
  settle(res, "ok", 1, 1);
  EXPECT_EQ(balance(ledger::kPaid).balance, 700);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  expect_reconciled();
}

TEST_P(MeterTest, ACallSettledAfterTheReaperStillCountsTowardsItsKeysLimit) {
  fund(ledger::kPaid, 1000);
  int64_t key = limited_key(500);
  Options options;
  options.hold_ttl_s = 60;
  auto r = request("late");
  r.key_id = key;
  r.key_limited = true;
  auto res = reserve(r, per_call(300), options);
  EXPECT_EQ(db().write_sync([](store::Conn& c) { return reap_expired(c, kNow + 61, 100); }), 1)
      << "the request's holds";
  auto spent = [&] {
    return db().read_sync([&](store::Conn& c) {
      auto row = c.query_one("SELECT spent, spent_held FROM api_keys WHERE id = $1", {key});
      return std::pair{row->i64(0), row->i64(1)};
    });
  };
  EXPECT_EQ(spent(), (std::pair<int64_t, int64_t>{0, 0}));
  settle(res, "ok", 1, 1, "api", key);
  EXPECT_EQ(spent(), (std::pair<int64_t, int64_t>{300, 0})) << "charged past its hold, and counted";
  settle(res, "ok", 1, 1, "api", key);
  EXPECT_EQ(spent(), (std::pair<int64_t, int64_t>{300, 0})) << "once";
  auto again = request("next");
  again.key_id = key;
  again.key_limited = true;
  EXPECT_EQ(refused(again, per_call(300)), ErrorCode::insufficient_balance) << "300 + 300 is past the limit of 500";
  expect_reconciled();
}

TEST_P(MeterTest, UsageBeyondTheHoldIsTakenFromTheAvailableBalanceAsFarAsItGoes) {
  fund(ledger::kPaid, 300);
  fund(ledger::kGift, 50);
  // Held: 10 + 2 x 100 = 210; the upstream ignored max_tokens and wrote 200 tokens (410 µc).
  auto res = reserve(request("over"), per_token(1'000'000, 2'000'000));
  auto e = settle(res, "ok", 10, 200);
  EXPECT_EQ(e.cost, 410);
  EXPECT_EQ(e.paid_uc, 300);
  EXPECT_EQ(e.gift_uc, 50);  // 60 short: the platform's loss, visible as cost above what was funded
  settle(res, "ok", 10, 200);
  EXPECT_EQ(balance(ledger::kPaid).balance, 0);
  EXPECT_EQ(balance(ledger::kGift).balance, 0);
  expect_reconciled();
}

// The upstream reported far more than max_tokens allowed: the excess is taken only as far as the
// key's limit goes, less what its other calls in flight hold; the usage event keeps the real cost.
TEST_P(MeterTest, UsageBeyondTheHoldStaysWithinTheKeysSpendingLimit) {
  fund(ledger::kPaid, 1'000'000);
  int64_t key = limited_key(10'000);
  auto limited = [&](const std::string& id) {
    auto r = request(id);
    r.key_id = key;
    r.key_limited = true;
    r.max_tokens = 10;
    return r;
  };
  auto other = reserve(limited("in-flight"), per_token(1'000'000, 2'000'000));  // holds 10 + 2 x 10 = 30
  auto res = reserve(limited("over-key"), per_token(1'000'000, 2'000'000));
  auto e = settle(res, "ok", 5000, 5000, "api", key);
  EXPECT_EQ(e.cost, 15'000);
  EXPECT_EQ(e.paid_uc, 10'000 - 30);
  auto spent = db().read_sync([&](store::Conn& c) {
    auto row = c.query_one("SELECT spent, spent_held FROM api_keys WHERE id = $1", {key});
    return std::pair{row->i64(0), row->i64(1)};
  });
  EXPECT_EQ(spent, (std::pair<int64_t, int64_t>{10'000 - 30, 30})) << "spent and held stay within the limit";
  EXPECT_EQ(balance(ledger::kPaid).balance, 1'000'000 - (10'000 - 30));
  settle(other, "error", 0, 0, "api", key);
  expect_reconciled();
}

TEST_P(MeterTest, TheSpendingLimitCountsWhatTheBatchAlreadyChargedTheKey) {
  fund(ledger::kPaid, 1'000'000);
  int64_t key = limited_key(10'000);
  auto r = request("batched");
  r.key_id = key;
  r.key_limited = true;
  r.max_tokens = 10;
  auto res = reserve(r, per_token(1'000'000, 2'000'000));  // holds 30
  auto e = event(res, "ok", 5000, 5000, "api", key);
  db().write_sync([&](store::Conn& c) {
    // An earlier settlement of the same batch charged the key 4,000: its row learns it at the commit.
    c.deferred.touch(c.deferred.key_spent, key) += 4'000;
    billing::settle(c, res, e);
  });
  EXPECT_EQ(e.paid_uc, 10'000 - 4'000) << "the limit less what the batch charged before";
}

TEST_P(MeterTest, FreeModelsHoldNothing) {
  auto res = reserve(request("f1"), money::Price{});
  EXPECT_FALSE(res.holds);
  auto e = settle(res, "ok", 100, 100);
  EXPECT_EQ(e.cost, 0);
  EXPECT_FALSE(e.priced);
}

}  // namespace
}  // namespace plaza::billing

namespace plaza::billing {
namespace {

// ---- App surcharges (creator revenue) -------------------------------------------------------

class SurchargeTest : public MeterTest {
 protected:
  void SetUp() override {
    MeterTest::SetUp();
    creator_ = db().write_sync([](store::Conn& c) {
      return store::users::create(c, {"maker", std::nullopt, "x", "user"}, kNow).id;
    });
  }
  ChargeRequest app_request(const std::string& id, money::Surcharge s, bool user_app = true) {
    auto r = request(id);
    r.app = AppCharge{42, creator_, user_app, s};
    return r;
  }
  int64_t creator_pending() {
    return db().read_sync([&](store::Conn& c) { return ledger::balance(c, ledger::kEarningsPending, creator_).balance; });
  }
  int64_t creator_ = 0;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(SurchargeTest);

TEST_P(SurchargeTest, APerMessageSurchargeIsHeldAndChargedWithTheModelAndItsPaidPartEarnsTheCreatorAShare) {
  fund(ledger::kPaid, 1'000);
  auto res = reserve(app_request("a1", {300, 0}), per_call(200));
  EXPECT_EQ(balance(ledger::kPaid).held, 500) << "the model's 200 and the surcharge's 300 are held together";
  auto e = settle(res, "ok", 1, 1);
  EXPECT_EQ(e.cost, 200);
  EXPECT_EQ(e.paid_uc, 200);
  EXPECT_EQ(e.surcharge, 300);
  EXPECT_EQ(e.surcharge_paid_uc, 300);
  EXPECT_EQ(e.creator_uc, 210) << "70% of 300, rounded down";
  EXPECT_EQ(creator_pending(), 210);
  EXPECT_EQ(balance(ledger::kPaid).balance, 500);
  auto row = db().read_sync([&](store::Conn& c) {
    return c.query_one("SELECT amount, basis, calls, stream, owner_id FROM earnings WHERE user_id = $1", {user_});
  });
  ASSERT_TRUE(row);
  EXPECT_EQ(row->i64(0), 210);
  EXPECT_EQ(row->i64(1), 300);
  EXPECT_EQ(row->i64(2), 1);
  EXPECT_EQ(row->str(3), "direct");
  EXPECT_EQ(row->i64(4), creator_);
  // Settling the same request again changes nothing.
  db().write_sync([&](store::Conn& c) {
    auto again = e;
    billing::settle(c, res, again);
  });
  EXPECT_EQ(creator_pending(), 210);
  expect_reconciled();
}

TEST_P(SurchargeTest, TheDaysRowOfAUserAndAnAppRoundsDownAsAWholeNotEachCall) {
  fund(ledger::kPaid, 1'000);
  int64_t credited = 0;
  for (int i = 0; i < 10; ++i) {
    auto e = settle(reserve(app_request("r" + std::to_string(i), {3, 0}), per_call(1)), "ok", 1, 1);
    EXPECT_EQ(e.surcharge_paid_uc, 3);
    EXPECT_LE(e.creator_uc, 3);
    credited += e.creator_uc;
  }
  EXPECT_EQ(credited, 21) << "70% of 30 µc; each call alone would earn 2 (20 in all)";
  EXPECT_EQ(creator_pending(), 21);
  auto row = db().read_sync([&](store::Conn& c) {
    return c.query_one("SELECT amount, basis, calls FROM earnings WHERE user_id = $1", {user_});
  });
  ASSERT_TRUE(row);
  EXPECT_EQ(row->i64(0), 21);
  EXPECT_EQ(row->i64(1), 30);
  EXPECT_EQ(row->i64(2), 10);
  expect_reconciled();
}

TEST_P(SurchargeTest, GiftFundedSurchargesSystemAppsAndTheOwnersOwnUseEarnNothing) {
  fund(ledger::kGift, 10'000);
  auto gift = settle(reserve(app_request("g1", {1'000, 0}), per_call(100)), "ok", 1, 1);
  EXPECT_EQ(gift.surcharge_gift_uc, 1'000);
  EXPECT_EQ(gift.creator_uc, 0);
  fund(ledger::kPaid, 10'000);
  auto system = settle(reserve(app_request("s1", {1'000, 0}, false), per_call(100)), "ok", 1, 1);
  EXPECT_EQ(system.surcharge_paid_uc, 1'000) << "a system app's surcharge is the platform's";
  EXPECT_EQ(system.creator_uc, 0);
  auto own = app_request("o1", {1'000, 0});
  own.user_id = creator_;
  EXPECT_FALSE(reserve(own, money::Price{}).holds) << "the owner pays no surcharge on a free model";
  EXPECT_EQ(creator_pending(), 0);
  expect_reconciled();
}

TEST_P(SurchargeTest, APerTokenSurchargeIsAShareOfTheModelCostEvenWhenTheSubscriptionPaysTheModel) {
  fund(ledger::kPaid, 1'000'000);
  subscribe_to_pro(5);
  // 1M tokens at 1,000 µc per 1M in and out: a model cost of 1,000 + 1,000 x 50% surcharge.
  auto res = reserve(app_request("t1", {0, 500'000}), per_token(1'000'000, 1'000'000));
  auto e = settle(res, "ok", 1'000, 1'000);
  EXPECT_EQ(e.cost, 2'000);
  EXPECT_EQ(e.allowance_uc, 2'000) << "the plan pays the model";
  EXPECT_EQ(e.paid_uc, 0);
  EXPECT_EQ(e.surcharge_paid_uc, 1'000) << "the surcharge is always credits";
  EXPECT_EQ(e.creator_uc, 700);
  EXPECT_EQ(balance(ledger::kPaid).balance, 999'000);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  expect_reconciled();
}

TEST_P(SurchargeTest, NotEnoughForTheSurchargeIsRefusedBeforeAnything) {
  fund(ledger::kPaid, 250);
  EXPECT_EQ(refused(app_request("n1", {100, 0}), per_call(200)), ErrorCode::insufficient_balance);
  EXPECT_EQ(balance(ledger::kPaid).held, 0);
  expect_reconciled();
}

}  // namespace
}  // namespace plaza::billing
