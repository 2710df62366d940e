#pragma once
// Charging a request (DESIGN, request lifecycle): before it is relayed, its maximum cost is set
// aside from the funding sources in deduction order (a subscription allowance or count-pack call,
// or holds on paid and gift credits); afterwards one transaction posts the actual cost, releases the
// rest and writes the usage event. The synchronous functions take the caller's transaction; Meter
// runs them from coroutines (settlement through the group writer).
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "billing/leases.hpp"
#include "billing/price_book.hpp"
#include "core/clock.hpp"
#include "core/money.hpp"
#include "store/database.hpp"
#include "store/group_writer.hpp"
#include "store/ledger_repo.hpp"
#include "store/relay_records.hpp"

namespace plaza::billing {

using boost::asio::awaitable;

struct Options {
  std::vector<money::Source> order = {money::Source::subscription, money::Source::count_pack, money::Source::paid,
                                      money::Source::gift};
  int64_t hold_ttl_s = 1800;            // longer than any request may run; the reaper voids holds past it
  int64_t creator_share_ppm = 700'000;  // of surcharges paid from paid credits (the direct stream)
  // Leases (leases.hpp): how long one takes calls (0: no leases), after how long without a call it
  // is given back, and its size: enough for `lease_calls` calls at their worst case, at least
  // `lease_min_uc`, at most what the user has.
  int64_t lease_s = 10;
  int64_t lease_idle_s = 2;
  int64_t lease_calls = 16;
  int64_t lease_min_uc = 100'000;
  int64_t lease_grace_s = 600;  // longer than a non-streamed call may run: a lease's hold outlives its use by this
};

// A chat with an app: who earns from it and what it adds to the model's cost.
struct AppCharge {
  int64_t app_id = 0;
  int64_t owner_id = 0;
  bool user_app = false;  // system apps never earn creator revenue
  money::Surcharge surcharge;
  std::string name;  // "app/<slug>": what the buyer's wallet names its surcharge by
};

struct ChargeRequest {
  int64_t user_id = 0;
  std::optional<int64_t> key_id;
  bool key_limited = false;  // the key has a spending limit: its credits are held against it too
  std::string group = "default";
  std::string surface = "api";
  std::string model;
  std::string request_id;
  int64_t prompt_tokens = 0;
  std::optional<int64_t> max_tokens;
  // Without max_tokens: the longest answer a channel asks for on its own (0: none does); the hold
  // covers it when it is longer than the price's assumption.
  int64_t default_answer_tokens = 0;
  int64_t choices = 1;  // n: answers asked for
  // May be funded from a lease (Meter::reserve): a short call (not a stream) with a request id the
  // server made (a client's own id is checked against earlier use) and no key spending limit.
  bool leasable = false;
  bool client_named = false;  // the request id is the client's (X-Request-Id): one use per charge
  int64_t now = 0;
  std::optional<AppCharge> app;  // surcharged when it has a surcharge and the user is not its owner
};

// What reserve() decided, carried to settle(). Holds themselves live in the database.
struct Reservation {
  std::string request_id;
  int64_t user_id = 0;
  money::Price price;
  int64_t multiplier_ppm = money::kPpmOne;
  int64_t answers = 1;  // n held for; Relay::record lowers it to the answers delivered (a per-call price is per answer)
  bool web_free_call = false;  // free on the web within the fair-use cap: nothing is owed
  int64_t max_cost = 0;        // of the model
  int64_t max_surcharge = 0;   // of the app, on top
  std::optional<AppCharge> app;
  int64_t creator_share_ppm = 0;
  int64_t plan_daily_value = 0;           // of the subscription whose allowance funds the call
  bool holds = false;                     // anything was set aside
  std::vector<store::ledger::Hold> held;  // in deduction order, with their ids
  std::optional<LeaseTicket> lease;       // instead of holds: the maximum cost set aside from a lease

  // Nothing can be owed whatever the call uses: a free model, no surcharge, nothing held. Its
  // settlement only writes the usage event.
  bool owes_nothing() const { return !holds && !lease && !app && price.mode == money::PriceMode::free; }
};

// While it lives, no lease opens for the user (Meter::give_back).
class LeasePause {
 public:
  LeasePause() = default;
  LeasePause(Leases* leases, int64_t user_id) : leases_(leases), user_id_(user_id) {}
  LeasePause(LeasePause&& o) noexcept : leases_(std::exchange(o.leases_, nullptr)), user_id_(o.user_id_) {}
  LeasePause& operator=(LeasePause&&) = delete;
  ~LeasePause() {
    if (leases_) leases_->decline(user_id_, 0);
  }

 private:
  Leases* leases_ = nullptr;
  int64_t user_id_ = 0;
};

// What a finished call owes, from its usage event's tokens and status (settle() charges it).
struct Owed {
  int64_t cost = 0;       // the model's
  int64_t surcharge = 0;  // the app's
  bool delivered = false;
};
Owed owed(const Reservation& r, const store::UsageEvent& e);
// The call delivered an answer, or part of one: only then is anything charged.
bool delivered(const store::UsageEvent& e);

// Places the holds in one transaction. Throws Error(insufficient_balance) when the sources cannot
// cover the maximum cost (nothing is kept), Error(conflict) when the request id was used before.
Reservation reserve(store::Conn& c, const Options& options, const ChargeRequest& r, const money::Price& price,
                    int64_t multiplier_ppm);
// Fills e's money fields from its tokens and status, posts what is owed, releases the rest, and
// writes the usage event. Idempotent on the request id.
void settle(store::Conn& c, const Reservation& r, store::UsageEvent& e);
// Voids every pending hold of a request: credits released, allowance and pack calls given back.
void void_holds(store::Conn& c, const std::string& request_id);
// Voids the holds of requests whose holds expired (a crashed instance's). Returns how many requests.
int reap_expired(store::Conn& c, int64_t now, int64_t limit);
// Opens a lease on the user's credits for calls of up to `most` µc: a pending hold named
// `lease_id` on the first credit source in the order, when nothing before it in the order (a
// subscription, a count pack) can pay and it has `most` available. Nothing otherwise.
std::optional<Lease> open_lease(store::Conn& c, const Options& options, int64_t user_id, int64_t most, int64_t now,
                                const std::string& lease_id);

class Meter {
 public:
  Meter(store::Database& db, store::GroupWriter& writer, const Clock& clock, Options options,
        std::chrono::milliseconds price_refresh);

  // `count_prompt` runs only when the price depends on tokens.
  awaitable<Reservation> reserve(ChargeRequest r, std::function<int64_t()> count_prompt);
  awaitable<void> release(Reservation r);  // the request was refused before any upstream call
  // The call is over and `e` is its usage event: what it owes is posted to its lease, in memory
  // (settle() writes it). Call it once for a reservation with a lease, before its settlement.
  void finish(const Reservation& r, const store::UsageEvent& e);
  // Something changes what pays for the user's calls (a purchase, a code, a grant): the user's
  // leases here take no more calls and give back all that no call in flight needs before this
  // returns (the purchase can then spend it), and none opens until the returned pause ends (the
  // purchase is written). Other instances are told before (and hear of the change again when it
  // commits): they retire_lease().
  awaitable<LeasePause> give_back(int64_t user_id);
  // Another instance changed what pays for the user's calls: the user's lease here takes no more
  // calls, and what no call in flight needs goes back to the account (queued in the user's lane).
  void retire_lease(int64_t user_id);
  // This instance may have missed such changes (it could not listen for a while): retire_lease()
  // for every user it holds a lease for.
  void retire_all_leases();
  // Voids the holds of leases that are done (old, idle, retired) on the writer; `all` when shutting
  // down. Returns how many.
  std::size_t sweep_leases(bool all = false);
  std::size_t leases_open() const { return leases_ ? leases_->size() : 0; }
  PriceBook& prices() { return prices_; }
  // Reads the price book again, on the database pool. Callers hold prices().claim_reload() first,
  // so a coroutine frame is made only when a reload is due (as Relay::reload_channels).
  awaitable<void> reload_prices();
  const Options& options() const { return options_; }

 private:
  // A call's share of the user's lease here: from memory, else from a lease opened (or renewed) by
  // a write in the user's lane. Nothing when the user cannot have one now.
  awaitable<std::optional<LeaseTicket>> lease_ticket(int64_t user_id, int64_t most, int64_t now,
                                                     std::string request_id);
  // On the writer thread, in the user's lane: the lease a queued write opened just before, or a new
  // one (the old one retired and its room given back). Nothing when the user cannot have one.
  std::optional<LeaseTicket> lease_for(store::Conn& c, int64_t user_id, int64_t most, int64_t now);
  // The user's open lease here takes no more calls and gives back its room, in c's transaction.
  void give_back_room(store::Conn& c, int64_t user_id);
  // Leases (other instances', once this one gave back its room) hold some of the user's credits.
  bool others_lease(store::Conn& c, int64_t user_id);
  // How often a call short of credits that other instances' leases hold waits for them to give back.
  static constexpr int kLeaseWaits = 5;

  store::Database& db_;
  store::GroupWriter& writer_;
  const Clock& clock_;
  Options options_;
  PriceBook prices_;
  std::unique_ptr<Leases> leases_;  // null: no leases (lease_s 0)
  std::string instance_;            // names this instance's leases
  std::atomic<int64_t> lease_seq_{0};
};

}  // namespace plaza::billing
