#include "store/reports_repo.hpp"

#include "store/relay_repo.hpp"

namespace plaza::store::reports {

std::pair<std::string, std::vector<Value>> usage_query(int64_t user_id, const UsageFilter& f, int64_t limit,
                                                       std::optional<int64_t> before) {
  std::string sql = std::string("SELECT ") + usage::kEventColumns + ", id FROM usage_events WHERE id < $1";
  std::vector<Value> params{before.value_or(INT64_MAX)};
  auto add = [&](const char* clause, Value v) {
    params.push_back(std::move(v));
    sql += std::string(" AND ") + clause + " $" + std::to_string(params.size());
  };
  if (user_id != 0) add("user_id =", user_id);
  if (f.from_id > 0) add("id >=", f.from_id);
  if (f.channel_id) add("channel_id =", *f.channel_id);
  if (f.status) add("status =", *f.status);
  if (f.from_day) add("day >=", *f.from_day);
  if (f.to_day) add("day <=", *f.to_day);
  if (f.model) add("model =", *f.model);
  if (f.key_id) add("api_key_id =", *f.key_id);
  if (f.surface) add("surface =", *f.surface);
  // Everyone's events are read by id within the window; "+" keeps SQLite off the app index, through
  // which it would read all of an app's calls and sort them.
  if (f.app_id) add(user_id == 0 ? "+app_id =" : "app_id =", *f.app_id);
  params.emplace_back(std::in_place_type<int64_t>, limit);
  sql += " ORDER BY id DESC LIMIT $" + std::to_string(params.size());
  return {std::move(sql), std::move(params)};
}

std::vector<UsageEvent> usage(Conn& c, int64_t user_id, const UsageFilter& f, int64_t limit,
                              std::optional<int64_t> before) {
  auto [sql, params] = usage_query(user_id, f, limit, before);
  std::vector<UsageEvent> out;
  for (const auto& r : c.query(sql, params).rows) out.push_back(usage::to_event(r));
  return out;
}

namespace {

std::map<int64_t, std::string> names(Conn& c, const char* sql_prefix, const std::set<int64_t>& ids) {
  std::map<int64_t, std::string> out;
  if (ids.empty()) return out;
  std::string sql = sql_prefix;
  std::vector<Value> params;
  for (int64_t id : ids) {
    params.emplace_back(id);
    sql += (params.size() == 1 ? "$" : ", $") + std::to_string(params.size());
  }
  for (const auto& r : c.query(sql + ")", params).rows) out[r.i64(0)] = r.str(1);
  return out;
}

}  // namespace

std::map<int64_t, std::string> usernames(Conn& c, const std::set<int64_t>& ids) {
  return names(c, "SELECT id, username FROM users WHERE id IN (", ids);
}

std::map<int64_t, std::string> channel_names(Conn& c, const std::set<int64_t>& ids) {
  return names(c, "SELECT id, name FROM channels WHERE id IN (", ids);
}

std::vector<ChannelHealth> channel_health(Conn& c, int64_t window) {
  auto rows = c.query(
      "SELECT channel_id, COUNT(*), SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), "
      "CAST(AVG(latency_ms) AS BIGINT), CAST(AVG(ttft_ms) AS BIGINT), MAX(created_at) FROM usage_events "
      "WHERE id > $1 AND channel_id IS NOT NULL GROUP BY channel_id ORDER BY channel_id",
      {last_usage_id(c) - window});
  std::vector<ChannelHealth> out;
  for (const auto& r : rows.rows)
    out.push_back({r.i64(0), r.i64(1), r.i64(2), r.i64(3), r.i64(4), r.i64(5), r.opt_i64(6), r.i64(7)});
  return out;
}

int64_t last_usage_id(Conn& c) {
  auto row = c.query_one("SELECT MAX(id) FROM usage_events");
  return row && !row->is_null(0) ? row->i64(0) : 0;
}

// Walks the (user_id, id) index only: no row is read.
const char* const kUsageIdBackSql =
    "SELECT id FROM usage_events WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT 1 OFFSET $3";

int64_t usage_id_back(Conn& c, int64_t user_id, int64_t before, int64_t n) {
  auto row = c.query_one(kUsageIdBackSql, {user_id, before, n - 1});
  return row ? row->i64(0) : 0;
}

std::string daily_spend_sql(bool one_user) {
  // The user's condition only when there is one: "($1 = 0 OR user_id = $1)" made both databases
  // read every user's events of those days through the day index for one user's chart.
  return std::string(
             "SELECT day, model, COUNT(*), SUM(cost), SUM(paid_uc), SUM(gift_uc), SUM(surcharge_paid_uc) FROM "
             "usage_events WHERE ") +
         (one_user ? "user_id = $3 AND " : "") + "day >= $1 AND day <= $2 GROUP BY day, model ORDER BY day, model";
}

std::vector<DaySpend> daily_spend(Conn& c, int64_t user_id, const std::string& from_day, const std::string& to_day) {
  std::vector<Value> params{from_day, to_day};
  if (user_id != 0) params.emplace_back(user_id);
  auto rows = c.query(daily_spend_sql(user_id != 0), params);
  std::vector<DaySpend> out;
  for (const auto& r : rows.rows) out.push_back({r.str(0), r.str(1), r.i64(2), r.i64(3), r.i64(4), r.i64(5), r.i64(6)});
  return out;
}

std::vector<SalesRow> sales(Conn& c, int64_t from_ts, int64_t to_ts) {
  auto rows = c.query(
      "SELECT t.created_at, t.kind, t.amount, t.memo, CASE WHEN t.kind = 'pack' AND EXISTS (SELECT 1 FROM "
      "ledger_transfers g WHERE g.idempotency_key = t.idempotency_key || ':credits') THEN 1 ELSE 0 END "
      "FROM ledger_transfers t WHERE t.created_at >= $1 AND t.created_at < $2 AND ("
      // Sales, unlocks' paid parts (gift parts go to promotions), earnings converted to credits, and
      // paid credits bought through the payment provider (top-ups).
      "(t.kind IN ('subscribe', 'renew', 'upgrade', 'pack', 'unlock') AND t.credit_account IN (SELECT id FROM "
      "ledger_accounts WHERE kind = 'revenue' AND user_id = 0)) OR t.kind IN ('convert', 'topup')) ORDER BY "
      "t.created_at",
      {from_ts, to_ts});
  std::vector<SalesRow> out;
  for (const auto& r : rows.rows) out.push_back({r.i64(0), r.str(1), r.i64(2), r.str(3), r.i64(4) == 1});
  return out;
}

}  // namespace plaza::store::reports
