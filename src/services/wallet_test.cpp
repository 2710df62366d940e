// The wallet on both backends: subscribing, renewing, upgrading pro rata, automatic renewal with an
// injectable clock, packs, redeem codes of every kind, and admin grants.
#include "services/wallet.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "services/billing_admin.hpp"
#include "store/billing_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/users_repo.hpp"
#include "support/run_sync.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

using test::error_of;
using test::run_sync;

constexpr int64_t kCredit = 1'000'000;
constexpr int64_t kDay = 86'400;

class WalletTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    admin_ = db().write_sync([](store::Conn& c) { return store::users::create(c, {"root", {}, "h", "admin"}, 1).id; });
    user_ = db().write_sync([](store::Conn& c) { return store::users::create(c, {"alice", {}, "h"}, 1).id; });
    wallet_.emplace(db(), clock_);
    admin_api_.emplace(db(), clock_, prices_);
  }
  void TearDown() override {
    admin_api_.reset();
    wallet_.reset();
    BackendTest::TearDown();
  }

  store::Plan plan(std::string name, int64_t level, int64_t price) {
    store::Plan p;
    p.name = std::move(name);
    p.level = level;
    p.period_days = 30;
    p.price = price;
    p.allowances = {{"m", 10}};
    return run_sync(admin_api_->save_plan(admin_, p));
  }

  // A batch of two codes.
  auto codes(std::string kind, int64_t amount, std::optional<int64_t> pack, std::optional<int64_t> plan_id) {
    store::RedeemBatch b;
    b.name = kind;
    b.kind = kind;
    b.amount = amount;
    b.pack_id = pack;
    b.plan_id = plan_id;
    b.count = 2;
    return run_sync(admin_api_->create_batch(admin_, b));
  }

  WalletView view() { return run_sync(wallet_->view(user_)); }
  void grant(std::string source, int64_t amount) {
    run_sync(wallet_->grant(admin_, user_, std::move(source), amount, "test", "op" + std::to_string(++ops_)));
  }
  void expect_reconciled() {
    db().read_sync([](store::Conn& c) {
      EXPECT_TRUE(store::ledger::drift(c).empty());
      EXPECT_EQ(store::ledger::balance_sum(c), 0);
    });
  }

  ManualClock clock_{test::kStartMs};
  billing::PriceBook prices_{std::chrono::milliseconds(1000)};
  std::optional<Wallet> wallet_;
  std::optional<BillingAdmin> admin_api_;
  int64_t admin_ = 0, user_ = 0;
  int ops_ = 0;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(WalletTest);

TEST_P(WalletTest, SubscribesWithPaidCreditsAndARetriedRequestPaysOnce) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  EXPECT_EQ(error_of(wallet_->subscribe(user_, basic.id, "s1"))->code(), ErrorCode::insufficient_balance);
  grant("gift", 100 * kCredit);
  EXPECT_EQ(error_of(wallet_->subscribe(user_, basic.id, "s1"))->code(), ErrorCode::insufficient_balance)
      << "gift credits do not buy plans";
  grant("paid", 40 * kCredit);
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  // The same request again is a retry that changes nothing; a double click (a new id) is refused:
  // never a second period.
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  EXPECT_EQ(error_of(wallet_->subscribe(user_, basic.id, "s2"))->code(), ErrorCode::conflict);
  auto v = view();
  EXPECT_EQ(v.paid, 10 * kCredit);
  ASSERT_TRUE(v.subscription);
  EXPECT_EQ(v.subscription->daily_value, kCredit);
  EXPECT_EQ(v.subscription->ends_at - v.subscription->started_at, 30 * kDay);
  EXPECT_TRUE(v.paying);
  ASSERT_EQ(v.allowances.size(), 1u);
  EXPECT_EQ(v.allowances[0].left_today, 10);
  expect_reconciled();
}

TEST_P(WalletTest, UpgradesProRataAndRefusesADowngrade) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  auto pro = plan("Pro", 2, 90 * kCredit);
  grant("paid", 200 * kCredit);
  run_sync(wallet_->subscribe(user_, pro.id, "s1"));
  EXPECT_EQ(error_of(wallet_->subscribe(user_, basic.id, "s2"))->code(), ErrorCode::conflict);
  clock_.advance_ms(10 * kDay * 1000);
  auto max = plan("Max", 3, 150 * kCredit);
  run_sync(wallet_->subscribe(user_, max.id, "s3"));
  auto v = view();
  // 20 of Pro's 30 days were unused: 60 credits count towards Max's 150.
  EXPECT_EQ(v.paid, (200 - 90 - 90) * kCredit);
  EXPECT_EQ(v.subscription->plan_name, "Max");
  EXPECT_EQ(v.subscription->started_at, clock_.now_s());
  expect_reconciled();
}

// A "higher" plan that costs less than what the current one's unused days are worth would throw
// the difference away: refused. One the unused days pay for exactly moves no credits: the audit
// log has it.
TEST_P(WalletTest, AnUpgradeWorthLessThanTheUnusedDaysIsRefused) {
  auto pro = plan("Pro", 2, 60 * kCredit);
  auto promo = plan("TopPromo", 4, 10 * kCredit);
  auto even = plan("Even", 5, 30 * kCredit);
  grant("paid", 60 * kCredit);
  run_sync(wallet_->subscribe(user_, pro.id, "s1"));
  auto refused = error_of(wallet_->subscribe(user_, promo.id, "s2"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::conflict);
  EXPECT_NE(std::string(refused->what()).find("worth 60 credits, more than TopPromo costs (10)"), std::string::npos)
      << refused->what();
  EXPECT_EQ(view().subscription->plan_name, "Pro");
  // The wallet shows what the unused days are worth, by the same computation that refused, so the
  // web can tell before the click: 60 now, more than TopPromo's 10.
  EXPECT_EQ(view().upgrade_credit, 60 * kCredit);
  clock_.advance_ms(15 * kDay * 1000);  // half of Pro unused: 30 credits, Even's price
  EXPECT_EQ(view().upgrade_credit, 30 * kCredit);
  EXPECT_EQ(view().upgrade_credit, upgrade_credit(*view().subscription, clock_.now_s()));
  run_sync(wallet_->subscribe(user_, even.id, "s3"));
  EXPECT_EQ(view().subscription->plan_name, "Even");
  EXPECT_EQ(view().paid, 0);
  EXPECT_EQ(run_sync(wallet_->transactions(user_, 10, std::nullopt)).size(), 2u) << "the grant and Pro";
  auto audit = db().read_sync([&](store::Conn& c) {
    return c.query_one("SELECT detail FROM audit_log WHERE action = 'subscription.upgrade' AND actor_id = $1", {user_});
  });
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->str(0), "Pro -> Even for 0 credits: the unused part of Pro paid for it");
  expect_reconciled();
}

// A request id names one operation: sent again with it, nothing happens twice; with another amount,
// target or operation, it is refused rather than silently dropped.
TEST_P(WalletTest, ARequestIdIsTiedToItsOperation) {
  run_sync(wallet_->grant(admin_, user_, "paid", 5 * kCredit, "r", "op-1"));
  run_sync(wallet_->grant(admin_, user_, "paid", 5 * kCredit, "r", "op-1"));
  EXPECT_EQ(view().paid, 5 * kCredit);
  auto other = error_of(wallet_->grant(admin_, user_, "paid", 7 * kCredit, "r", "op-1"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->code(), ErrorCode::conflict);
  EXPECT_NE(std::string(other->what()).find("op-1"), std::string::npos);
  EXPECT_EQ(error_of(wallet_->grant(admin_, admin_, "paid", 5 * kCredit, "r", "op-1"))->code(), ErrorCode::conflict)
      << "another user";
  store::Pack a;
  a.name = "A";
  a.kind = "count";
  a.price = kCredit;
  a.calls = 10;
  a.models = {"m"};
  a = run_sync(admin_api_->save_pack(admin_, a));
  auto b = a;
  b.id = 0;
  b.name = "B";
  b = run_sync(admin_api_->save_pack(admin_, b));
  run_sync(wallet_->buy_pack(user_, a.id, "buy-1"));
  run_sync(wallet_->buy_pack(user_, a.id, "buy-1"));
  EXPECT_EQ(error_of(wallet_->buy_pack(user_, b.id, "buy-1"))->code(), ErrorCode::conflict);
  auto basic = plan("Basic", 1, kCredit);
  EXPECT_EQ(error_of(wallet_->subscribe(user_, basic.id, "buy-1"))->code(), ErrorCode::conflict);
  EXPECT_EQ(view().paid, 4 * kCredit);
  EXPECT_EQ(view().packs.size(), 1u);
  // The id of a request that failed is free: nothing was done with it.
  EXPECT_EQ(error_of(wallet_->buy_pack(user_, 9999, "buy-2"))->code(), ErrorCode::not_found);
  run_sync(wallet_->buy_pack(user_, b.id, "buy-2"));
  EXPECT_EQ(view().paid, 3 * kCredit);
  expect_reconciled();
}

// A plan taken off sale is not renewed, by the job nor by hand; its subscriptions run to their end.
// The job writes nothing meanwhile: a plan taken off for a moment (to fix its price) and put back
// before the end renews as before.
TEST_P(WalletTest, APlanOffSaleIsNotRenewed) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  grant("paid", 100 * kCredit);
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  basic.enabled = false;
  run_sync(admin_api_->save_plan(admin_, basic));
  auto refused = error_of(wallet_->renew(user_, "r1"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::conflict);
  EXPECT_NE(std::string(refused->what()).find("no longer sold"), std::string::npos);
  EXPECT_FALSE(view().subscription->auto_renew) << "the wallet does not say it renews";
  auto ends = view().subscription->ends_at;
  auto stored_auto_renew = [&] {
    return db().read_sync([&](store::Conn& c) {
      return c.query_one("SELECT auto_renew FROM subscriptions WHERE user_id = $1", {user_})->boolean(0);
    });
  };
  clock_.advance_ms((30 * kDay - 600) * 1000);
  EXPECT_EQ(run_sync(wallet_->renew_due(clock_.now_s())), 0);
  EXPECT_EQ(view().subscription->ends_at, ends);
  EXPECT_EQ(view().paid, 70 * kCredit);
  EXPECT_TRUE(stored_auto_renew()) << "skipped, not turned off";
  // Back on sale (at a new price) before the end: the next run renews it, at its stored price.
  basic.enabled = true;
  basic.price = 45 * kCredit;
  run_sync(admin_api_->save_plan(admin_, basic));
  EXPECT_TRUE(view().subscription->auto_renew);
  EXPECT_EQ(run_sync(wallet_->renew_due(clock_.now_s() + 60)), 1);
  EXPECT_EQ(view().subscription->ends_at, ends + 30 * kDay);
  EXPECT_EQ(view().paid, 40 * kCredit);
  // Off sale through the end this time: it runs to its end and stops trying; put back on sale
  // later, it is not renewed from then.
  basic.enabled = false;
  run_sync(admin_api_->save_plan(admin_, basic));
  clock_.advance_ms(30 * kDay * 1000);
  EXPECT_EQ(run_sync(wallet_->renew_due(clock_.now_s())), 0);
  EXPECT_TRUE(stored_auto_renew()) << "not ended yet";
  clock_.advance_ms(1200 * 1000);
  EXPECT_EQ(run_sync(wallet_->renew_due(clock_.now_s())), 0);
  EXPECT_FALSE(view().subscription) << "it ran to its end";
  EXPECT_FALSE(stored_auto_renew()) << "ended: it stops trying";
  basic.enabled = true;
  run_sync(admin_api_->save_plan(admin_, basic));
  EXPECT_EQ(run_sync(wallet_->renew_due(clock_.now_s())), 0);
  EXPECT_FALSE(view().subscription);
  EXPECT_EQ(view().paid, 40 * kCredit);
  expect_reconciled();
}

TEST_P(WalletTest, RenewsWhenDueOnceAndStopsWhenFundsRunOut) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  grant("paid", 70 * kCredit);
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  clock_.advance_ms(30 * kDay * 1000);
  int64_t now = clock_.now_s();
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return wallet_->renew_due(c, now); }), 1);
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return wallet_->renew_due(c, now); }), 0) << "renewed once";
  EXPECT_EQ(view().paid, 10 * kCredit);
  ASSERT_TRUE(view().subscription);
  clock_.advance_ms(30 * kDay * 1000);
  now = clock_.now_s();
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return wallet_->renew_due(c, now); }), 0);
  EXPECT_FALSE(view().subscription) << "not enough credits: it ran out";
  EXPECT_EQ(view().paid, 10 * kCredit);
  expect_reconciled();
}

TEST_P(WalletTest, ARenewalShortOfCreditsTriesAgainUntilTheEnd) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  grant("paid", 40 * kCredit);
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  clock_.advance_ms((30 * kDay - 1800) * 1000);  // half an hour before the end, 10 credits left
  int64_t now = clock_.now_s();
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return wallet_->renew_due(c, now); }), 0);
  ASSERT_TRUE(view().subscription);
  EXPECT_TRUE(view().subscription->auto_renew) << "it has not ended: the next run tries again";
  grant("paid", 25 * kCredit);
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return wallet_->renew_due(c, now + 60); }), 1);
  EXPECT_EQ(view().paid, 5 * kCredit);
  expect_reconciled();
}

TEST_P(WalletTest, CancellingStopsRenewalAtTheEnd) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  grant("paid", 100 * kCredit);
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  run_sync(wallet_->cancel(user_));
  clock_.advance_ms(30 * kDay * 1000);
  int64_t now = clock_.now_s();
  EXPECT_EQ(db().write_sync([&](store::Conn& c) { return wallet_->renew_due(c, now); }), 0);
  EXPECT_EQ(view().paid, 70 * kCredit);
}

TEST_P(WalletTest, BuysCountAndCreditPacks) {
  store::Pack count;
  count.name = "100 calls";
  count.kind = "count";
  count.price = 5 * kCredit;
  count.calls = 100;
  count.models = {"m"};
  count.valid_days = 7;
  count = run_sync(admin_api_->save_pack(admin_, count));
  store::Pack credit;
  credit.name = "bonus";
  credit.kind = "credit";
  credit.price = 10 * kCredit;
  credit.credits = 11 * kCredit;
  credit = run_sync(admin_api_->save_pack(admin_, credit));
  grant("paid", 20 * kCredit);
  run_sync(wallet_->buy_pack(user_, count.id, "b1"));
  run_sync(wallet_->buy_pack(user_, credit.id, "b2"));
  auto v = view();
  EXPECT_EQ(v.paid, 16 * kCredit);
  ASSERT_EQ(v.packs.size(), 1u);
  EXPECT_EQ(v.packs[0].remaining, 100);
  EXPECT_EQ(*v.packs[0].expires_at, clock_.now_s() + 7 * kDay);
  clock_.advance_ms(8 * kDay * 1000);
  EXPECT_TRUE(view().packs.empty()) << "expired packs are not usable";
  expect_reconciled();
}

// A credit pack at price 0 saved before saving one was refused is not sold: it would mint paid
// credits for nothing. A count pack at price 0 (a trial) still is.
TEST_P(WalletTest, ALegacyFreeCreditPackIsNotSold) {
  store::Pack legacy;
  legacy.name = "Free credits";
  legacy.kind = "credit";
  legacy.price = 0;
  legacy.credits = 50 * kCredit;
  EXPECT_EQ(error_of(admin_api_->save_pack(admin_, legacy))->code(), ErrorCode::invalid_request);
  legacy.id = db().write_sync([&](store::Conn& c) { return store::packs::create(c, legacy, 1); });
  auto refused = error_of(wallet_->buy_pack(user_, legacy.id, "f1"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::conflict);
  EXPECT_NE(std::string(refused->what()).find("not on sale"), std::string::npos) << refused->what();
  EXPECT_EQ(view().paid, 0);
  EXPECT_TRUE(run_sync(wallet_->transactions(user_, 10, std::nullopt)).empty());
  EXPECT_EQ(view().pack_purchases.count(legacy.id), 0u) << "not counted as a purchase";
  expect_reconciled();
}

// A pack's per-user limit: a trial count pack at price 0 is bought that many times, no more. A
// retry is not a purchase, a purchase that fails is not counted, codes are not purchases, and the
// limit can be raised or removed.
TEST_P(WalletTest, APackIsBoughtUpToItsPerUserLimit) {
  store::Pack trial;
  trial.name = "Trial";
  trial.kind = "count";
  trial.price = 0;
  trial.calls = 5;
  trial.models = {"m"};
  trial.per_user_limit = 0;
  EXPECT_EQ(error_of(admin_api_->save_pack(admin_, trial))->code(), ErrorCode::invalid_request)
      << "0: take it off sale";
  trial.per_user_limit = 2;
  trial = run_sync(admin_api_->save_pack(admin_, trial));
  run_sync(wallet_->buy_pack(user_, trial.id, "t1"));
  run_sync(wallet_->buy_pack(user_, trial.id, "t1"));  // a retry: not a second purchase
  run_sync(wallet_->buy_pack(user_, trial.id, "t2"));
  auto refused = error_of(wallet_->buy_pack(user_, trial.id, "t3"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), ErrorCode::conflict);
  EXPECT_NE(std::string(refused->what()).find("can be bought 2 times per user"), std::string::npos) << refused->what();
  EXPECT_EQ(view().packs.size(), 2u);
  EXPECT_EQ(view().pack_purchases.at(trial.id), 2);
  // A code for the pack is not a purchase: it works, and the count stays.
  auto batch = codes("count_pack", 0, trial.id, {});
  run_sync(wallet_->redeem(user_, batch.second[0]));
  EXPECT_EQ(view().packs.size(), 3u);
  EXPECT_EQ(view().pack_purchases.at(trial.id), 2);
  // Raised, one more; removed, any number.
  trial.per_user_limit = 3;
  run_sync(admin_api_->save_pack(admin_, trial));
  run_sync(wallet_->buy_pack(user_, trial.id, "t4"));
  EXPECT_EQ(error_of(wallet_->buy_pack(user_, trial.id, "t5"))->code(), ErrorCode::conflict);
  trial.per_user_limit.reset();
  run_sync(admin_api_->save_pack(admin_, trial));
  run_sync(wallet_->buy_pack(user_, trial.id, "t6"));
  EXPECT_EQ(view().pack_purchases.at(trial.id), 4);
  // A purchase that fails (short of paid credits) is not counted.
  store::Pack once;
  once.name = "Once";
  once.kind = "credit";
  once.price = 2 * kCredit;
  once.credits = 3 * kCredit;
  once.per_user_limit = 1;
  once = run_sync(admin_api_->save_pack(admin_, once));
  EXPECT_EQ(error_of(wallet_->buy_pack(user_, once.id, "o1"))->code(), ErrorCode::insufficient_balance);
  grant("paid", 5 * kCredit);
  run_sync(wallet_->buy_pack(user_, once.id, "o2"));
  EXPECT_EQ(error_of(wallet_->buy_pack(user_, once.id, "o3"))->code(), ErrorCode::conflict);
  EXPECT_EQ(view().paid, 6 * kCredit);
  expect_reconciled();
}

TEST_P(WalletTest, RedeemCodesOfEveryKindWorkOnce) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  store::Pack count;
  count.name = "10 calls";
  count.kind = "count";
  count.calls = 10;
  count.models = {"m"};
  count = run_sync(admin_api_->save_pack(admin_, count));
  auto paid = codes("paid", 5 * kCredit, {}, {});
  auto gift = codes("gift", 3 * kCredit, {}, {});
  auto packs = codes("count_pack", 0, count.id, {});
  auto days = codes("plan_days", 7, {}, basic.id);
  ASSERT_EQ(paid.second.size(), 2u);
  EXPECT_EQ(paid.second[0].size(), 20u);

  // Codes are accepted as printed: lower case, grouped with dashes or spaces.
  std::string lower = paid.second[0];
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  lower.insert(4, "-").insert(10, " ");
  EXPECT_EQ(run_sync(wallet_->redeem(user_, lower)).amount, 5 * kCredit);
  EXPECT_EQ(error_of(wallet_->redeem(user_, paid.second[0]))->code(), ErrorCode::conflict);
  run_sync(wallet_->redeem(user_, gift.second[0]));
  run_sync(wallet_->redeem(user_, packs.second[0]));
  run_sync(wallet_->redeem(user_, days.second[0]));
  auto v = view();
  EXPECT_EQ(v.paid, 5 * kCredit);
  EXPECT_EQ(v.gift, 3 * kCredit);
  ASSERT_EQ(v.packs.size(), 1u);
  EXPECT_EQ(v.packs[0].remaining, 10);
  ASSERT_TRUE(v.subscription);
  EXPECT_EQ(v.subscription->ends_at - v.subscription->started_at, 7 * kDay);
  EXPECT_FALSE(v.subscription->auto_renew);
  EXPECT_EQ(v.subscription->daily_value, 0) << "code days earn creators nothing";
  run_sync(wallet_->redeem(user_, days.second[1]));  // the same plan: extends it
  EXPECT_EQ(view().subscription->ends_at - v.subscription->started_at, 14 * kDay);

  run_sync(admin_api_->disable_batch(admin_, gift.first.id));
  EXPECT_EQ(error_of(wallet_->redeem(user_, gift.second[1]))->code(), ErrorCode::forbidden);
  EXPECT_EQ(error_of(wallet_->redeem(user_, "NOSUCHCODE"))->code(), ErrorCode::not_found);
  EXPECT_EQ(view().gift, 3 * kCredit) << "a refused code changes nothing";
  auto codes = run_sync(admin_api_->codes(gift.first.id));
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_EQ(std::count_if(codes.begin(), codes.end(), [&](const auto& c) { return c.redeemed_by == user_; }), 1);
  expect_reconciled();
}

TEST_P(WalletTest, CodeDaysAreNeitherRenewedNorAddedToABoughtPlan) {
  auto basic = plan("Basic", 1, 30 * kCredit);
  auto days = codes("plan_days", 7, {}, basic.id);
  grant("paid", 100 * kCredit);
  run_sync(wallet_->redeem(user_, days.second[0]));
  auto coded = *view().subscription;
  EXPECT_EQ(error_of(wallet_->renew(user_, "r1"))->code(), ErrorCode::conflict);
  EXPECT_EQ(view().subscription->ends_at, coded.ends_at) << "not renewed for nothing";
  EXPECT_EQ(view().paid, 100 * kCredit);
  EXPECT_FALSE(view().subscription->auto_renew);

  // Set to renew (as a renewal could before): the job turns that off rather than renew it free.
  db().write_sync([&](store::Conn& c) { store::subscriptions::set_auto_renew(c, coded.id, true); });
  clock_.advance_ms((7 * kDay - 600) * 1000);
  EXPECT_EQ(run_sync(wallet_->renew_due(clock_.now_s())), 0);
  EXPECT_EQ(view().subscription->ends_at, coded.ends_at);
  EXPECT_FALSE(view().subscription->auto_renew);

  // Once the code's days end, the plan is bought; a code for it then waits for the bought period's end.
  clock_.advance_ms(601 * 1000);
  EXPECT_FALSE(view().subscription);
  run_sync(wallet_->subscribe(user_, basic.id, "s1"));
  auto bought = *view().subscription;
  EXPECT_EQ(error_of(wallet_->redeem(user_, days.second[1]))->code(), ErrorCode::conflict);
  EXPECT_EQ(view().subscription->ends_at, bought.ends_at);
  EXPECT_EQ(view().subscription->daily_value, kCredit);
  EXPECT_EQ(view().paid, 70 * kCredit);

  // A free plan's subscription was bought, for nothing: it renews, and still does once the plan is
  // priced (its stored price is what a renewal charges).
  auto free_plan = plan("Free", 2, 0);
  EXPECT_EQ(error_of(wallet_->subscribe(user_, free_plan.id, "s2"))->code(), ErrorCode::conflict)
      << "worth less than Basic's unused days: no upgrade";
  clock_.advance_ms((bought.ends_at - clock_.now_s()) * 1000);  // Basic has run out (its renewal never ran)
  run_sync(wallet_->subscribe(user_, free_plan.id, "s2"));
  auto free_sub = *view().subscription;
  EXPECT_FALSE(free_sub.from_code);
  run_sync(wallet_->renew(user_, "r2"));
  EXPECT_EQ(view().subscription->ends_at, free_sub.ends_at + 30 * kDay);
  free_plan.price = 5 * kCredit;
  run_sync(admin_api_->save_plan(admin_, free_plan));
  run_sync(wallet_->renew(user_, "r3"));
  EXPECT_EQ(view().subscription->ends_at, free_sub.ends_at + 60 * kDay) << "bought, so renewed";
  EXPECT_EQ(view().paid, 70 * kCredit);
  expect_reconciled();
}

TEST_P(WalletTest, CodeDaysOfAFreePlanAreCodeDaysToo) {
  auto free_plan = plan("Free", 1, 0);
  auto days = codes("plan_days", 7, {}, free_plan.id);
  run_sync(wallet_->redeem(user_, days.second[0]));
  auto coded = *view().subscription;
  EXPECT_TRUE(coded.from_code);
  EXPECT_EQ(coded.ends_at - coded.started_at, 7 * kDay);
  EXPECT_EQ(error_of(wallet_->renew(user_, "r1"))->code(), ErrorCode::conflict) << "a code's days are not renewed";
  run_sync(wallet_->redeem(user_, days.second[1]));
  EXPECT_EQ(view().subscription->ends_at, coded.ends_at + 7 * kDay) << "a second code lengthens the first";
  expect_reconciled();
}

TEST_P(WalletTest, AdminGrantsAndDeductsButNeverBelowZero) {
  grant("paid", 5 * kCredit);
  grant("paid", -2 * kCredit);
  EXPECT_EQ(view().paid, 3 * kCredit);
  EXPECT_EQ(error_of(wallet_->grant(admin_, user_, "paid", -4 * kCredit, "too much", "x"))->code(),
            ErrorCode::insufficient_balance);
  EXPECT_EQ(error_of(wallet_->grant(admin_, user_, "paid", 1, "", "y"))->code(), ErrorCode::invalid_request);
  EXPECT_EQ(error_of(wallet_->grant(admin_, 9999, "paid", 1, "r", "z"))->code(), ErrorCode::not_found);
  EXPECT_EQ(view().paid, 3 * kCredit);
  auto tx = run_sync(wallet_->transactions(user_, 10, std::nullopt));
  ASSERT_EQ(tx.size(), 2u);
  EXPECT_EQ(tx[0].kind, "deduct");
  EXPECT_EQ(tx[0].amount, -2 * kCredit);
  EXPECT_EQ(tx[1].amount, 5 * kCredit);
  expect_reconciled();
}

}  // namespace
}  // namespace plaza::services
