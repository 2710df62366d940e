// Settling a finished call: what it owes, posted from its holds (and its lease), the rest given
// back, anything used beyond the holds taken from what the user has, and the usage event written;
// and voiding the holds of requests that never settle.
#include "billing/meter.hpp"

#include <stdexcept>

#include "billing/meter_internal.hpp"
#include "store/billing_repo.hpp"
#include "store/earnings_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/relay_repo.hpp"

namespace plaza::billing {

namespace ledger = store::ledger;
using namespace meter_internal;

namespace {

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
}  // namespace plaza::billing
