#pragma once
// Creator revenue: the daily settlement (exactly once across instances, resumable), clearing,
// the creator's dashboard, conversions and payouts, and the admin's freezes, reversals and payout
// queue. DESIGN, creator earnings, has the formulas; store/earnings_repo the SQL.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/earnings_repo.hpp"
#include "store/records.hpp"

namespace plaza::services {

using boost::asio::awaitable;

// A day is settled no sooner than this after its end: the usage rows of calls that ended just before
// midnight may still be on their way (a free call's row is queued, and retried when a write fails).
inline constexpr int64_t kSettleAfterSeconds = 300;

struct EarningsOptions {
  store::earnings::Shares shares;
  int64_t creator_share_ppm = 700'000;
  int clearing_days = 7;
  int64_t payout_minimum = 0;  // µc; each payout a person pays by hand costs the operator work
  int settlement_hour = 4;
  int64_t batch_users = 5000;
  int64_t lease_s = 120;
  std::string instance;                                      // who holds a lease: host, process and a random part
  std::vector<std::string> credit_order = {"paid", "gift"};  // for unlocks: the order's credit sources
};

// Settles days. Blocking calls: the command line, tests and the worker thread use them.
class Settlement {
 public:
  Settlement(store::Database& db, const Clock& clock, EarningsOptions options);
  ~Settlement();

  enum class Outcome { settled, already_done, busy };
  struct Report {
    Outcome outcome = Outcome::settled;
    int64_t batches = 0;
    int64_t rows = 0;
    int64_t amount = 0;
  };
  // Settles `day` under the day's lease; `rerun` reopens a finished day (only missing rows are
  // added); `take_over` takes a lease whose holder is known to be dead. `after_batch` runs after
  // every committed batch (tests stop a run there, as a crash would).
  Report settle_day(const std::string& day, bool rerun = false, bool take_over = false,
                    const std::function<void(int64_t batch)>& after_batch = {});
  // Pending rows past their clearing days (and not frozen) become available. Returns how many.
  int64_t clear_due();
  // The scheduler's minute: settles yesterday once its hour has come, resumes runs whose holder
  // died, and clears. Blocking.
  void tick();

  // The background worker (admin re-runs, the scheduler's ticks): queues a day (an empty day is a
  // tick); false when it is queued already.
  bool enqueue(const std::string& day, bool rerun);
  void stop();

  const EarningsOptions& options() const { return options_; }

 private:
  void work();

  store::Database& db_;
  const Clock& clock_;
  EarningsOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, bool>> queue_;
  bool stopping_ = false;
  std::atomic<bool> halt_{false};  // shutting down: a day being settled stops after its batch
  std::thread worker_;
};

struct FreezeRequest {
  std::string scope;  // app | creator
  std::string name;   // the app's slug or the creator's username
  std::string reason;
};

class Earnings {
 public:
  Earnings(store::Database& db, const Clock& clock, Settlement& settlement)
      : db_(db), clock_(clock), settlement_(settlement) {}

  // A creator's page: balances, the last `days` by stream and app, and their latest payouts — one
  // trip to the database pool.
  struct Page {
    store::earnings::Summary summary;
    std::vector<store::earnings::Payout> payouts;
  };
  awaitable<Page> page(store::User me, int days);
  awaitable<void> convert(store::User me, int64_t amount, std::string request_key);
  awaitable<store::earnings::Payout> request_payout(store::User me, int64_t amount, std::string destination);

  awaitable<std::vector<store::earnings::RunSummary>> runs(int64_t limit);
  // Queues the day on this instance's worker. Error(conflict) while another instance holds it.
  awaitable<store::earnings::Run> start_run(store::User admin, std::string day);
  awaitable<std::vector<store::earnings::Freeze>> freezes();
  awaitable<store::earnings::Freeze> freeze(store::User admin, FreezeRequest r);
  awaitable<void> lift(store::User admin, int64_t freeze_id);
  awaitable<store::earnings::Reversal> reverse(store::User admin, FreezeRequest r);
  awaitable<std::vector<store::earnings::Payout>> payouts(std::string status);
  awaitable<store::earnings::Payout> decide_payout(store::User admin, int64_t id, bool paid, std::string text);

  const EarningsOptions& options() const { return settlement_.options(); }

 private:
  store::Database& db_;
  const Clock& clock_;
  Settlement& settlement_;
};

// host:pid:random, for leases.
std::string instance_name();
// The settings (shares, clearing days, settlement hour, batches, lease) from the configuration.
EarningsOptions earnings_options(const Config& config);

}  // namespace plaza::services
