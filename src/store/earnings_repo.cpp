#include "store/earnings_repo.hpp"

#include <functional>
#include <map>

#include "core/error.hpp"
#include "core/money.hpp"
#include "store/apps_repo.hpp"
#include "store/ledger_repo.hpp"

namespace plaza::store::earnings {

namespace {

int64_t revenue() {
  return ledger::platform_account(ledger::kRevenue);
}

// Moves each creator's sum in one transfer; `key_of(owner)` names it. Platform sides go through
// the deferred deltas like every other transfer.
void transfer_per_owner(Conn& c, const std::map<int64_t, int64_t>& per_owner, std::string_view from_kind,
                        std::string_view to_kind, const std::string& kind, const std::string& memo,
                        const std::function<std::string(int64_t)>& key_of, int64_t now) {
  for (const auto& [owner, amount] : per_owner) {
    if (amount <= 0) continue;
    ledger::Transfer t;
    t.key = key_of(owner);
    t.debit = ledger::account(c, from_kind, ledger::is_platform_kind(from_kind) ? 0 : owner);
    t.credit = ledger::account(c, to_kind, ledger::is_platform_kind(to_kind) ? 0 : owner);
    t.amount = amount;
    t.kind = kind;
    t.user_id = owner;
    t.memo = memo;
    t.at = now;
    ledger::transfer(c, t);
  }
}

struct Ended {
  std::map<int64_t, int64_t> per_owner;  // what the rows held
  int64_t first = 0;                     // the lowest id (for idempotency keys)
  int64_t rows = 0;
};

// Ends the pending rows among `ids` (`set` is the statement's SET clause, whose parameters start at
// $2) and says what they held. The rows are claimed by the update
// itself: on PostgreSQL (read committed) a clearing and a reversal that read the same pending rows
// each wait for the other's update and then skip the rows it took, so no row ends twice.
Ended end_pending(Conn& c, const std::vector<int64_t>& ids, const std::string& set, std::vector<Value> params) {
  params.insert(params.begin(), id_array(c.dialect(), ids));
  auto rows = c.query("UPDATE earnings SET " + set + " WHERE status = 'pending' AND " + among(c.dialect(), "id", "$1") +
                          " RETURNING id, owner_id, amount",
                      params);
  Ended ended;
  ended.first = INT64_MAX;
  for (const auto& r : rows.rows) {
    ended.first = std::min(ended.first, r.i64(0));
    ended.per_owner[r.i64(1)] += r.i64(2);
    ++ended.rows;
  }
  return ended;
}

}  // namespace

int64_t credit_direct(Conn& c, const DirectCredit& d) {
  if (d.basis <= 0) return 0;
  if (c.query_one("SELECT 1 FROM ledger_transfers WHERE idempotency_key = $1", {d.key})) return 0;
  // The row first: a reversed row takes no more (the upsert's WHERE), and then nothing moves. The
  // upsert locks the row, so the share computed from it stands until this transaction ends.
  auto row = c.query_one(
      "INSERT INTO earnings (day, user_id, app_id, stream, owner_id, amount, basis, calls, created_at) "
      "VALUES ($1, $2, $3, 'direct', $4, 0, $5, 1, $6) ON CONFLICT (day, user_id, app_id, stream) DO UPDATE "
      "SET basis = earnings.basis + excluded.basis, calls = earnings.calls + 1 WHERE earnings.status = 'pending' "
      "RETURNING id, basis, amount",
      {d.day, d.user_id, d.app_id, d.owner_id, d.basis, d.at});
  if (!row) return 0;
  // A share lowered during the day takes nothing back from what the row holds.
  const int64_t owed = money::share_down(row->i64(1), d.share_ppm) - row->i64(2);
  if (owed <= 0) return 0;
  c.exec("UPDATE earnings SET amount = amount + $2 WHERE id = $1", {row->i64(0), owed});
  ledger::Transfer t;
  t.key = d.key;
  t.debit = revenue();
  t.credit = ledger::account(c, ledger::kEarningsPending, d.owner_id);
  t.amount = owed;
  t.kind = "earnings";
  t.user_id = d.owner_id;
  t.request_id = d.request_id;
  t.memo = "direct";
  t.at = d.at;
  t.defer_credit = true;  // concurrent requests of one creator's app credit the same account
  return ledger::transfer(c, t) ? owed : 0;
}

// ---- The daily settlement -------------------------------------------------------------------

namespace {
constexpr const char* kRunColumns =
    "day, status, cursor, lease_owner, lease_until, attempts, batches, started_at, finished_at";
Run to_run(const Row& r) {
  return Run{r.str(0), r.str(1), r.i64(2), r.str(3), r.i64(4), r.i64(5), r.i64(6), r.i64(7), r.opt_i64(8)};
}
}  // namespace

std::optional<Run> run(Conn& c, const std::string& day) {
  auto row = c.query_one(std::string("SELECT ") + kRunColumns + " FROM settlement_runs WHERE day = $1", {day});
  if (!row) return std::nullopt;
  return to_run(*row);
}

LeaseResult take_lease(Conn& c, const std::string& day, const std::string& owner, int64_t now, int64_t lease_s,
                       bool rerun, bool take_over) {
  c.exec("INSERT INTO settlement_runs (day, started_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (day) DO NOTHING",
         {day, now});
  auto current = run(c, day);
  if (!current) throw DatabaseError("settlement run record missing");
  bool free = current->lease_owner.empty() || current->lease_owner == owner || current->lease_until < now || take_over;
  if (current->status == "done" && !rerun) return LeaseResult::done;
  if (!free) return LeaseResult::busy;
  // Conditional on what was read: of two instances taking the same lease, one changes the row.
  auto changed = c.exec(
      "UPDATE settlement_runs SET lease_owner = $2, lease_until = $3, attempts = attempts + 1, updated_at = $4, "
      "status = 'running', cursor = CASE WHEN status = 'done' THEN 0 ELSE cursor END, "
      "finished_at = CASE WHEN status = 'done' THEN NULL ELSE finished_at END, "
      "started_at = CASE WHEN status = 'done' THEN $4 ELSE started_at END "
      "WHERE day = $1 AND lease_owner = $5 AND lease_until = $6 AND status = $7",
      {day, owner, now + lease_s, now, current->lease_owner, current->lease_until, current->status});
  return changed == 1 ? LeaseResult::taken : LeaseResult::busy;
}

std::optional<int64_t> next_user(Conn& c, const std::string& day, int64_t from) {
  // Ordered like usage_events_earning (day, user_id), so both backends read it from that index
  // (MIN() lets PostgreSQL walk another index by user id and filter days).
  auto row = c.query_one(
      "SELECT user_id FROM usage_events WHERE day = $1 AND user_id >= $2 AND app_kind = 'user' "
      "ORDER BY day, user_id LIMIT 1",
      {day, from});
  if (!row) return std::nullopt;
  return row->i64(0);
}

BatchResult settle_batch(Conn& c, const std::string& day, const std::string& owner, int64_t lo, int64_t hi,
                         const Shares& shares, int64_t now, int64_t lease_s) {
  // The lease and the cursor first: a batch that is not ours (any more), or that another holder
  // already did, writes nothing.
  if (c.exec("UPDATE settlement_runs SET cursor = $4, lease_until = $5, batches = batches + 1, updated_at = $6 "
             "WHERE day = $1 AND lease_owner = $2 AND cursor = $3 AND status = 'running'",
             {day, owner, lo, hi, now + lease_s, now}) != 1)
    throw LeaseLost("the settlement of " + day + " is no longer this instance's");
  auto attempt = c.query_one("SELECT attempts FROM settlement_runs WHERE day = $1", {day})->i64(0);
  // Marks this batch's new rows, so only they are credited below (rows from an earlier run of the
  // day were credited when they were written).
  const std::string batch = day + ":" + std::to_string(attempt) + ":" + std::to_string(lo);

  // Subscription pool: per user, sub_share x the plan's daily value, split over the user apps they
  // called on priced models with their allowance, in proportion to the calls. Each row rounds down;
  // (pool/total)*calls + (pool%total)*calls/total is floor(pool*calls/total) without overflow.
  c.exec(
      "INSERT INTO earnings (day, user_id, app_id, stream, owner_id, amount, basis, calls, batch, created_at) "
      "SELECT day, user_id, app_id, 'subscription', owner_id, (pool / total) * calls + ((pool % total) * calls) / "
      "total, "
      "pool, calls, $4, $6 FROM ("
      "  SELECT day, user_id, app_id, owner_id, calls, CAST(SUM(calls) OVER (PARTITION BY user_id) AS BIGINT) AS "
      "total, "
      "    (MAX(dv) OVER (PARTITION BY user_id) / 1000000) * CAST($5 AS BIGINT) "
      "      + ((MAX(dv) OVER (PARTITION BY user_id) % 1000000) * CAST($5 AS BIGINT)) / 1000000 AS pool "
      "  FROM (SELECT day, user_id, app_id, app_owner_id AS owner_id, COUNT(*) AS calls, MAX(plan_daily_value) AS dv "
      "        FROM usage_events WHERE day = $1 AND user_id >= $2 AND user_id < $3 AND app_kind = 'user' "
      "        AND app_owner_id <> user_id AND subscription_id IS NOT NULL AND priced = 1 "
      "        GROUP BY day, user_id, app_id, app_owner_id) g"
      ") t WHERE (pool / total) * calls + ((pool % total) * calls) / total > 0 "
      "ON CONFLICT (day, user_id, app_id, stream) DO NOTHING",
      {day, lo, hi, batch, shares.subscription_pool_ppm, now});
  // Pack pool: pack_share of the paid credits each user spent on each user app's model costs.
  c.exec(
      "INSERT INTO earnings (day, user_id, app_id, stream, owner_id, amount, basis, calls, batch, created_at) "
      "SELECT day, user_id, app_id, 'pack', owner_id, (s / 1000000) * CAST($5 AS BIGINT) "
      "  + ((s % 1000000) * CAST($5 AS BIGINT)) / 1000000, s, calls, $4, $6 "
      "FROM (SELECT day, user_id, app_id, app_owner_id AS owner_id, CAST(SUM(paid_uc) AS BIGINT) AS s, COUNT(*) AS "
      "calls "
      "      FROM usage_events WHERE day = $1 AND user_id >= $2 AND user_id < $3 AND app_kind = 'user' "
      "      AND app_owner_id <> user_id AND paid_uc > 0 GROUP BY day, user_id, app_id, app_owner_id) g "
      "WHERE (s / 1000000) * CAST($5 AS BIGINT) + ((s % 1000000) * CAST($5 AS BIGINT)) / 1000000 > 0 "
      "ON CONFLICT (day, user_id, app_id, stream) DO NOTHING",
      {day, lo, hi, batch, shares.pack_pool_ppm, now});

  // One transfer per creator for what this batch wrote, in three set-based statements (a statement
  // per creator would make the batch's time grow with the number of creators, not of rows).
  const std::string mine = "FROM earnings WHERE day = $1 AND user_id >= $2 AND user_id < $3 AND batch = $4";
  BatchResult result;
  auto total = c.query_one("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT), COUNT(*) " + mine, {day, lo, hi, batch});
  result.amount = total->i64(0);
  result.rows = total->i64(1);
  if (result.rows == 0) return result;
  c.exec("INSERT INTO ledger_accounts (kind, user_id) SELECT DISTINCT 'earnings_pending', owner_id " + mine +
             " ON CONFLICT (kind, user_id) DO NOTHING",
         {day, lo, hi, batch});
  c.exec(
      "INSERT INTO ledger_transfers (idempotency_key, debit_account, credit_account, amount, kind, user_id, "
      "request_id, memo, created_at) SELECT 'pool:' || $4 || ':' || CAST(e.owner_id AS TEXT), $5, a.id, "
      "CAST(SUM(e.amount) AS BIGINT), 'earnings', e.owner_id, '', $6, $7 FROM earnings e JOIN ledger_accounts a "
      "ON a.kind = 'earnings_pending' AND a.user_id = e.owner_id WHERE e.day = $1 AND e.user_id >= $2 AND "
      "e.user_id < $3 AND e.batch = $4 GROUP BY e.owner_id, a.id",
      {day, lo, hi, batch, revenue(), "pools " + day, now});
  c.exec(
      "UPDATE ledger_accounts SET balance = balance + s.total FROM (SELECT owner_id, CAST(SUM(amount) AS BIGINT) "
      "AS total " +
          mine +
          " GROUP BY owner_id) s WHERE ledger_accounts.kind = 'earnings_pending' AND "
          "ledger_accounts.user_id = s.owner_id",
      {day, lo, hi, batch});
  c.deferred.touch(c.deferred.accounts, revenue()).balance -= result.amount;
  return result;
}

bool finish(Conn& c, const std::string& day, const std::string& owner, int64_t now) {
  return c.exec(
             "UPDATE settlement_runs SET status = 'done', finished_at = $3, lease_owner = '', lease_until = 0, "
             "updated_at = $3 WHERE day = $1 AND lease_owner = $2 AND status = 'running'",
             {day, owner, now}) == 1;
}

std::vector<RunSummary> runs(Conn& c, int64_t limit) {
  std::vector<RunSummary> out;
  std::map<std::string, std::size_t> index;
  for (const auto& r :
       c.query(std::string("SELECT ") + kRunColumns + " FROM settlement_runs ORDER BY day DESC LIMIT $1", {limit})
           .rows) {
    index[r.str(0)] = out.size();
    out.push_back(RunSummary{to_run(r)});
  }
  if (out.empty()) return out;
  for (const auto& r : c.query("SELECT day, stream, SUM(amount), COUNT(*) FROM earnings WHERE day >= $1 AND day <= $2 "
                               "AND status <> 'reversed' GROUP BY day, stream",
                               {out.back().run.day, out.front().run.day})
                           .rows) {
    auto it = index.find(r.str(0));
    if (it == index.end()) continue;
    auto& s = out[it->second];
    std::string stream = r.str(1);
    (stream == kDirect ? s.direct : stream == kSubscription ? s.subscription : s.pack) += r.i64(2);
    s.rows += r.i64(3);
  }
  return out;
}

std::vector<std::string> settled_days_from(Conn& c, const std::string& from) {
  std::vector<std::string> out;
  for (const auto& r : c.query("SELECT day FROM settlement_runs WHERE day >= $1 AND status = 'done'", {from}).rows)
    out.push_back(r.str(0));
  return out;
}

std::vector<std::string> stalled_days(Conn& c, int64_t now) {
  std::vector<std::string> out;
  for (const auto& r :
       c.query("SELECT day FROM settlement_runs WHERE status = 'running' AND lease_until < $1 ORDER BY day", {now})
           .rows)
    out.push_back(r.str(0));
  return out;
}

// ---- Clearing, freezes, reversal ------------------------------------------------------------

namespace {
constexpr const char* kNotFrozen =
    "NOT EXISTS (SELECT 1 FROM earnings_freezes f WHERE f.lifted_at IS NULL AND ((f.scope = 'app' AND f.ref_id = "
    "e.app_id) OR (f.scope = 'creator' AND f.ref_id = e.owner_id)))";
}

int64_t clear_batch(Conn& c, const std::string& cutoff_day, int64_t now, int64_t limit) {
  auto rows = c.query(std::string("SELECT e.id, e.owner_id, e.amount FROM earnings e WHERE e.status = 'pending' AND "
                                  "e.day < $1 AND ") +
                          kNotFrozen + " ORDER BY e.day, e.id LIMIT $2",
                      {cutoff_day, limit});
  if (rows.rows.empty()) return 0;
  std::vector<int64_t> ids;
  for (const auto& r : rows.rows) ids.push_back(r.i64(0));
  auto ended = end_pending(c, ids, "status = 'available', settled_at = $2", {now});
  const std::string first = std::to_string(ended.first);
  transfer_per_owner(
      c, ended.per_owner, ledger::kEarningsPending, ledger::kEarningsAvailable, "clearing", "cleared",
      [&](int64_t o) { return "clear:" + first + ":" + std::to_string(o); }, now);
  return static_cast<int64_t>(ids.size());
}

int64_t freeze(Conn& c, const std::string& scope, int64_t ref_id, const std::string& reason, int64_t actor,
               int64_t now) {
  return c
      .query_one(
          "INSERT INTO earnings_freezes (scope, ref_id, reason, created_by, created_at) VALUES ($1, $2, $3, "
          "$4, $5) RETURNING id",
          {scope, ref_id, reason, actor, now})
      ->i64(0);
}

bool lift(Conn& c, int64_t freeze_id, int64_t now) {
  return c.exec("UPDATE earnings_freezes SET lifted_at = $2 WHERE id = $1 AND lifted_at IS NULL", {freeze_id, now}) ==
         1;
}

std::vector<Freeze> active_freezes(Conn& c) {
  std::vector<Freeze> out;
  for (const auto& r :
       c.query("SELECT f.id, f.scope, f.ref_id, COALESCE(a.slug, u.username, ''), f.reason, "
               "(SELECT COALESCE(SUM(e.amount), 0) FROM earnings e WHERE e.status = 'pending' AND "
               "((f.scope = 'app' AND e.app_id = f.ref_id) OR (f.scope = 'creator' AND e.owner_id = f.ref_id))), "
               "f.created_by, f.created_at FROM earnings_freezes f "
               "LEFT JOIN apps a ON f.scope = 'app' AND a.id = f.ref_id "
               "LEFT JOIN users u ON f.scope = 'creator' AND u.id = f.ref_id "
               "WHERE f.lifted_at IS NULL ORDER BY f.id DESC")
           .rows)
    out.push_back(Freeze{r.i64(0), r.str(1), r.i64(2), r.str(3), r.str(4), r.i64(5), r.i64(6), r.i64(7)});
  return out;
}

Reversal reverse(Conn& c, const std::string& scope, int64_t ref_id, const std::string& reason, int64_t now) {
  const char* column = scope == "app" ? "app_id" : "owner_id";
  Reversal total;
  for (;;) {
    auto rows = c.query(std::string("SELECT id, owner_id, amount FROM earnings WHERE status = 'pending' AND ") +
                            column + " = $1 ORDER BY id LIMIT 1000",
                        {ref_id});
    if (rows.rows.empty()) break;
    std::vector<int64_t> ids;
    for (const auto& r : rows.rows) ids.push_back(r.i64(0));
    auto ended = end_pending(c, ids, "status = 'reversed', reason = $2, settled_at = $3", {reason, now});
    for (const auto& [owner, amount] : ended.per_owner) total.amount += amount;
    const std::string first = std::to_string(ended.first);
    transfer_per_owner(
        c, ended.per_owner, ledger::kEarningsPending, ledger::kRevenue, "reversal", reason,
        [&](int64_t o) { return "reverse:" + first + ":" + std::to_string(o); }, now);
    total.rows += ended.rows;
  }
  return total;
}

std::vector<PendingMismatch> pending_mismatches(Conn& c) {
  std::vector<PendingMismatch> out;
  for (const auto& r : c.query("SELECT a.user_id, a.balance, COALESCE(e.total, 0) FROM ledger_accounts a LEFT JOIN "
                               "(SELECT owner_id, CAST(SUM(amount) AS BIGINT) AS total FROM earnings WHERE status = "
                               "'pending' GROUP BY owner_id) e ON e.owner_id = a.user_id WHERE a.kind = "
                               "'earnings_pending' AND a.balance <> COALESCE(e.total, 0)")
                           .rows)
    out.push_back({r.i64(0), r.i64(1), r.i64(2)});
  return out;
}

// ---- The creator's side ---------------------------------------------------------------------

std::string frozen_sql() {
  // Through earnings_owner_pending (migration 11): the creator's pending rows only, where the
  // (owner_id, day) index read their whole history on every view of the earnings page.
  return std::string(
             "SELECT COALESCE(SUM(e.amount), 0) FROM earnings e WHERE e.owner_id = $1 AND "
             "e.status = 'pending' AND NOT ") +
         kNotFrozen;
}

std::string app_calls_sql() {
  // Calls and paying users (paid credits, surcharges from paid credits or a subscription) of others,
  // from the roll-up by day, app and user (migration 12): a row per user and day, not per call.
  return "SELECT d.app_id, CAST(SUM(d.calls) AS BIGINT), COUNT(DISTINCT CASE WHEN d.paying_calls > 0 THEN d.user_id "
         "END) FROM app_user_days d WHERE d.app_id IN (SELECT id FROM apps WHERE owner_id = $1) AND d.day >= $2 AND "
         "d.user_id <> $1 GROUP BY d.app_id";
}

Summary summary(Conn& c, int64_t owner_id, const std::string& from_day) {
  Summary s;
  s.pending = ledger::balance(c, ledger::kEarningsPending, owner_id).balance;
  s.available = ledger::balance(c, ledger::kEarningsAvailable, owner_id).balance;
  s.frozen = c.query_one(frozen_sql(), {owner_id})->i64(0);
  for (const auto& r :
       c.query("SELECT status, COALESCE(SUM(amount), 0) FROM payouts WHERE user_id = $1 GROUP BY status", {owner_id})
           .rows) {
    if (r.str(0) == "requested") s.requested = r.i64(1);
    if (r.str(0) == "paid") s.paid_out = r.i64(1);
  }
  std::map<std::string, Summary::Day> days;
  std::map<int64_t, Summary::App> apps;
  for (const auto& r :
       c.query("SELECT day, app_id, stream, SUM(amount) FROM earnings WHERE owner_id = $1 AND day >= $2 "
               "AND status <> 'reversed' GROUP BY day, app_id, stream",
               {owner_id, from_day})
           .rows) {
    auto& d = days[r.str(0)];
    d.day = r.str(0);
    auto& a = apps[r.i64(1)];
    a.app_id = r.i64(1);
    std::string stream = r.str(2);
    int64_t amount = r.i64(3);
    (stream == kDirect ? d.direct : stream == kSubscription ? d.subscription : d.pack) += amount;
    (stream == kDirect ? a.direct : stream == kSubscription ? a.subscription : a.pack) += amount;
  }
  for (const auto& r : c.query(app_calls_sql(), {owner_id, from_day}).rows) {
    auto& a = apps[r.i64(0)];
    a.app_id = r.i64(0);
    a.calls = r.i64(1);
    a.paying_users = r.i64(2);
  }
  // Slugs and titles (from the live versions) for the whole list at once.
  std::vector<int64_t> ids;
  for (const auto& [id, a] : apps) ids.push_back(id);
  for (const auto& [app, live] : store::apps::find_with_live(c, ids)) {
    apps[app.id].slug = app.slug;
    if (live) apps[app.id].title = live->title;
  }
  for (auto& [id, a] : apps) s.apps.push_back(a);
  for (auto& [day, d] : days) s.days.push_back(d);
  return s;
}

namespace {
// Moves `amount` out of the creator's available earnings; false when the key was used already.
bool take_available(Conn& c, int64_t user_id, int64_t amount, int64_t credit, const std::string& key, const char* kind,
                    const char* memo, int64_t now) {
  if (amount <= 0) throw Error(ErrorCode::invalid_request, "the amount is above zero", "amount");
  ledger::Transfer t;
  t.key = key;
  t.debit = ledger::account(c, ledger::kEarningsAvailable, user_id);
  t.credit = credit;
  t.amount = amount;
  t.kind = kind;
  t.user_id = user_id;
  t.memo = memo;
  t.at = now;
  try {
    return ledger::transfer(c, t);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::insufficient_balance)
      throw Error(ErrorCode::insufficient_balance, "not that much is available", "amount");
    throw;
  }
}
}  // namespace

void convert(Conn& c, int64_t user_id, int64_t amount, const std::string& key, int64_t now) {
  if (!take_available(c, user_id, amount, ledger::account(c, ledger::kPaid, user_id), key, "convert",
                      "earnings into credits", now))
    throw Error(ErrorCode::conflict, "this conversion was made already");
}

namespace {
constexpr const char* kPayoutColumns =
    "p.id, p.user_id, COALESCE(u.username, ''), p.amount, p.destination, p.status, p.reference, p.reason, "
    "p.created_at, p.decided_at FROM payouts p LEFT JOIN users u ON u.id = p.user_id";
Payout to_payout(const Row& r) {
  return Payout{r.i64(0), r.i64(1), r.str(2), r.i64(3), r.str(4), r.str(5), r.str(6), r.str(7), r.i64(8), r.opt_i64(9)};
}
std::optional<Payout> payout(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kPayoutColumns + " WHERE p.id = $1", {id});
  if (!row) return std::nullopt;
  return to_payout(*row);
}
}  // namespace

Payout request_payout(Conn& c, int64_t user_id, int64_t amount, const std::string& destination, int64_t now) {
  // take_available refuses an amount of zero or less (the transaction, the row with it, rolls back).
  int64_t id = c.query_one(
                    "INSERT INTO payouts (user_id, amount, destination, created_at) VALUES ($1, $2, $3, $4) "
                    "RETURNING id",
                    {user_id, amount, destination, now})
                   ->i64(0);
  take_available(c, user_id, amount, ledger::platform_account(ledger::kPayouts), "payout:" + std::to_string(id),
                 "payout", "payout requested", now);
  return *payout(c, id);
}

std::optional<Payout> decide_payout(Conn& c, int64_t payout_id, bool paid, const std::string& text, int64_t actor,
                                    int64_t now) {
  auto p = payout(c, payout_id);
  if (!p) throw Error(ErrorCode::not_found, "no such payout");
  if (c.exec(std::string("UPDATE payouts SET status = $2, ") + (paid ? "reference" : "reason") +
                 " = $3, decided_at = $4, decided_by = $5 WHERE id = $1 AND status = 'requested'",
             {payout_id, std::string(paid ? "paid" : "rejected"), text, now, actor}) != 1)
    return std::nullopt;
  if (!paid) {
    ledger::Transfer t;
    t.key = "payout-rejected:" + std::to_string(payout_id);
    t.debit = ledger::platform_account(ledger::kPayouts);
    t.credit = ledger::account(c, ledger::kEarningsAvailable, p->user_id);
    t.amount = p->amount;
    t.kind = "payout";
    t.user_id = p->user_id;
    t.memo = "payout rejected: " + text;
    t.at = now;
    ledger::transfer(c, t);
  }
  return payout(c, payout_id);
}

std::vector<Payout> payouts(Conn& c, std::optional<int64_t> user_id, const std::string& status, int64_t limit) {
  // Only the conditions that are set: "($1 = 0 OR p.user_id = $1)" kept the planners off the
  // creator's index, so a creator's page read every payout of the site.
  std::string sql = std::string("SELECT ") + kPayoutColumns + " WHERE 1 = 1";
  std::vector<Value> params{limit};
  if (user_id) {
    params.emplace_back(*user_id);
    sql += " AND p.user_id = $" + std::to_string(params.size());
  }
  if (!status.empty()) {
    params.emplace_back(status);
    sql += " AND p.status = $" + std::to_string(params.size());
  }
  std::vector<Payout> out;
  for (const auto& r : c.query(sql + " ORDER BY p.id DESC LIMIT $1", params).rows) out.push_back(to_payout(r));
  return out;
}

}  // namespace plaza::store::earnings

namespace plaza::store::earnings {

bool charge_unlock(Conn& c, const Unlock& u) {
  if (c.exec("INSERT INTO app_unlocks (app_id, user_id, price, created_at) VALUES ($1, $2, $3, $4) "
             "ON CONFLICT (app_id, user_id) DO NOTHING",
             {u.app_id, u.user_id, u.price, u.now}) == 0)
    return false;
  const std::string base = "unlock:" + std::to_string(u.app_id) + ":" + std::to_string(u.user_id);
  int64_t left = u.price, paid = 0, gift = 0;
  for (const auto& kind : u.credit_order) {
    if (left == 0) break;
    auto account = ledger::find(c, kind, u.user_id);
    int64_t take = account ? std::min(account->balance.available(), left) : 0;
    if (take <= 0) continue;
    bool is_paid = kind == ledger::kPaid;
    ledger::Transfer t;
    t.key = base + ":" + kind;
    t.debit = account->id;
    t.credit = ledger::platform_account(is_paid ? ledger::kRevenue : ledger::kPromotions);
    t.amount = take;
    t.kind = "unlock";
    t.user_id = u.user_id;
    t.memo = u.name.empty() ? "app " + std::to_string(u.app_id) : u.name;
    t.at = u.now;
    ledger::transfer(c, t);
    (is_paid ? paid : gift) += take;
    left -= take;
  }
  if (left > 0) throw Error(ErrorCode::insufficient_balance, "not enough credits to unlock this app");
  c.exec("UPDATE app_unlocks SET paid_uc = $3, gift_uc = $4 WHERE app_id = $1 AND user_id = $2",
         {u.app_id, u.user_id, paid, gift});
  if (u.user_app && paid > 0) {
    DirectCredit d;
    d.day = u.day;
    d.user_id = u.user_id;
    d.app_id = u.app_id;
    d.owner_id = u.owner_id;
    d.basis = paid;
    d.share_ppm = u.creator_share_ppm;
    d.key = base + ":direct";
    d.at = u.now;
    credit_direct(c, d);
  }
  return true;
}

}  // namespace plaza::store::earnings
