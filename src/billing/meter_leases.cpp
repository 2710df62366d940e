// Leases on a user's credits (leases.hpp): opening one, a call's share of it, and giving back
// what calls in flight do not need when something changes what pays for the user's calls.
#include "billing/meter.hpp"

#include <spdlog/spdlog.h>

#include "store/async.hpp"
#include "store/billing_repo.hpp"
#include "store/changes.hpp"
#include "store/ledger_repo.hpp"

namespace plaza::billing {

namespace ledger = store::ledger;

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
}  // namespace plaza::billing
