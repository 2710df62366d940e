#include "billing/meter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <random>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "store/async.hpp"
#include "store/billing_repo.hpp"
#include "store/changes.hpp"
#include "store/earnings_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/relay_repo.hpp"

namespace plaza::billing {

namespace ledger = store::ledger;

namespace {

constexpr const char* kAllowance = "allowance";
constexpr const char* kCountPack = "count_pack";
constexpr const char* kWebFree = "web_free";
constexpr const char* kKeyLimit = "key_limit";

void place(store::Conn& c, const ChargeRequest& r, Reservation& res, int64_t expires_at, const std::string& source,
           int64_t ref, int64_t amount, const std::string& day) {
  ledger::Hold h;
  h.request_id = r.request_id;
  h.user_id = r.user_id;
  h.source = source;
  h.ref_id = ref;
  h.amount = amount;
  h.day = day;
  h.model = r.model;
  h.created_at = r.now;
  h.expires_at = expires_at;
  try {
    h.id = ledger::insert_hold(c, h);
  } catch (const store::UniqueViolation&) {
    throw Error(ErrorCode::conflict, "this request id was used before; send a new one");
  }
  res.holds = true;
  res.held.push_back(std::move(h));
}

// Gives back what a hold took, after end_hold() moved it out of pending (so it happens once).
void undo(store::Conn& c, const ledger::Hold& h) {
  if (h.source == kAllowance)
    store::counters::give_back(c, kAllowance, h.ref_id, h.day, h.model);
  else if (h.source == kWebFree)
    store::counters::give_back(c, kWebFree, h.ref_id, h.day, h.model);
  else if (h.source == kCountPack)
    store::packs::give_back_call(c, h.ref_id);
  else if (h.source == kKeyLimit)
    c.exec("UPDATE api_keys SET spent_held = spent_held - $2 WHERE id = $1", {h.ref_id, h.amount});
  else
    ledger::release(c, h.ref_id, h.amount);  // paid, gift
}

// Short of the user's credits, as against a key's spending limit: the refusal that other instances'
// leases on the credits may explain (Meter::reserve waits for them).
struct ShortOfCredits : Error {
  explicit ShortOfCredits(int64_t max_cost)
      : Error(ErrorCode::insufficient_balance,
              "not enough credits: this request may cost up to " + money::format_credits(max_cost) + " credits") {}
};

}  // namespace

namespace {
// The app's surcharge applies to everyone but the app's owner.
std::optional<money::Surcharge> surcharge_for(const ChargeRequest& r) {
  if (!r.app || !r.app->surcharge.any() || r.app->owner_id == r.user_id) return std::nullopt;
  return r.app->surcharge;
}
}  // namespace

namespace {
// A reservation of nothing yet: what settle() needs to know of the request and its price.
Reservation plan(const Options& options, const ChargeRequest& r, const money::Price& price, int64_t multiplier_ppm) {
  Reservation res;
  res.request_id = r.request_id;
  res.user_id = r.user_id;
  res.price = price;
  res.multiplier_ppm = multiplier_ppm;
  res.answers = std::max<int64_t>(r.choices, 1);
  res.app = r.app;
  res.creator_share_ppm = options.creator_share_ppm;
  if (!surcharge_for(r)) res.app.reset();
  return res;
}

// The model's and the surcharge's worst case. Throws insufficient_balance past any balance.
void set_max_costs(Reservation& res, const ChargeRequest& r, bool model_covered) {
  try {
    if (!model_covered)
      res.max_cost = money::max_cost(res.price, r.prompt_tokens, r.max_tokens, res.multiplier_ppm, r.choices,
                                     r.default_answer_tokens);
    if (res.app) res.max_surcharge = money::surcharge(res.app->surcharge, res.max_cost);
  } catch (const std::overflow_error&) {
    throw Error(ErrorCode::insufficient_balance, "this request may cost more than any balance; lower max_tokens");
  }
}
}  // namespace

Reservation reserve(store::Conn& c, const Options& options, const ChargeRequest& r, const money::Price& price,
                    int64_t multiplier_ppm) {
  Reservation res = plan(options, r, price, multiplier_ppm);
  auto surcharge = surcharge_for(r);
  if (price.mode == money::PriceMode::free && !(surcharge && surcharge->per_call > 0)) return res;
  // One query for everything the plan needs; the writes below are conditional, so a concurrent
  // request that took the same funds since makes them fail rather than overdraw.
  auto funds = store::funding::load(c, r.user_id, r.now, r.request_id);
  if (funds.request_id_used) throw Error(ErrorCode::conflict, "this request id was used before; send a new one");
  const std::string day = local_day(r.now);
  const int64_t expires_at = r.now + options.hold_ttl_s;

  // The model part is covered without credits by: a free model, the web's fair use of a web_free
  // model, or (below) a subscription allowance or count-pack call. The surcharge is always credits.
  bool model_covered = price.mode == money::PriceMode::free;
  if (!model_covered && r.surface == "web" && price.web_free) {
    if (price.web_free_daily_cap <= 0) {
      res.web_free_call = true;
      model_covered = true;
    } else if (store::counters::take(c, kWebFree, r.user_id, day, r.model, price.web_free_daily_cap)) {
      place(c, r, res, expires_at, kWebFree, r.user_id, 1, day);
      res.web_free_call = true;
      model_covered = true;
    }
    // Past the fair-use cap the call is paid for, as on the API.
  }
  set_max_costs(res, r, model_covered);
  if (res.max_cost == 0) model_covered = true;
  if (model_covered && res.max_surcharge == 0) return res;
  const int64_t most = res.max_cost + res.max_surcharge;

  auto available = [&](money::Source source) -> int64_t {
    bool paid = source == money::Source::paid;
    return (paid ? funds.paid_account : funds.gift_account) ? (paid ? funds.paid_available : funds.gift_available) : 0;
  };
  // A whole-call source (allowance, count pack) covers the model part unless the credits before it
  // in the order already cover everything: then nothing is taken from it. It counts one answer: a
  // request for several (n) is paid in credits.
  if (!model_covered && res.answers == 1) {
    int64_t credits_before = 0;
    for (auto source : options.order) {
      if (source == money::Source::paid || source == money::Source::gift) {
        credits_before += available(source);
        continue;
      }
      if (credits_before >= most) break;
      if (source == money::Source::subscription && funds.subscription_id) {
        const store::Allowance* allowance = nullptr;
        for (const auto& a : funds.allowances)
          if (a.model == r.model) allowance = &a;
        if (allowance &&
            store::counters::take(c, kAllowance, *funds.subscription_id, day, r.model, allowance->per_day)) {
          place(c, r, res, expires_at, kAllowance, *funds.subscription_id, 1, day);
          res.plan_daily_value = funds.plan_daily_value;
          model_covered = true;
          break;
        }
      }
      if (source == money::Source::count_pack && funds.has_packs) {
        if (auto pack = store::packs::take_call(c, r.user_id, r.model, r.now)) {
          place(c, r, res, expires_at, kCountPack, *pack, 1, day);
          model_covered = true;
          break;
        }
      }
    }
  }

  // Credits, in the order's paid/gift sequence, for what is left: the model part unless covered,
  // and the surcharge.
  int64_t left = (model_covered ? 0 : res.max_cost) + res.max_surcharge;
  const int64_t needed = left;
  int64_t credits = 0;
  for (auto source : options.order) {
    if (left == 0) break;
    if (source != money::Source::paid && source != money::Source::gift) continue;
    int64_t take = std::min(available(source), left);
    if (take <= 0) continue;
    auto account = source == money::Source::paid ? *funds.paid_account : *funds.gift_account;
    // Conditional on the funds still being there: a concurrent request may have taken them since.
    if (!ledger::reserve(c, account, take)) throw ShortOfCredits(needed);
    place(c, r, res, expires_at, std::string(money::to_string(source)), account, take, day);
    credits += take;
    left -= take;
  }
  if (left > 0) throw ShortOfCredits(model_covered ? needed : most);
  if (r.key_id && r.key_limited && credits > 0) {
    if (c.exec("UPDATE api_keys SET spent_held = spent_held + $2 WHERE id = $1 AND "
               "(spend_limit IS NULL OR spent + spent_held + $2 <= spend_limit)",
               {*r.key_id, credits}) != 1)
      throw Error(ErrorCode::insufficient_balance, "this API key has reached its spending limit");
    place(c, r, res, expires_at, kKeyLimit, *r.key_id, credits, day);
  }
  return res;
}

namespace {

// What a hold that was no longer pending ended as: posted (by an earlier settlement of the same
// request: its amount counts as paid) or voided (by the reaper: nothing was paid through it).
int64_t already_posted(store::Conn& c, const ledger::Hold& h, bool& was_posted) {
  auto row = c.query_one("SELECT status, posted FROM holds WHERE id = $1", {h.id});
  was_posted = row && row->str(0) == "posted";
  return was_posted ? row->i64(1) : 0;
}

ledger::Transfer charge_transfer(const store::UsageEvent& e, int64_t from, bool paid, int64_t amount,
                                 const std::string& key, const char* kind = "charge") {
  ledger::Transfer t;
  t.key = key;
  t.debit = from;
  t.credit = ledger::platform_account(paid ? ledger::kRevenue : ledger::kPromotions);
  t.amount = amount;
  t.kind = kind;
  t.user_id = e.user_id;
  t.request_id = e.request_id;
  t.memo = e.model;
  t.at = e.created_at;
  return t;
}

// Takes the parts of one settlement from an account: the model cost first, then the surcharge,
// each its own transfer (so the usage event and the creator's share know what paid for what).
struct Taker {
  store::Conn& c;
  store::UsageEvent& e;
  int64_t model_left;      // of the model cost, not yet taken
  int64_t surcharge_left;  // of the surcharge, not yet taken
  int64_t charged = 0;     // by this settlement

  // Takes `amount` (≤ what is left) from `account`, releasing `release_held` of its held amount
  // once. False when an earlier settlement made these transfers (nothing changed then).
  // `from_lease`: the amount was posted to a lease's hold, so the debit needs no check.
  bool take(int64_t account, bool paid, int64_t amount, const std::string& suffix, int64_t release_held,
            bool from_lease = false) {
    int64_t model = std::min(amount, model_left);
    int64_t extra = std::min(amount - model, surcharge_left);
    bool released = release_held == 0;
    bool fresh = true;
    auto move = [&](const ledger::Transfer& t, int64_t release) {
      if (!from_lease) return ledger::transfer(c, t, release);
      ledger::charge_from_lease(c, t);  // once per call: settle() refuses a second usage event
      return true;
    };
    if (model > 0) {
      fresh = move(charge_transfer(e, account, paid, model, "charge:" + e.request_id + ":" + suffix), release_held);
      released = released || fresh;
    }
    if (fresh && extra > 0) {
      auto t = charge_transfer(e, account, paid, extra, "surcharge:" + e.request_id + ":" + suffix, "surcharge");
      t.memo = surcharge_memo();
      fresh = move(t, released ? 0 : release_held);
      released = released || fresh;
    }
    if (!released) ledger::release(c, account, release_held);
    if (!fresh) return false;
    model_left -= model;
    surcharge_left -= extra;
    (paid ? e.paid_uc : e.gift_uc) += model;
    (paid ? e.surcharge_paid_uc : e.surcharge_gift_uc) += extra;
    charged += model + extra;
    return true;
  }

  // What the buyer's wallet names a surcharge by: the app it paid for, "app/<slug>" as the relay was
  // asked (the model's name is on the charge beside it); the model when the caller gave no name.
  const std::string* app_name = nullptr;
  const std::string& surcharge_memo() const { return app_name && !app_name->empty() ? *app_name : e.model; }
};

// What a key with a spending limit may still be charged by a settlement that has charged `charged`
// so far: its limit less what it spent and what its other calls hold (this call's own pending hold
// is given back by this settlement). Unbounded for a key without a limit, or no key.
int64_t key_room(store::Conn& c, std::optional<int64_t> key_id, const ledger::Hold* key_hold, int64_t charged) {
  if (!key_id) return INT64_MAX;
  // Locked on PostgreSQL: two settlements of one key on two instances would each read the same room
  // and together take more. (The row is written later in this transaction anyway; SQLite has one writer.)
  std::string sql =
      "SELECT k.spend_limit, k.spent, k.spent_held, "
      "(SELECT amount FROM holds WHERE id = $2 AND status = 'pending') FROM api_keys k WHERE k.id = $1";
  if (c.dialect() == store::Dialect::postgres) sql += " FOR UPDATE OF k";
  auto row = c.query_one(sql, {*key_id, key_hold ? key_hold->id : int64_t{0}});
  if (!row || row->is_null(0)) return INT64_MAX;
  int64_t own_hold = row->is_null(3) ? 0 : row->i64(3);
  // What this batch's earlier settlements charged the key is added to its row when the batch commits.
  auto queued = c.deferred.key_spent.find(*key_id);
  int64_t spent = row->i64(1) + (queued == c.deferred.key_spent.end() ? 0 : queued->second);
  return std::max<int64_t>(row->i64(0) - spent - (row->i64(2) - own_hold) - charged, 0);
}

}  // namespace

bool delivered(const store::UsageEvent& e) {
  return e.status == "ok" || e.completion_tokens > 0;
}

Owed owed(const Reservation& r, const store::UsageEvent& e) {
  Owed o;
  o.delivered = delivered(e);
  if (o.delivered && !r.web_free_call) {
    try {
      o.cost = money::list_cost(r.price, money::Tokens{e.prompt_tokens, e.completion_tokens, e.cached_tokens},
                                r.multiplier_ppm, r.answers);
    } catch (const std::overflow_error&) {
      o.cost = INT64_MAX / 4;  // absurd token counts: charge what the balance has (settle)
    }
  }
  if (o.delivered && r.app) {
    try {
      o.surcharge = money::surcharge(r.app->surcharge, o.cost);
    } catch (const std::overflow_error&) {
      o.surcharge = INT64_MAX / 4;
    }
  }
  return o;
}

void settle(store::Conn& c, const Reservation& r, store::UsageEvent& e) {
  // Settling twice changes nothing: each hold ends once (end_hold is conditional), each transfer has
  // its idempotency key, and the usage event is unique on the request id.
  e.allowance_uc = e.count_pack_uc = e.paid_uc = e.gift_uc = e.plan_daily_value = 0;  // a retried settle starts clean
  e.surcharge = e.surcharge_paid_uc = e.surcharge_gift_uc = e.creator_uc = 0;
  e.subscription_id.reset();
  e.user_pack_id.reset();
  const auto [cost, surcharge, delivered] = billing::owed(r, e);
  const bool owed = delivered && !r.web_free_call;
  e.cost = cost;
  e.priced = cost > 0;

  std::vector<const ledger::Hold*> credit_holds;
  const ledger::Hold* key_hold = nullptr;
  bool whole_call = false;  // an allowance or pack call paid for the model
  for (const auto& h : r.held) {
    if (h.source == "paid" || h.source == "gift") {
      credit_holds.push_back(&h);
      continue;
    }
    if (h.source == kKeyLimit) {
      key_hold = &h;
      continue;
    }
    bool keep = h.source == kWebFree ? delivered : owed;
    bool ended = ledger::end_hold(c, h.id, keep ? "posted" : "voided", keep ? 1 : 0);
    if (ended && !keep) undo(c, h);
    bool funded = keep && ended;
    if (keep && !ended) already_posted(c, h, funded);  // reaped holds fund nothing
    if (!funded) continue;
    if (h.source == kAllowance) {
      whole_call = true;
      e.allowance_uc = cost;
      e.subscription_id = h.ref_id;
      e.plan_daily_value = r.plan_daily_value;
    } else if (h.source == kCountPack) {
      whole_call = true;
      e.count_pack_uc = cost;
      e.user_pack_id = h.ref_id;
    }
  }

  const int64_t model_due = whole_call ? 0 : cost;
  const int64_t due = money::add(model_due, surcharge);
  Taker taker{c, e, model_due, surcharge};
  if (r.app) taker.app_name = &r.app->name;
  std::vector<int64_t> held;
  for (const auto* h : credit_holds) held.push_back(h->amount);
  auto parts = money::allocate(due, held);
  int64_t covered = 0;  // by holds, in this settlement or an earlier one
  for (std::size_t i = 0; i < credit_holds.size(); ++i) {
    const auto& h = *credit_holds[i];
    int64_t part = parts[i];
    if (!ledger::end_hold(c, h.id, part > 0 ? "posted" : "voided", part)) {
      bool was_posted = false;
      covered += already_posted(c, h, was_posted);
      continue;
    }
    covered += part;
    if (part == 0) {
      ledger::release(c, h.ref_id, h.amount);
      continue;
    }
    taker.take(h.ref_id, h.source == "paid", part, h.source, h.amount);
  }
  // A lease's part is posted to its hold, which keeps the rest for other calls. A lease the reaper
  // voided (or one whose opening never committed) covers nothing: the rest below pays.
  if (r.lease) {
    const auto& l = *r.lease;
    int64_t part = std::min(due, l.amount);
    if (part > 0 && ledger::post_to_lease(c, l.hold_id, l.account_id, part)) {
      covered += part;
      taker.take(l.account_id, l.paid, part, l.paid ? "paid" : "gift", part, true);
    }
  }

  // More was used than the holds covered (an upstream that ignored max_tokens, a tokenizer estimate
  // below the upstream's count, or holds the reaper voided during a very long stream): the rest is
  // taken from what the user has available, paid then gift, as far as it goes. What no balance
  // covers is the platform's loss, visible as cost above the funded parts of the usage event.
  if (due > covered && (owed || surcharge > 0)) {
    // A key's spending limit bounds this too: what the key has not spent nor holds for other calls
    // is all it may take; the platform absorbs the rest, as it does past the balance.
    int64_t left = std::min(due - covered, key_room(c, e.api_key_id, key_hold, taker.charged));
    for (std::string_view kind : {ledger::kPaid, ledger::kGift}) {
      if (left == 0) break;
      auto account = ledger::find(c, kind, e.user_id);
      int64_t take = account ? std::min(account->balance.available(), left) : 0;
      if (take <= 0) continue;
      if (taker.take(account->id, kind == ledger::kPaid, take, std::string(kind) + ":over", 0)) left -= take;
    }
  }
  e.surcharge = e.surcharge_paid_uc + e.surcharge_gift_uc;

  // The direct stream: the creator's share of what was paid of the surcharge from paid credits.
  if (r.app && r.app->user_app && e.surcharge_paid_uc > 0) {
    store::earnings::DirectCredit d;
    d.day = e.day;
    d.user_id = e.user_id;
    d.app_id = r.app->app_id;
    d.owner_id = r.app->owner_id;
    d.basis = e.surcharge_paid_uc;
    d.share_ppm = r.creator_share_ppm;
    d.key = "direct:" + e.request_id;
    d.request_id = e.request_id;
    d.at = e.created_at;
    e.creator_uc = store::earnings::credit_direct(c, d);
  }

  const int64_t charged = taker.charged;
  if (key_hold) {
    if (ledger::end_hold(c, key_hold->id, "posted", charged))
      c.exec("UPDATE api_keys SET spent = spent + $2, spent_held = spent_held - $3 WHERE id = $1",
             {key_hold->ref_id, charged, key_hold->amount});
    else if (charged > 0)  // the reaper voided the hold (and gave back what it held); the charge still counts
      c.deferred.touch(c.deferred.key_spent, key_hold->ref_id) += charged;
  } else if (e.api_key_id && charged > 0) {
    c.deferred.touch(c.deferred.key_spent, *e.api_key_id) += charged;  // the key's calls add to one row: once per batch
  }
  // A lease's charges carry no key of the call's own: a second settlement of it must not charge.
  if (!store::usage::insert(c, e) && r.lease)
    throw std::runtime_error("request " + e.request_id + " was settled before");
}

void void_holds(store::Conn& c, const std::string& request_id) {
  for (const auto& h : ledger::holds_of(c, request_id)) {
    if (h.status != "pending") continue;
    if (h.source == "paid" || h.source == "gift")
      ledger::void_credit_hold(c, h.id, h.ref_id);  // a lease's hold keeps what calls posted to it
    else if (ledger::end_hold(c, h.id, "voided", 0))
      undo(c, h);
  }
}

int reap_expired(store::Conn& c, int64_t now, int64_t limit) {
  auto requests = ledger::expired_requests(c, now, limit);
  for (const auto& id : requests) void_holds(c, id);
  return static_cast<int>(requests.size());
}

std::optional<Lease> open_lease(store::Conn& c, const Options& options, int64_t user_id, int64_t most, int64_t now,
                                const std::string& lease_id) {
  auto funds = store::funding::load(c, user_id, now, "");
  for (auto source : options.order) {
    // Whatever comes before the first credit source in the order would pay first: no lease then.
    if (source == money::Source::subscription) {
      if (funds.subscription_id) return std::nullopt;
      continue;
    }
    if (source == money::Source::count_pack) {
      if (funds.has_packs) return std::nullopt;
      continue;
    }
    const bool paid = source == money::Source::paid;
    auto account = paid ? funds.paid_account : funds.gift_account;
    int64_t available = paid ? funds.paid_available : funds.gift_available;
    if (!account || available < most) return std::nullopt;
    int64_t calls = std::max<int64_t>(options.lease_calls, 1);
    int64_t want = most > INT64_MAX / calls ? INT64_MAX : most * calls;
    // At most half of what is there beyond this call: the rest stays with other instances,
    // purchases and calls that hold on their own.
    int64_t amount = std::max(most, std::min(std::max(want, options.lease_min_uc), available / 2));
    if (!ledger::reserve(c, *account, amount)) return std::nullopt;
    ledger::Hold h;
    h.request_id = lease_id;
    h.user_id = user_id;
    h.source = std::string(money::to_string(source));
    h.ref_id = *account;
    h.amount = amount;
    h.created_at = now;
    // A call may take from the lease until lease_s and then run as long as a non-streamed call
    // may: after a crash the reaper gives the rest back that much later, not after hold_ttl_s.
    h.expires_at = now + options.lease_s + std::min(options.hold_ttl_s, options.lease_grace_s);
    return Lease{ledger::insert_hold(c, h), *account, paid, amount, now};
  }
  return std::nullopt;
}

namespace {
std::string random_instance_name() {
  std::random_device rd;
  uint64_t v = (uint64_t{rd()} << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

Meter::Meter(store::Database& db, store::GroupWriter& writer, const Clock& clock, Options options,
             std::chrono::milliseconds price_refresh)
    : db_(db),
      writer_(writer),
      clock_(clock),
      options_(std::move(options)),
      prices_(price_refresh),
      instance_(std::string(ledger::kLeasePrefix) + random_instance_name()) {
  if (options_.lease_s > 0) leases_ = std::make_unique<Leases>(options_.lease_s, options_.lease_idle_s);
}

awaitable<void> Meter::reload_prices() {
  co_await store::read(db_, [this](store::Conn& c) { prices_.reload(c); });
}

awaitable<Reservation> Meter::reserve(ChargeRequest r, std::function<int64_t()> count_prompt) {
  if (auto claim = prices_.claim_reload()) co_await reload_prices();
  money::Price price = prices_.price(r.model);
  int64_t multiplier = prices_.multiplier(r.group);
  Reservation res = plan(options_, r, price, multiplier);
  // No trip to the database when nothing can be owed (apps with a surcharge always go), but for a
  // client's request id, which is refused once used, as on a priced model.
  if (!res.app) {
    bool web_free = r.surface == "web" && price.web_free && price.web_free_daily_cap <= 0;
    if (price.mode == money::PriceMode::free || web_free) {
      res.web_free_call = web_free && price.mode != money::PriceMode::free;
      bool used = false;
      if (r.client_named)
        used = co_await store::read(db_, [&](store::Conn& c) { return store::usage::recorded(c, r.request_id); });
      if (used) throw Error(ErrorCode::conflict, "this request id was used before; send a new one");
      co_return res;
    }
  }
  if (price.mode == money::PriceMode::per_token && count_prompt) r.prompt_tokens = count_prompt();
  r.now = clock_.now_s();
  // A short call that only credits pay for is set aside from this instance's lease on them.
  if (leases_ && r.leasable && !(r.surface == "web" && price.web_free)) {
    set_max_costs(res, r, price.mode == money::PriceMode::free);
    const int64_t most = res.max_cost > INT64_MAX - res.max_surcharge ? INT64_MAX : res.max_cost + res.max_surcharge;
    if (most > 0) res.lease = co_await lease_ticket(r.user_id, most, r.now, r.request_id);
    if (res.lease) co_return res;
  }
  // A call with holds of its own (a stream, a client's request id, a key with a limit, or credits
  // split across sources): this instance's lease on the user's credits first gives back its room in
  // the same transaction, so the deduction order sees all the user has.
  for (int attempt = 0;; ++attempt) {
    bool leased_elsewhere = false;
    try {
      co_await store::group_write(writer_, r.user_id, [&](store::Conn& c) {
        give_back_room(c, r.user_id);
        try {
          res = billing::reserve(c, options_, r, price, multiplier);
        } catch (const ShortOfCredits&) {
          leased_elsewhere = others_lease(c, r.user_id);
          throw;
        }
      });
      co_return res;
    } catch (const Error&) {
      if (!leased_elsewhere || attempt == kLeaseWaits) throw;
    }
    // Other instances' leases hold credits this call needs: told (as a purchase tells them), they
    // give back what their calls in flight do not use, within milliseconds; this call waits a little.
    if (attempt == 0) {
      co_await store::write(db_, [&](store::Conn& c) { store::announce(c, "wallet:" + std::to_string(r.user_id)); });
    }
    boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
    pause.expires_after(std::chrono::milliseconds(25 << attempt));  // 25 ms, then twice as long: 775 ms in all
    co_await pause.async_wait(boost::asio::use_awaitable);
  }
}

awaitable<std::optional<LeaseTicket>> Meter::lease_ticket(int64_t user_id, int64_t most, int64_t now,
                                                          std::string request_id) {
  std::optional<LeaseTicket> ticket = leases_->take(user_id, most, now);
  if (ticket || leases_->declined(user_id, now)) co_return ticket;
  bool opened = false;
  try {
    co_await store::group_write(writer_, user_id, [&](store::Conn& c) { ticket = lease_for(c, user_id, most, now); });
    opened = true;
  } catch (const std::exception& ex) {
    spdlog::error("request {}: no lease on credits: {}", request_id, ex.what());
  }
  if (!opened) {
    // The write did not commit: a lease it opened names no hold.
    if (ticket) leases_->finish(user_id, *ticket, 0);
    ticket.reset();
    leases_->forget(user_id);
  }
  co_return ticket;
}

bool Meter::others_lease(store::Conn& c, int64_t user_id) {
  if (!leases_ || c.dialect() != store::Dialect::postgres) return false;  // SQLite serves one instance
  for (auto kind : {ledger::kPaid, ledger::kGift})
    if (auto account = ledger::find(c, kind, user_id); account && ledger::leased(c, account->id, instance_ + ":") > 0)
      return true;
  return false;
}

void Meter::give_back_room(store::Conn& c, int64_t user_id) {
  if (!leases_) return;
  if (auto old = leases_->retire(user_id)) ledger::shrink_hold(c, old->hold_id, old->account_id, old->room);
}

std::optional<LeaseTicket> Meter::lease_for(store::Conn& c, int64_t user_id, int64_t most, int64_t now) {
  if (auto ticket = leases_->take(user_id, most, now)) return ticket;
  // The open lease is too small or too old: it keeps what its calls in flight need, the rest goes
  // back to the account before the new one takes its share.
  give_back_room(c, user_id);
  auto lease = open_lease(c, options_, user_id, most, now, instance_ + ":" + std::to_string(++lease_seq_));
  if (!lease) {
    leases_->decline(user_id, now + options_.lease_s);
    return std::nullopt;
  }
  leases_->open(user_id, *lease);
  return leases_->take(user_id, most, now);
}

void Meter::finish(const Reservation& r, const store::UsageEvent& e) {
  if (!r.lease || !leases_) return;
  auto o = owed(r, e);
  int64_t due = o.cost > INT64_MAX - o.surcharge ? INT64_MAX : o.cost + o.surcharge;
  leases_->finish(r.user_id, *r.lease, std::min(due, r.lease->amount));
}

awaitable<LeasePause> Meter::give_back(int64_t user_id) {
  if (!leases_) co_return LeasePause{};
  // Other instances are told too, before what follows: if it fails for want of credits their leases
  // hold, its own announcement rolls back with it, and a retry should find them given back.
  if (db_.dialect() == store::Dialect::postgres) {
    auto tell_others = [&user_id](store::Conn& c) { store::announce(c, "wallet:" + std::to_string(user_id)); };
    co_await store::write(db_, tell_others);
  }
  // No new lease until the purchase after this has committed (it runs on the database pool); the
  // time bound only matters if the pause is never ended.
  leases_->decline(user_id, clock_.now_s() + options_.lease_s);
  LeasePause pause(leases_.get(), user_id);
  co_await store::group_write(writer_, user_id, [&](store::Conn& c) {
    give_back_room(c, user_id);  // an open lease with calls in flight keeps only what they need
    for (const auto& d : leases_->drained(user_id)) ledger::void_credit_hold(c, d.hold_id, d.account_id);
  });
  co_return pause;
}

void Meter::retire_all_leases() {
  if (!leases_) return;
  for (int64_t user_id : leases_->users()) retire_lease(user_id);
}

void Meter::retire_lease(int64_t user_id) {
  if (!leases_ || !leases_->holds(user_id)) return;  // every instance hears every wallet change
  writer_.submit(
      user_id,
      [this, user_id](store::Conn& c) {
        give_back_room(c, user_id);
        for (const auto& d : leases_->drained(user_id)) ledger::void_credit_hold(c, d.hold_id, d.account_id);
      },
      [user_id](std::exception_ptr error) {
        if (error) spdlog::error("user {}: lease not given back now (it is when it ends)", user_id);
      });
}

std::size_t Meter::sweep_leases(bool all) {
  if (!leases_) return 0;
  auto done = leases_->drain(clock_.now_s(), all);
  // In the user's lane, after the settlements queued before: the lease's hold has its posts first.
  for (const auto& d : done)
    writer_.submit(
        d.user_id, [d](store::Conn& c) { ledger::void_credit_hold(c, d.hold_id, d.account_id); },
        [hold = d.hold_id](std::exception_ptr error) {
          if (error) spdlog::error("lease hold {} not voided now (the reaper voids it when it expires)", hold);
        });
  return done.size();
}

awaitable<void> Meter::release(Reservation r) {
  if (r.lease && leases_) leases_->finish(r.user_id, *r.lease, 0);
  if (!r.holds) co_return;
  std::string id = r.request_id;
  // Captured by reference: g++ 12 destroys a by-value capture of a temporary in a co_await twice.
  co_await store::group_write(writer_, r.user_id, [&id](store::Conn& c) { void_holds(c, id); });
}

}  // namespace plaza::billing
