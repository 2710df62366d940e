#pragma once
// Charging a request (DESIGN, request lifecycle): before it is relayed, its maximum cost is set
// aside from the funding sources in deduction order (a subscription allowance or count-pack call,
// or holds on paid and gift credits); afterwards one transaction posts the actual cost, releases the
// rest and writes the usage event. The synchronous functions take the caller's transaction; Meter
// runs them from coroutines (settlement through the group writer).
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

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
};

// A chat with an app: who earns from it and what it adds to the model's cost.
struct AppCharge {
  int64_t app_id = 0;
  int64_t owner_id = 0;
  bool user_app = false;  // system apps never earn creator revenue
  money::Surcharge surcharge;
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
  int64_t choices = 1;  // n: answers asked for
  int64_t now = 0;
  std::optional<AppCharge> app;  // surcharged when it has a surcharge and the user is not its owner
};

// What reserve() decided, carried to settle(). Holds themselves live in the database.
struct Reservation {
  std::string request_id;
  int64_t user_id = 0;
  money::Price price;
  int64_t multiplier_ppm = money::kPpmOne;
  bool web_free_call = false;  // free on the web within the fair-use cap: nothing is owed
  int64_t max_cost = 0;        // of the model
  int64_t max_surcharge = 0;   // of the app, on top
  std::optional<AppCharge> app;
  int64_t creator_share_ppm = 0;
  int64_t plan_daily_value = 0;           // of the subscription whose allowance funds the call
  bool holds = false;                     // anything was set aside
  std::vector<store::ledger::Hold> held;  // in deduction order, with their ids

  // Nothing can be owed whatever the call uses: a free model, no surcharge, nothing held. Its
  // settlement only writes the usage event.
  bool owes_nothing() const { return !holds && !app && price.mode == money::PriceMode::free; }
};

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

class Meter {
 public:
  Meter(store::Database& db, store::GroupWriter& writer, const Clock& clock, Options options,
        std::chrono::milliseconds price_refresh);

  // `count_prompt` runs only when the price depends on tokens.
  awaitable<Reservation> reserve(ChargeRequest r, std::function<int64_t()> count_prompt);
  awaitable<void> release(Reservation r);  // the request was refused before any upstream call
  PriceBook& prices() { return prices_; }
  const Options& options() const { return options_; }

 private:
  store::Database& db_;
  store::GroupWriter& writer_;
  const Clock& clock_;
  Options options_;
  PriceBook prices_;
};

}  // namespace plaza::billing
