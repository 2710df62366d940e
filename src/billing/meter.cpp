// Meter: placing a request's holds before it is relayed (reserve), and giving them back when it is
// refused before any upstream call (release). Settling a finished call is in meter_settlement.cpp,
// the leases on a user's credits in meter_leases.cpp.
#include "billing/meter.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <random>

#include "billing/meter_internal.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "store/async.hpp"
#include "store/billing_repo.hpp"
#include "store/changes.hpp"
#include "store/ledger_repo.hpp"
#include "store/relay_repo.hpp"

namespace plaza::billing {

namespace ledger = store::ledger;
using namespace meter_internal;

namespace {

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

awaitable<void> Meter::release(Reservation r) {
  if (r.lease && leases_) leases_->finish(r.user_id, *r.lease, 0);
  if (!r.holds) co_return;
  std::string id = r.request_id;
  // Captured by reference: g++ 12 destroys a by-value capture of a temporary in a co_await twice.
  co_await store::group_write(writer_, r.user_id, [&id](store::Conn& c) { void_holds(c, id); });
}
}  // namespace plaza::billing
