#include "services/wallet.hpp"

#include <sodium.h>

#include <map>
#include <optional>
#include <set>

#include "billing/meter.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "store/async.hpp"
#include "store/billing_repo.hpp"
#include "store/changes.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

namespace ledger = store::ledger;

namespace {

constexpr int64_t kDay = 86'400;
constexpr int64_t kMaxGrant = int64_t{1'000'000'000} * money::kMicro;

// Purchases are paid from paid credits alone (gift credits are free and must not buy what makes a
// user "paying" or earns creators money): a user short of them hears what is needed and what they
// have, and that gift credits do not count, rather than a bare "not enough credits".
void check_paid_covers(store::Conn& c, int64_t user_id, int64_t amount) {
  auto paid = ledger::find(c, ledger::kPaid, user_id);
  int64_t available = paid ? paid->balance.available() : 0;
  if (available >= amount) return;
  auto gift = ledger::find(c, ledger::kGift, user_id);
  std::string note = gift && gift->balance.balance > 0 ? " (gift credits cannot pay for purchases)" : "";
  throw Error(ErrorCode::insufficient_balance, "purchases are paid from paid credits only: this costs " +
                                                   money::format_credits(amount) + " credits and you have " +
                                                   money::format_credits(available) + " paid credits available" + note);
}

// Paid credits from the user to the platform's revenue. Returns false when `key` was used before.
bool charge_paid(store::Conn& c, int64_t user_id, int64_t amount, const std::string& key, const std::string& kind,
                 const std::string& memo, int64_t now) {
  if (amount <= 0) return true;
  check_paid_covers(c, user_id, amount);
  ledger::Transfer t;
  t.key = key;
  t.debit = ledger::account(c, ledger::kPaid, user_id);
  t.credit = ledger::account(c, ledger::kRevenue, 0);
  t.amount = amount;
  t.kind = kind;
  t.user_id = user_id;
  t.memo = memo;
  t.at = now;
  return ledger::transfer(c, t);
}

// Credits into a user's paid (from sales) or gift (from promotions) account.
bool credit_user(store::Conn& c, int64_t user_id, std::string_view source, int64_t amount, const std::string& key,
                 const std::string& kind, const std::string& memo, int64_t now) {
  bool paid = source == ledger::kPaid;
  ledger::Transfer t;
  t.key = key;
  t.debit = ledger::account(c, paid ? ledger::kSales : ledger::kPromotions, 0);
  t.credit = ledger::account(c, source, user_id);
  t.amount = amount;
  t.kind = kind;
  t.user_id = user_id;
  t.memo = memo;
  t.at = now;
  return ledger::transfer(c, t);
}

store::Subscription new_subscription(const store::Plan& plan, int64_t user_id, int64_t start, int64_t days,
                                     bool auto_renew) {
  store::Subscription s;
  s.user_id = user_id;
  s.plan_id = plan.id;
  s.plan_name = plan.name;
  s.level = plan.level;
  s.price = plan.price;
  s.period_days = plan.period_days;
  s.daily_value = plan.daily_value();
  s.allowances = plan.allowances;
  s.started_at = start;
  s.ends_at = start + days * kDay;
  s.auto_renew = auto_renew;
  return s;
}

// A change to what pays for the user's calls (a purchase, a code, a grant, a renewal). Serialised per
// user on PostgreSQL (SQLite has one writer anyway), so two concurrent subscribes cannot both see
// "no subscription yet"; and announced, so that other instances retire their leases on the user's
// credits when it commits (this instance paused its own first: pause_leases).
void begin_wallet_change(store::Conn& c, int64_t user_id) {
  store::users::lock(c, user_id);
  store::announce(c, "wallet:" + std::to_string(user_id));
}

// A purchase, a code or a grant is next: the user's leases on credits give back what they hold
// (other instances' too) and open no new one until the returned pause ends.
awaitable<billing::LeasePause> pause_leases(billing::Meter* meter, int64_t user_id) {
  if (!meter) co_return billing::LeasePause{};
  co_return co_await meter->give_back(user_id);
}

// An hour ahead, so a subscription that renews never lapses between two runs of the job.
constexpr int64_t kRenewAhead = 3600;
constexpr int64_t kRenewBatch = 500;

store::Plan enabled_plan(store::Conn& c, int64_t plan_id) {
  auto plan = store::plans::find(c, plan_id);
  if (!plan || !plan->enabled) throw Error(ErrorCode::not_found, "no such plan", "plan_id");
  return *plan;
}

// A plan taken off sale is not renewed (its subscriptions run to their end): the operator stopped
// selling it, and a renewal is a sale. Its price stays the one stored at purchase while it runs.
bool on_sale(store::Conn& c, int64_t plan_id) {
  auto plan = store::plans::find(c, plan_id);
  return plan && plan->enabled;
}

// Files a wallet operation's request id under `op_key` with what it does. True the first time; false
// for the same operation again (a retry: the caller changes nothing); another use of the id is refused.
bool claim_op_key(store::Conn& c, const std::string& op_key, const std::string& op_id, const std::string& what,
                  int64_t now) {
  switch (store::wallet_ops::claim(c, op_key, what, now)) {
    case store::wallet_ops::Claim::claimed:
      return true;
    case store::wallet_ops::Claim::same_operation:
      return false;
    case store::wallet_ops::Claim::different_operation:
      break;
  }
  throw Error(ErrorCode::conflict,
              "request id " + op_id + " was used for a different operation; send a new request id");
}

// The request id a user's wallet operation was sent with, filed under the user (ids are the
// client's own), with what it did.
bool claim_op(store::Conn& c, int64_t user_id, const std::string& op_id, const std::string& what, int64_t now) {
  return claim_op_key(c, "u" + std::to_string(user_id) + ":" + op_id, op_id, what, now);
}

}  // namespace

int64_t upgrade_credit(const store::Subscription& s, int64_t now) {
  // Rounded down, in the platform's favour. Renewals paid ahead count too (their days are past
  // ends_at); subscriptions from codes (price 0) give no credit.
  int64_t period_s = s.period_days * kDay;
  if (period_s <= 0) return 0;
  int64_t unused = std::max<int64_t>(s.ends_at - now, 0);
  return money::mul_div_down(s.price, unused, period_s);
}

WalletView Wallet::view_in(store::Conn& c, int64_t user_id, int64_t now) {
  WalletView v;
  for (auto kind : {ledger::kPaid, ledger::kGift}) {
    auto account = ledger::find(c, kind, user_id);
    if (!account) continue;
    bool paid = kind == ledger::kPaid;
    (paid ? v.paid : v.gift) = account->balance.balance;
    // What an instance's lease holds for the user's next API calls is not spent nor in use: it is
    // not shown as held (the calls in flight on it are, for a moment, not shown either).
    int64_t held = account->balance.held;
    (paid ? v.paid_held : v.gift_held) = held > 0 ? held - ledger::leased(c, account->id) : 0;
  }
  v.subscription = store::subscriptions::active(c, user_id, now);
  // A plan off sale is not renewed (renew_each skips it while it is off, and it runs to its end): say
  // so now. The stored setting is kept, so renewal resumes if the plan is put back on sale in time.
  if (v.subscription && v.subscription->auto_renew && !on_sale(c, v.subscription->plan_id))
    v.subscription->auto_renew = false;
  v.paying = v.subscription.has_value() || v.paid > 0;
  if (v.subscription) v.upgrade_credit = upgrade_credit(*v.subscription, now);
  if (v.subscription) {
    std::string day = local_day(now);
    for (const auto& a : v.subscription->allowances) {
      int64_t used = store::counters::used(c, "allowance", v.subscription->id, day, a.model);
      v.allowances.push_back({a.model, a.per_day, used, a.per_day < 0 ? -1 : std::max<int64_t>(a.per_day - used, 0)});
    }
  }
  v.packs = store::packs::of_user(c, user_id, now);
  v.pack_purchases = store::packs::purchases(c, user_id);
  return v;
}

awaitable<WalletView> Wallet::view(int64_t user_id) {
  int64_t now = clock_.now_s();
  co_return co_await store::read(db_, [&](store::Conn& c) { return view_in(c, user_id, now); });
}

awaitable<std::vector<ledger::TransferRow>> Wallet::transactions(int64_t user_id, int64_t limit,
                                                                 std::optional<int64_t> before) {
  co_return co_await store::read(db_,
                                 [&](store::Conn& c) { return ledger::transfers_of_user(c, user_id, limit, before); });
}

awaitable<void> Wallet::subscribe(int64_t user_id, int64_t plan_id, std::string op_id) {
  auto paused = co_await pause_leases(meter_, user_id);
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    begin_wallet_change(c, user_id);
    if (!claim_op(c, user_id, op_id, "subscribe plan " + std::to_string(plan_id), now)) return;
    auto plan = enabled_plan(c, plan_id);
    auto current = store::subscriptions::active(c, user_id, now);
    std::string key = "subscribe:" + std::to_string(user_id) + ":" + op_id;
    // Not an implicit renewal: a double-clicked "subscribe" must not buy two periods.
    if (current && current->plan_id == plan.id)
      throw Error(ErrorCode::conflict, "you already have this plan; renew it instead", "plan_id");
    if (current && plan.level <= current->level)
      throw Error(ErrorCode::conflict, "you already have a plan of this level or higher; change it when it ends",
                  "plan_id");
    int64_t cost = plan.price;
    if (current) {
      // Upgrade: the unused part of the current period counts towards the new plan, and the new
      // period starts now.
      int64_t credit = upgrade_credit(*current, now);
      // A higher level for less than the unused days are worth would throw the difference away
      // (there is no refund into credits): refused, the user switches when the current plan ends.
      if (credit > plan.price)
        throw Error(ErrorCode::conflict,
                    "the unused part of your " + current->plan_name + " plan is worth " +
                        money::format_credits(credit) + " credits, more than " + plan.name + " costs (" +
                        money::format_credits(plan.price) + "): this is not an upgrade; switch when your plan ends",
                    "plan_id");
      cost = plan.price - credit;
    }
    if (!charge_paid(c, user_id, cost, key, current ? "upgrade" : "subscribe", plan.name, now)) return;
    // A switch the unused days pay for in full moves no credits, so the ledger has no transfer of it
    // (transfers move a positive amount): the audit log records it, beside the replaced subscription.
    if (current && cost == 0)
      store::audit::record(c, user_id, "subscription.upgrade", "user:" + std::to_string(user_id),
                           current->plan_name + " -> " + plan.name + " for 0 credits: the unused part of " +
                               current->plan_name + " paid for it",
                           now);
    if (current) store::subscriptions::replace(c, current->id, now);
    store::subscriptions::create(c, new_subscription(plan, user_id, now, plan.period_days, true), now);
  });
}

awaitable<void> Wallet::renew(int64_t user_id, std::string op_id) {
  auto paused = co_await pause_leases(meter_, user_id);
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    begin_wallet_change(c, user_id);
    auto current = store::subscriptions::active(c, user_id, now);
    if (!current) throw Error(ErrorCode::not_found, "you have no active subscription");
    if (current->from_code)
      throw Error(ErrorCode::conflict,
                  "your plan's days came from a code and are not renewed: subscribe when they end");
    if (!claim_op(c, user_id, op_id, "renew subscription " + std::to_string(current->id), now)) return;
    if (!on_sale(c, current->plan_id))
      throw Error(ErrorCode::conflict, current->plan_name +
                                           " is no longer sold, so it cannot be renewed: it runs until it ends; "
                                           "choose another plan then");
    if (!charge_paid(c, user_id, current->price, "renew:" + std::to_string(user_id) + ":" + op_id, "renew",
                     current->plan_name, now))
      return;
    store::subscriptions::extend(c, current->id, current->ends_at + current->period_days * kDay);
    store::subscriptions::set_auto_renew(c, current->id, true);
  });
}

awaitable<void> Wallet::cancel(int64_t user_id) {
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    auto current = store::subscriptions::active(c, user_id, now);
    if (!current) throw Error(ErrorCode::not_found, "you have no active subscription");
    store::subscriptions::set_auto_renew(c, current->id, false);
  });
}

awaitable<int> Wallet::renew_due(int64_t now) {
  if (!meter_) co_return co_await store::write(db_, [&](store::Conn& c) { return renew_due(c, now); });
  auto due = co_await store::read(
      db_, [&](store::Conn& c) { return store::subscriptions::due_for_renewal(c, now + kRenewAhead, kRenewBatch); });
  std::map<int64_t, bool> users;  // → whether a renewal of theirs costs credits
  for (const auto& s : due) users[s.user_id] = users[s.user_id] || s.price > 0;
  int renewed = 0;
  for (const auto& [user_id, paying] : users) {
    // One user at a time: the leases give back what they hold right before the user's renewal
    // (a pause ends by itself after a while; one for all the users could end before the last).
    std::optional<billing::LeasePause> paused;
    if (paying) paused.emplace(co_await pause_leases(meter_, user_id));
    renewed += co_await store::write(db_, [&](store::Conn& c) {
      return renew_each(c, store::subscriptions::due_for_renewal(c, now + kRenewAhead, kRenewBatch, user_id), now);
    });
  }
  co_return renewed;
}

int Wallet::renew_due(store::Conn& c, int64_t now) {
  return renew_each(c, store::subscriptions::due_for_renewal(c, now + kRenewAhead, kRenewBatch), now);
}

int Wallet::renew_each(store::Conn& c, const std::vector<store::Subscription>& due, int64_t now) {
  int renewed = 0;
  // Looked up once for the batch (up to kRenewBatch subscriptions).
  std::set<int64_t> off_sale = due.empty() ? std::set<int64_t>{} : store::plans::off_sale_ids(c);
  for (const auto& s : due) {
    begin_wallet_change(c, s.user_id);
    auto current = store::subscriptions::active(c, s.user_id, now);
    if (current && current->id != s.id) {
      store::subscriptions::set_auto_renew(c, s.id, false);  // the user bought another since
      continue;
    }
    // One key per period: a rerun, or another instance, renews it once. A period missed while the
    // site was down is not charged: the new one starts now.
    if (s.from_code) {  // codes' days: set to renew before they could not be
      store::subscriptions::set_auto_renew(c, s.id, false);
      continue;
    }
    // A plan off sale is not renewed, but its subscriptions' setting is left alone: an operator who
    // takes a plan off for a moment (to fix its price) must not turn renewal off for good for everyone
    // who came due meanwhile. Skipped; put back on sale before the end, the next run renews it. One
    // that ended while its plan was off ran to its end: it stops trying (as when short of credits),
    // rather than being renewed later, from then, by a plan put back on sale.
    if (off_sale.contains(s.plan_id)) {
      if (s.ends_at <= now) store::subscriptions::set_auto_renew(c, s.id, false);
      continue;
    }
    std::string key = "autorenew:" + std::to_string(s.id) + ":" + std::to_string(s.ends_at);
    try {
      c.exec("SAVEPOINT renew");
      if (s.price > 0 && !charge_paid(c, s.user_id, s.price, key, "renew", s.plan_name, now)) {
        c.exec("RELEASE SAVEPOINT renew");
        continue;
      }
      store::subscriptions::extend(c, s.id, std::max(s.ends_at, now) + s.period_days * kDay);
      c.exec("RELEASE SAVEPOINT renew");
      ++renewed;
    } catch (const Error&) {
      c.exec("ROLLBACK TO SAVEPOINT renew");
      c.exec("RELEASE SAVEPOINT renew");
      // Not enough paid credits. Before the end the next run tries again: what calls in flight or
      // another instance's lease hold comes back within seconds, and the user may buy credits.
      // Once it has ended, it runs out and stops trying.
      if (s.ends_at <= now) store::subscriptions::set_auto_renew(c, s.id, false);
    }
  }
  return renewed;
}

awaitable<void> Wallet::buy_pack(int64_t user_id, int64_t pack_id, std::string op_id) {
  auto paused = co_await pause_leases(meter_, user_id);
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    begin_wallet_change(c, user_id);
    if (!claim_op(c, user_id, op_id, "buy pack " + std::to_string(pack_id), now)) return;
    auto pack = store::packs::find(c, pack_id);
    if (!pack || !pack->enabled) throw Error(ErrorCode::not_found, "no such pack", "pack_id");
    // A credit pack sells paid credits: at price 0 it would mint them for nothing. Saving one is
    // refused (billing_admin), but one saved before that rule may remain: it is not sold either.
    if (pack->kind == "credit" && pack->price <= 0)
      throw Error(ErrorCode::conflict, pack->name + " is not on sale", "pack_id");
    // Counted in this transaction: a purchase that fails later (short of credits) is not counted.
    if (!store::packs::count_purchase(c, user_id, pack->id, pack->per_user_limit))
      throw Error(ErrorCode::conflict,
                  pack->name + " can be bought " + std::to_string(*pack->per_user_limit) +
                      (*pack->per_user_limit == 1 ? " time" : " times") + " per user, and you have reached that limit",
                  "pack_id");
    std::string key = "pack:" + std::to_string(user_id) + ":" + op_id;
    if (!charge_paid(c, user_id, pack->price, key, "pack", pack->name, now)) return;
    if (pack->kind == "credit") {
      credit_user(c, user_id, ledger::kPaid, pack->credits, key + ":credits", "pack", pack->name, now);
      return;
    }
    store::UserPack up;
    up.user_id = user_id;
    up.pack_id = pack->id;
    up.name = pack->name;
    up.models = pack->models;
    up.total = pack->calls;
    up.price = pack->price;
    if (pack->valid_days > 0) up.expires_at = now + pack->valid_days * kDay;
    up.created_at = now;
    store::packs::grant(c, up);
  });
}

awaitable<Redeemed> Wallet::redeem(int64_t user_id, std::string code) {
  int64_t now = clock_.now_s();
  std::string normalized = normalize_code(code);
  if (normalized.empty() || normalized.size() > 64) throw Error(ErrorCode::invalid_request, "enter a code", "code");
  auto paused = co_await pause_leases(meter_, user_id);
  co_return co_await store::write(db_, [&](store::Conn& c) {
    begin_wallet_change(c, user_id);
    auto batch_id = store::redeem::claim(c, normalized, user_id, now);
    if (!batch_id) {
      bool exists = c.query_one("SELECT 1 FROM redeem_codes WHERE code = $1", {normalized}).has_value();
      throw exists ? Error(ErrorCode::conflict, "this code has already been used", "code")
                   : Error(ErrorCode::not_found, "this code does not exist", "code");
    }
    auto batch = store::redeem::batch(c, *batch_id);
    if (!batch || batch->disabled || (batch->expires_at && *batch->expires_at <= now))
      throw Error(ErrorCode::forbidden, "this code is no longer valid", "code");
    std::string key = "redeem:" + normalized;
    if (batch->kind == "paid" || batch->kind == "gift") {
      credit_user(c, user_id, batch->kind, batch->amount, key, "redeem", batch->name, now);
      return Redeemed{batch->kind, batch->amount};
    }
    if (batch->kind == "count_pack") {
      auto pack = batch->pack_id ? store::packs::find(c, *batch->pack_id) : std::nullopt;
      if (!pack) throw Error(ErrorCode::forbidden, "this code is no longer valid", "code");
      store::UserPack up;
      up.user_id = user_id;
      up.pack_id = pack->id;
      up.name = pack->name;
      up.models = pack->models;
      up.total = pack->calls;
      if (pack->valid_days > 0) up.expires_at = now + pack->valid_days * kDay;
      up.created_at = now;
      store::packs::grant(c, up);
      return Redeemed{batch->kind, pack->calls};
    }
    // plan_days
    auto plan = batch->plan_id ? store::plans::find(c, *batch->plan_id) : std::nullopt;
    if (!plan) throw Error(ErrorCode::forbidden, "this code is no longer valid", "code");
    auto current = store::subscriptions::active(c, user_id, now);
    if (current && current->plan_id == plan->id && !current->from_code) {
      throw Error(ErrorCode::conflict,
                  "you have bought this plan: redeem this code once it has ended (turn its renewal off first)", "code");
    } else if (current && current->plan_id == plan->id) {
      store::subscriptions::extend(c, current->id, current->ends_at + batch->amount * kDay);
    } else if (current) {
      throw Error(ErrorCode::conflict, "this code is for another plan than yours; redeem it when yours ends", "code");
    } else {
      // Days from a code were not paid for through the site: no upgrade credit and no value for
      // the creators' subscription pool.
      auto sub = new_subscription(*plan, user_id, now, batch->amount, false);
      sub.price = 0;
      sub.daily_value = 0;
      sub.from_code = true;
      store::subscriptions::create(c, sub, now);
    }
    return Redeemed{batch->kind, batch->amount};
  });
}

awaitable<void> Wallet::grant(int64_t admin_id, int64_t user_id, std::string source, int64_t amount, std::string reason,
                              std::string op_id) {
  if (source != ledger::kPaid && source != ledger::kGift)
    throw Error(ErrorCode::invalid_request, "source must be paid or gift", "source");
  if (amount == 0 || amount < -kMaxGrant || amount > kMaxGrant)
    throw Error(ErrorCode::invalid_request, "the amount must be non-zero and at most 10^9 credits", "amount");
  if (reason.empty() || reason.size() > 500)
    throw Error(ErrorCode::invalid_request, "give a reason (up to 500 characters)", "reason");
  auto paused = co_await pause_leases(meter_, user_id);
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    if (!c.query_one("SELECT 1 FROM users WHERE id = $1", {user_id})) throw Error(ErrorCode::not_found, "no such user");
    begin_wallet_change(c, user_id);
    // Admins' request ids are one space, as the grant's ledger key only has the user to tell them by.
    std::string what = "grant " + source + " " + std::to_string(amount) + " to user " + std::to_string(user_id);
    if (!claim_op_key(c, "admin:" + op_id, op_id, what, now)) return;
    std::string key = "grant:" + std::to_string(user_id) + ":" + op_id;
    if (amount > 0) {
      if (!credit_user(c, user_id, source, amount, key, "grant", reason, now)) return;
    } else {
      ledger::Transfer t;
      t.key = key;
      t.debit = ledger::account(c, source, user_id);
      t.credit = ledger::account(c, source == ledger::kPaid ? ledger::kSales : ledger::kPromotions, 0);
      t.amount = -amount;
      t.kind = "deduct";
      t.user_id = user_id;
      t.memo = reason;
      t.at = now;
      if (!ledger::transfer(c, t)) return;
    }
    store::audit::record(c, admin_id, amount > 0 ? "credits.grant" : "credits.deduct",
                         "user:" + std::to_string(user_id),
                         source + " " + money::format_credits(amount) + ": " + reason, now);
  });
}

awaitable<void> Wallet::signup_gift(int64_t user_id, int64_t amount) {
  if (amount <= 0) co_return;
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    credit_user(c, user_id, ledger::kGift, amount, "signup:" + std::to_string(user_id), "grant", "welcome gift", now);
  });
}

std::string normalize_code(std::string_view code) {
  std::string out;
  for (char ch : code) {
    if (ch == ' ' || ch == '-' || ch == '\t') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  }
  return out;
}

std::string new_redeem_code() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no I, O, 0, 1
  std::string out;
  for (int i = 0; i < 20; ++i) out.push_back(kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)]);
  return out;
}

}  // namespace plaza::services
