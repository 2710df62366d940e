#include "services/earnings.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/money.hpp"
#include "crypto/crypto.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

namespace earn = store::earnings;

// How far back a tick settles days that no tick reached (an outage across settlement hours).
constexpr int kCatchUpDays = 7;

std::string instance_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + crypto::random_base62(6);
}

EarningsOptions earnings_options(const Config& config) {
  EarningsOptions o;
  o.shares.subscription_pool_ppm = config.subscription_pool_ppm;
  o.shares.pack_pool_ppm = config.pack_pool_ppm;
  o.creator_share_ppm = config.creator_share_ppm;
  o.clearing_days = config.clearing_days;
  o.payout_minimum = config.payout_minimum;
  o.settlement_hour = config.settlement_hour;
  o.batch_users = config.settlement_batch_users;
  o.lease_s = config.settlement_lease_seconds;
  o.credit_order.clear();
  for (auto s : money::parse_deduction_order(config.deduction_order))
    if (s == money::Source::paid || s == money::Source::gift) o.credit_order.emplace_back(money::to_string(s));
  return o;
}

// ---- Settlement -----------------------------------------------------------------------------

Settlement::Settlement(store::Database& db, const Clock& clock, EarningsOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {
  if (options_.instance.empty()) options_.instance = instance_name();
}

Settlement::~Settlement() {
  stop();
}

Settlement::Report Settlement::settle_day(const std::string& day, bool rerun, bool take_over,
                                          const std::function<void(int64_t)>& after_batch) {
  if (!is_day(day)) throw Error(ErrorCode::invalid_request, "a day is YYYY-MM-DD", "day");
  if (day >= local_day(clock_.now_s() - kSettleAfterSeconds))
    throw Error(ErrorCode::invalid_request, "only days that ended five minutes ago or more can be settled", "day");
  const auto& me = options_.instance;
  Report report;
  auto lease = db_.write_sync(
      [&](store::Conn& c) { return earn::take_lease(c, day, me, clock_.now_s(), options_.lease_s, rerun, take_over); });
  if (lease == earn::LeaseResult::done) {
    report.outcome = Outcome::already_done;
    return report;
  }
  if (lease == earn::LeaseResult::busy) {
    report.outcome = Outcome::busy;
    return report;
  }
  int64_t cursor = db_.read_sync([&](store::Conn& c) { return earn::run(c, day)->cursor; });
  // Users in id ranges: each batch reads its users' calls from the day's index and writes their
  // rows in one short transaction, so neither memory nor lock time grows with the day.
  for (;;) {
    auto next = db_.read_sync([&](store::Conn& c) { return earn::next_user(c, day, cursor); });
    if (!next) break;
    const int64_t hi = *next + options_.batch_users;
    auto batch = db_.write_sync([&](store::Conn& c) {
      return earn::settle_batch(c, day, me, cursor, hi, options_.shares, clock_.now_s(), options_.lease_s);
    });
    cursor = hi;
    ++report.batches;
    report.rows += batch.rows;
    report.amount += batch.amount;
    if (after_batch) after_batch(report.batches);
    if (halt_) {
      // Shutting down: the lease runs out and any instance (this one after its restart) resumes here.
      spdlog::info("settlement of {} paused at user {} for shutdown", day, cursor);
      report.outcome = Outcome::busy;
      return report;
    }
  }
  if (!db_.write_sync([&](store::Conn& c) { return earn::finish(c, day, me, clock_.now_s()); }))
    throw earn::LeaseLost("the settlement of " + day + " was taken over before it finished");
  spdlog::info("settled {}: {} batches, {} rows, {} µc", day, report.batches, report.rows, report.amount);
  return report;
}

int64_t Settlement::clear_due() {
  const int64_t now = clock_.now_s();
  // A row clears once `clearing_days` whole days have passed after its day ended.
  const std::string cutoff = local_day(now - int64_t{options_.clearing_days} * 86'400);
  int64_t total = 0;
  for (;;) {
    int64_t n = db_.write_sync([&](store::Conn& c) { return earn::clear_batch(c, cutoff, now, 1000); });
    total += n;
    if (n < 1000) break;
  }
  return total;
}

void Settlement::tick() {
  const int64_t now = clock_.now_s();
  std::vector<std::string> days;
  if (local_hour(now) >= options_.settlement_hour) {
    // Yesterday, and any of the days before it that no tick settled (every instance was down past
    // a day's settlement hour): oldest first, within kCatchUpDays (older ones: `plaza settle`).
    const std::string yesterday = add_days(local_day(now - kSettleAfterSeconds), -1);
    const std::string first = add_days(yesterday, -(kCatchUpDays - 1));
    auto settled = db_.read_sync([&](store::Conn& c) { return earn::settled_days_from(c, first); });
    for (std::string day = first; day <= yesterday; day = add_days(day, 1))
      if (std::find(settled.begin(), settled.end(), day) == settled.end()) days.push_back(day);
  }
  for (auto& d : db_.read_sync([&](store::Conn& c) { return earn::stalled_days(c, now); }))
    if (std::find(days.begin(), days.end(), d) == days.end()) days.push_back(d);
  for (const auto& d : days) {
    try {
      settle_day(d);
    } catch (const std::exception& e) {
      spdlog::error("settlement of {} stopped: {} (it resumes on the next tick)", d, e.what());
    }
  }
  clear_due();
}

bool Settlement::enqueue(const std::string& day, bool rerun) {
  std::lock_guard lock(mutex_);
  for (const auto& q : queue_)
    if (q.first == day) return false;
  queue_.emplace_back(day, rerun);
  if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
  wake_.notify_one();
  return true;
}

void Settlement::stop() {
  halt_ = true;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Settlement::work() {
  for (;;) {
    std::pair<std::string, bool> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
    }
    try {
      if (job.first.empty()) {
        tick();
      } else {
        settle_day(job.first, job.second);
        clear_due();  // what the day made may be due at once (clearing_days 0)
      }
    } catch (const std::exception& e) {
      spdlog::error("settlement of {} stopped: {}", job.first, e.what());
    }
    std::lock_guard lock(mutex_);
    queue_.pop_front();
  }
}

// ---- Earnings -------------------------------------------------------------------------------

namespace {

int64_t resolve(store::Conn& c, const FreezeRequest& r) {
  if (r.scope == "app") {
    auto row = c.query_one("SELECT id FROM apps WHERE slug = $1", {r.name});
    if (!row) throw Error(ErrorCode::not_found, "no such app", "name");
    return row->i64(0);
  }
  if (r.scope == "creator") {
    auto user = store::users::find_by_username(c, r.name);
    if (!user) throw Error(ErrorCode::not_found, "no such user", "name");
    return user->id;
  }
  throw Error(ErrorCode::invalid_request, "scope is app or creator", "scope");
}

void check_reason(const std::string& reason) {
  if (reason.empty() || reason.size() > 500)
    throw Error(ErrorCode::invalid_request, "give a reason (up to 500 characters)", "reason");
}

void check_amount(int64_t amount) {
  if (amount <= 0) throw Error(ErrorCode::invalid_request, "the amount is above zero", "amount");
}

}  // namespace

awaitable<Earnings::Page> Earnings::page(store::User me, int days) {
  std::string from = add_days(local_day(clock_.now_s()), -std::clamp(days, 1, 366) + 1);
  co_return co_await store::read(db_, [&](store::Conn& c) {
    return Page{earn::summary(c, me.id, from), earn::payouts(c, me.id, "", 50)};
  });
}

awaitable<void> Earnings::convert(store::User me, int64_t amount, std::string request_key) {
  check_amount(amount);
  int64_t now = clock_.now_s();
  std::string key =
      "convert:" + std::to_string(me.id) + ":" + (request_key.empty() ? crypto::random_token() : request_key);
  co_await store::write(db_, [&](store::Conn& c) {
    earn::convert(c, me.id, amount, key, now);
    store::announce(c, "wallet:" + std::to_string(me.id));  // other instances' leases give back (store/changes.hpp)
  });
}

awaitable<earn::Payout> Earnings::request_payout(store::User me, int64_t amount, std::string destination) {
  check_amount(amount);
  if (amount < options().payout_minimum)
    throw Error(ErrorCode::invalid_request,
                "a payout is at least " + money::format_credits(options().payout_minimum) + " credits", "amount");
  if (destination.empty() || destination.size() > 300)
    throw Error(ErrorCode::invalid_request, "say where to pay (up to 300 characters)", "destination");
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto p = earn::request_payout(c, me.id, amount, destination, now);
    store::audit::record(c, me.id, "payout.request", "payout:" + std::to_string(p.id), std::to_string(amount), now);
    return p;
  });
}

awaitable<std::vector<earn::RunSummary>> Earnings::runs(int64_t limit) {
  co_return co_await store::read(db_,
                                 [&](store::Conn& c) { return earn::runs(c, std::clamp<int64_t>(limit, 1, 400)); });
}

awaitable<earn::Run> Earnings::start_run(store::User admin, std::string day) {
  if (!is_day(day)) throw Error(ErrorCode::invalid_request, "a day is YYYY-MM-DD", "day");
  int64_t now = clock_.now_s();
  if (day >= local_day(now - kSettleAfterSeconds))
    throw Error(ErrorCode::invalid_request, "only days that ended five minutes ago or more can be settled", "day");
  auto run = co_await store::write(db_, [&](store::Conn& c) {
    auto r = earn::run(c, day);
    if (r && r->status == "running" && r->lease_until >= now && !r->lease_owner.empty())
      throw Error(ErrorCode::conflict, "this day is being settled right now");
    store::audit::record(c, admin.id, "settlement.run", "day:" + day, r ? "re-run" : "", now);
    return r.value_or(earn::Run{day, "running", 0, "", 0, 0, 0, now, std::nullopt});
  });
  settlement_.enqueue(day, true);
  co_return run;
}

awaitable<std::vector<earn::Freeze>> Earnings::freezes() {
  co_return co_await store::read(db_, [](store::Conn& c) { return earn::active_freezes(c); });
}

awaitable<earn::Freeze> Earnings::freeze(store::User admin, FreezeRequest r) {
  check_reason(r.reason);
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    int64_t ref = resolve(c, r);
    int64_t id = earn::freeze(c, r.scope, ref, r.reason, admin.id, now);
    store::audit::record(c, admin.id, "earnings.freeze", r.scope + ":" + r.name, r.reason, now);
    for (auto& f : earn::active_freezes(c))
      if (f.id == id) return f;
    throw Error(ErrorCode::internal, "the freeze vanished");
  });
}

awaitable<void> Earnings::lift(store::User admin, int64_t freeze_id) {
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    if (!earn::lift(c, freeze_id, now)) throw Error(ErrorCode::not_found, "no such active freeze");
    store::audit::record(c, admin.id, "earnings.unfreeze", "freeze:" + std::to_string(freeze_id), "", now);
  });
}

awaitable<earn::Reversal> Earnings::reverse(store::User admin, FreezeRequest r) {
  check_reason(r.reason);
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    int64_t ref = resolve(c, r);
    auto result = earn::reverse(c, r.scope, ref, r.reason, now);
    store::audit::record(c, admin.id, "earnings.reverse", r.scope + ":" + r.name,
                         std::to_string(result.rows) + " rows, " + std::to_string(result.amount) + " µc: " + r.reason,
                         now);
    return result;
  });
}

awaitable<std::vector<earn::Payout>> Earnings::payouts(std::string status) {
  if (!status.empty() && status != "requested" && status != "paid" && status != "rejected")
    throw Error(ErrorCode::invalid_request, "status is requested, paid or rejected", "status");
  co_return co_await store::read(db_, [&](store::Conn& c) { return earn::payouts(c, std::nullopt, status, 200); });
}

awaitable<earn::Payout> Earnings::decide_payout(store::User admin, int64_t id, bool paid, std::string text) {
  if (text.empty() || text.size() > 300)
    throw Error(ErrorCode::invalid_request, paid ? "give the payment's reference" : "give a reason",
                paid ? "reference" : "reason");
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto p = earn::decide_payout(c, id, paid, text, admin.id, now);
    if (!p) throw Error(ErrorCode::conflict, "this payout was decided already");
    store::audit::record(c, admin.id, paid ? "payout.paid" : "payout.reject", "payout:" + std::to_string(id), text,
                         now);
    return *p;
  });
}

}  // namespace plaza::services
