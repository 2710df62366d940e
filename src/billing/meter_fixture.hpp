#pragma once
// The fixture the meter's tests share: a user, funding, balances, reserving and settling directly
// in a transaction, and the ledger's reconciliation.
#include <gtest/gtest.h>

#include <algorithm>

#include "billing/meter.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "store/billing_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/relay_repo.hpp"
#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::billing::test_support {

namespace ledger = store::ledger;

constexpr int64_t kNow = 1'700'000'000;

inline money::Price per_call(int64_t uc) {
  money::Price p;
  p.mode = money::PriceMode::per_call;
  p.per_call = uc;
  return p;
}

inline money::Price per_token(int64_t in, int64_t out) {
  money::Price p;
  p.mode = money::PriceMode::per_token;
  p.input_per_m = in;
  p.output_per_m = out;
  return p;
}

class MeterTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    user_ = db().write_sync([](store::Conn& c) {
      return store::users::create(c, {"alice", std::nullopt, "x", "user"}, kNow).id;
    });
  }

  void fund(std::string_view kind, int64_t amount) {
    db().write_sync([&](store::Conn& c) {
      ledger::Transfer t;
      t.key = "fund:" + std::to_string(++funded_);
      t.debit = ledger::account(c, kind == ledger::kPaid ? ledger::kSales : ledger::kPromotions, 0);
      t.credit = ledger::account(c, kind, user_);
      t.amount = amount;
      t.kind = "grant";
      t.user_id = user_;
      t.at = kNow;
      ledger::transfer(c, t);
    });
  }

  ledger::Balance balance(std::string_view kind) {
    return db().read_sync([&](store::Conn& c) { return ledger::balance(c, kind, user_); });
  }

  // An API key of the user's that may spend at most `limit`.
  int64_t limited_key(int64_t limit) {
    return db().write_sync([&](store::Conn& c) {
      return c
          .query_one(
              "INSERT INTO api_keys (user_id, name, secret_hash, secret_start, secret_end, created_at, "
              "spend_limit) VALUES ($1, 'k', 'h', 'a', 'b', $2, $3) RETURNING id",
              {user_, kNow, limit})
          ->i64(0);
    });
  }

  ChargeRequest request(const std::string& id, std::string surface = "api") {
    ChargeRequest r;
    r.user_id = user_;
    r.surface = std::move(surface);
    r.model = "m";
    r.request_id = id;
    r.prompt_tokens = 10;
    r.max_tokens = 100;
    r.now = kNow;
    return r;
  }

  Reservation reserve(const ChargeRequest& r, const money::Price& price, Options options = {}) {
    return db().write_sync([&](store::Conn& c) { return billing::reserve(c, options, r, price, money::kPpmOne); });
  }

  std::optional<ErrorCode> refused(const ChargeRequest& r, const money::Price& price, Options options = {}) {
    try {
      reserve(r, price, options);
    } catch (const Error& e) {
      return e.code();
    }
    return std::nullopt;
  }

  // The usage event of a call of model m that reserved `res`.
  store::UsageEvent event(const Reservation& res, std::string status, int64_t prompt, int64_t completion,
                          std::string surface = "api", std::optional<int64_t> key = std::nullopt) {
    store::UsageEvent e;
    e.api_key_id = key;
    e.request_id = res.request_id;
    e.created_at = kNow;
    e.day = local_day(kNow);
    e.user_id = user_;
    e.surface = std::move(surface);
    e.model = "m";
    e.status = std::move(status);
    e.prompt_tokens = prompt;
    e.completion_tokens = completion;
    return e;
  }

  store::UsageEvent settle(const Reservation& res, std::string status, int64_t prompt, int64_t completion,
                           std::string surface = "api", std::optional<int64_t> key = std::nullopt) {
    auto e = event(res, std::move(status), prompt, completion, std::move(surface), key);
    db().write_sync([&](store::Conn& c) { billing::settle(c, res, e); });
    return e;
  }

  void expect_reconciled() {
    db().read_sync([&](store::Conn& c) {
      auto drift = ledger::drift(c);
      EXPECT_TRUE(drift.empty()) << "account " << drift.front().account_id << " drifted";
      EXPECT_EQ(ledger::balance_sum(c), 0);
    });
  }

  // A level-2 plan of 30 credits for 30 days (daily value 1 credit) with `calls` of model m a day.
  int64_t subscribe_to_pro(int64_t calls) {
    return subscribe(store::Plan{0, "Pro", 2, 30, 30'000'000, {{"m", calls}}, true}, kNow + 30 * 86'400);
  }

  // The plan, created, and the user's subscription to it for its period up to `ends_at`.
  int64_t subscribe(store::Plan plan, int64_t ends_at) {
    return db().write_sync([&](store::Conn& c) {
      plan.id = store::plans::create(c, plan, kNow);
      store::Subscription s;
      s.user_id = user_;
      s.plan_id = plan.id;
      s.level = plan.level;
      s.price = plan.price;
      s.period_days = plan.period_days;
      s.daily_value = plan.daily_value();
      s.allowances = plan.allowances;
      s.started_at = std::min(kNow - 10, ends_at - plan.period_days * 86'400);
      s.ends_at = ends_at;
      return store::subscriptions::create(c, s, kNow);
    });
  }

  int64_t user_ = 0;
  int funded_ = 0;
};

}  // namespace plaza::billing::test_support
