#include "store/billing_repo.hpp"

#include <boost/json.hpp>

#include "store/json_columns.hpp"

namespace plaza::store {

namespace {

std::string allowances_json(const std::vector<Allowance>& list) {
  boost::json::array a;
  for (const auto& x : list) a.push_back(boost::json::object{{"model", x.model}, {"per_day", x.per_day}});
  return boost::json::serialize(a);
}

std::vector<Allowance> parse_allowances(const std::string& text) {
  std::vector<Allowance> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) continue;
    const auto& o = item.as_object();
    auto m = o.if_contains("model");
    auto d = o.if_contains("per_day");
    if (m && m->is_string() && d && d->is_int64()) out.push_back({std::string(m->as_string()), d->as_int64()});
  }
  return out;
}

}  // namespace

namespace prices {

std::vector<Row> list(Conn& c) {
  auto rows = c.query(
      "SELECT model, mode, input_per_m, output_per_m, cached_per_m, per_call, web_free, web_free_daily_cap, "
      "max_output_tokens FROM model_prices ORDER BY model");
  std::vector<Row> out;
  for (const auto& r : rows.rows) {
    money::Price p;
    p.mode = money::parse_price_mode(r.str(1)).value_or(money::PriceMode::free);
    p.input_per_m = r.i64(2);
    p.output_per_m = r.i64(3);
    p.cached_per_m = r.i64(4);
    p.per_call = r.i64(5);
    p.web_free = r.boolean(6);
    p.web_free_daily_cap = r.i64(7);
    p.max_output_tokens = r.i64(8);
    out.push_back({r.str(0), p});
  }
  return out;
}

void put(Conn& c, const std::string& model, const money::Price& p, int64_t now) {
  c.exec(
      "INSERT INTO model_prices (model, mode, input_per_m, output_per_m, cached_per_m, per_call, web_free, "
      "web_free_daily_cap, max_output_tokens, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
      "ON CONFLICT (model) DO UPDATE SET mode = excluded.mode, input_per_m = excluded.input_per_m, "
      "output_per_m = excluded.output_per_m, cached_per_m = excluded.cached_per_m, per_call = excluded.per_call, "
      "web_free = excluded.web_free, web_free_daily_cap = excluded.web_free_daily_cap, "
      "max_output_tokens = excluded.max_output_tokens, updated_at = excluded.updated_at",
      {model, std::string(money::to_string(p.mode)), p.input_per_m, p.output_per_m, p.cached_per_m, p.per_call,
       int64_t{p.web_free}, p.web_free_daily_cap, p.max_output_tokens, now});
}

bool remove(Conn& c, const std::string& model) {
  return c.exec("DELETE FROM model_prices WHERE model = $1", {model}) > 0;
}

}  // namespace prices

namespace groups {

std::vector<Multiplier> list(Conn& c) {
  auto rows = c.query("SELECT name, multiplier_ppm FROM user_groups ORDER BY name");
  std::vector<Multiplier> out;
  for (const auto& r : rows.rows) out.push_back({r.str(0), r.i64(1)});
  return out;
}

void put(Conn& c, const std::string& name, int64_t multiplier_ppm, int64_t now) {
  c.exec(
      "INSERT INTO user_groups (name, multiplier_ppm, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (name) DO UPDATE SET multiplier_ppm = excluded.multiplier_ppm, updated_at = excluded.updated_at",
      {name, multiplier_ppm, now});
}

}  // namespace groups

namespace plans {

namespace {
constexpr const char* kColumns = "id, name, level, period_days, price, allowances, enabled";
Plan to_plan(const store::Row& r) {
  return Plan{r.i64(0), r.str(1), r.i64(2), r.i64(3), r.i64(4), parse_allowances(r.str(5)), r.boolean(6)};
}
}  // namespace

std::vector<Plan> list(Conn& c, bool enabled_only) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM plans" + (enabled_only ? " WHERE enabled = 1" : "") +
                      " ORDER BY level, price, id");
  std::vector<Plan> out;
  for (const auto& r : rows.rows) out.push_back(to_plan(r));
  return out;
}

std::optional<Plan> find(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " FROM plans WHERE id = $1", {id});
  if (!row) return std::nullopt;
  return to_plan(*row);
}

int64_t create(Conn& c, const Plan& p, int64_t now) {
  return c
      .query_one(
          "INSERT INTO plans (name, level, period_days, price, allowances, enabled, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
          {p.name, p.level, p.period_days, p.price, allowances_json(p.allowances), int64_t{p.enabled}, now})
      ->i64(0);
}

bool update(Conn& c, const Plan& p, int64_t now) {
  return c.exec(
             "UPDATE plans SET name = $2, level = $3, period_days = $4, price = $5, allowances = $6, enabled = $7, "
             "updated_at = $8 WHERE id = $1",
             {p.id, p.name, p.level, p.period_days, p.price, allowances_json(p.allowances), int64_t{p.enabled},
              now}) > 0;
}

std::set<int64_t> off_sale_ids(Conn& c) {
  std::set<int64_t> out;
  for (const auto& r : c.query("SELECT id FROM plans WHERE enabled = 0").rows) out.insert(r.i64(0));
  return out;
}

}  // namespace plans

namespace subscriptions {

namespace {
constexpr const char* kColumns =
    "s.id, s.user_id, s.plan_id, p.name, s.level, s.price, s.period_days, s.daily_value, s.allowances, s.started_at, "
    "s.ends_at, s.auto_renew, s.source FROM subscriptions s JOIN plans p ON p.id = s.plan_id";
Subscription to_subscription(const store::Row& r) {
  return Subscription{r.i64(0),           r.i64(1),  r.i64(2),
                      r.str(3),           r.i64(4),  r.i64(5),
                      r.i64(6),           r.i64(7),  parse_allowances(r.str(8)),
                      r.i64(9),           r.i64(10), r.boolean(11),
                      r.str(12) == "code"};
}
}  // namespace

std::optional<Subscription> active(Conn& c, int64_t user_id, int64_t now) {
  auto row = c.query_one(std::string("SELECT ") + kColumns +
                             " WHERE s.user_id = $1 AND s.status = 'active' AND s.started_at <= $2 AND s.ends_at > $2 "
                             "ORDER BY s.level DESC, s.id DESC LIMIT 1",
                         {user_id, now});
  if (!row) return std::nullopt;
  return to_subscription(*row);
}

int64_t create(Conn& c, const Subscription& s, int64_t now) {
  return c
      .query_one(
          "INSERT INTO subscriptions (user_id, plan_id, level, price, period_days, daily_value, allowances, "
          "started_at, ends_at, auto_renew, status, created_at, source) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $12) RETURNING id",
          {s.user_id, s.plan_id, s.level, s.price, s.period_days, s.daily_value, allowances_json(s.allowances),
           s.started_at, s.ends_at, int64_t{s.auto_renew}, now, std::string(s.from_code ? "code" : "bought")})
      ->i64(0);
}

void extend(Conn& c, int64_t id, int64_t ends_at) {
  c.exec("UPDATE subscriptions SET ends_at = $2 WHERE id = $1", {id, ends_at});
}

void set_auto_renew(Conn& c, int64_t id, bool on) {
  c.exec("UPDATE subscriptions SET auto_renew = $2 WHERE id = $1", {id, int64_t{on}});
}

void replace(Conn& c, int64_t id, int64_t ended_at) {
  c.exec("UPDATE subscriptions SET status = 'replaced', ends_at = $2, auto_renew = 0 WHERE id = $1", {id, ended_at});
}

std::string due_for_renewal_sql(bool one_user) {
  // Through subscriptions_renewal (migration 11): active, renewing ones only, by end; without it the
  // job that runs every minute read every subscription ever sold and sorted them.
  return std::string("SELECT ") + kColumns + " WHERE s.status = 'active' AND s.auto_renew = 1 AND s.ends_at <= $1" +
         (one_user ? " AND s.user_id = $3" : "") + " ORDER BY s.ends_at LIMIT $2";
}

std::vector<Subscription> due_for_renewal(Conn& c, int64_t until, int64_t limit, std::optional<int64_t> user_id) {
  auto rows = user_id ? c.query(due_for_renewal_sql(true), {until, limit, *user_id})
                      : c.query(due_for_renewal_sql(false), {until, limit});
  std::vector<Subscription> out;
  for (const auto& r : rows.rows) out.push_back(to_subscription(r));
  return out;
}

}  // namespace subscriptions

namespace counters {

bool take(Conn& c, const std::string& scope, int64_t owner, const std::string& day, const std::string& model,
          int64_t cap) {
  if (cap == 0) return false;
  c.exec(
      "INSERT INTO daily_counters (scope, owner_id, day, model, used) VALUES ($1, $2, $3, $4, 0) "
      "ON CONFLICT (scope, owner_id, day, model) DO NOTHING",
      {scope, owner, day, model});
  return c.exec(
             "UPDATE daily_counters SET used = used + 1 WHERE scope = $1 AND owner_id = $2 AND day = $3 AND model = $4 "
             "AND ($5 < 0 OR used < $5)",
             {scope, owner, day, model, cap}) == 1;
}

void give_back(Conn& c, const std::string& scope, int64_t owner, const std::string& day, const std::string& model) {
  c.exec(
      "UPDATE daily_counters SET used = used - 1 WHERE scope = $1 AND owner_id = $2 AND day = $3 AND model = $4 "
      "AND used > 0",
      {scope, owner, day, model});
}

int64_t used(Conn& c, const std::string& scope, int64_t owner, const std::string& day, const std::string& model) {
  auto row = c.query_one(
      "SELECT used FROM daily_counters WHERE scope = $1 AND owner_id = $2 AND day = $3 AND model = $4",
      {scope, owner, day, model});
  return row ? row->i64(0) : 0;
}

}  // namespace counters

namespace packs {

namespace {
constexpr const char* kColumns = "id, name, kind, price, calls, credits, models, valid_days, enabled, per_user_limit";
Pack to_pack(const store::Row& r) {
  return Pack{r.i64(0), r.str(1),     r.str(2),    r.i64(3), r.i64(4), r.i64(5), from_json_array(r.str(6)),
              r.i64(7), r.boolean(8), r.opt_i64(9)};
}
constexpr const char* kUserColumns = "id, user_id, pack_id, name, models, total, remaining, price, expires_at, created_at";
UserPack to_user_pack(const store::Row& r) {
  return UserPack{r.i64(0), r.i64(1), r.i64(2), r.str(3), from_json_array(r.str(4)),
                  r.i64(5), r.i64(6), r.i64(7), r.opt_i64(8), r.i64(9)};
}
}  // namespace

std::vector<Pack> list(Conn& c, bool enabled_only) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM packs" + (enabled_only ? " WHERE enabled = 1" : "") +
                      " ORDER BY kind, price, id");
  std::vector<Pack> out;
  for (const auto& r : rows.rows) out.push_back(to_pack(r));
  return out;
}

std::optional<Pack> find(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " FROM packs WHERE id = $1", {id});
  if (!row) return std::nullopt;
  return to_pack(*row);
}

int64_t create(Conn& c, const Pack& p, int64_t now) {
  return c
      .query_one(
          "INSERT INTO packs (name, kind, price, calls, credits, models, valid_days, enabled, created_at, updated_at, "
          "per_user_limit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
          {p.name, p.kind, p.price, p.calls, p.credits, to_json_array(p.models), p.valid_days, int64_t{p.enabled}, now,
           nullable(p.per_user_limit)})
      ->i64(0);
}

bool update(Conn& c, const Pack& p, int64_t now) {
  return c.exec(
             "UPDATE packs SET name = $2, kind = $3, price = $4, calls = $5, credits = $6, models = $7, valid_days = "
             "$8, "
             "enabled = $9, updated_at = $10, per_user_limit = $11 WHERE id = $1",
             {p.id, p.name, p.kind, p.price, p.calls, p.credits, to_json_array(p.models), p.valid_days,
              int64_t{p.enabled}, now, nullable(p.per_user_limit)}) > 0;
}

int64_t grant(Conn& c, const UserPack& p) {
  return c
      .query_one(
          "INSERT INTO user_packs (user_id, pack_id, name, models, total, remaining, price, expires_at, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING id",
          {p.user_id, p.pack_id, p.name, to_json_array(p.models), p.total, p.price, nullable(p.expires_at), p.created_at})
      ->i64(0);
}

std::vector<UserPack> of_user(Conn& c, int64_t user_id, int64_t now) {
  auto rows = c.query(std::string("SELECT ") + kUserColumns +
                          " FROM user_packs WHERE user_id = $1 AND remaining > 0 AND (expires_at IS NULL OR "
                          "expires_at > $2) ORDER BY COALESCE(expires_at, 9223372036854775807), id",
                      {user_id, now});
  std::vector<UserPack> out;
  for (const auto& r : rows.rows) out.push_back(to_user_pack(r));
  return out;
}

std::optional<int64_t> take_call(Conn& c, int64_t user_id, const std::string& model, int64_t now) {
  for (const auto& p : of_user(c, user_id, now)) {
    bool covers = p.models.empty() || std::find(p.models.begin(), p.models.end(), model) != p.models.end();
    if (!covers) continue;
    if (c.exec("UPDATE user_packs SET remaining = remaining - 1 WHERE id = $1 AND remaining > 0", {p.id}) == 1)
      return p.id;
  }
  return std::nullopt;
}

void give_back_call(Conn& c, int64_t user_pack_id) {
  c.exec("UPDATE user_packs SET remaining = remaining + 1 WHERE id = $1 AND remaining < total", {user_pack_id});
}

bool count_purchase(Conn& c, int64_t user_id, int64_t pack_id, std::optional<int64_t> limit) {
  c.exec("INSERT INTO pack_purchases (user_id, pack_id, bought) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
         {user_id, pack_id});
  // On PostgreSQL a concurrent purchase waits for the row and re-checks the condition after it.
  if (!limit)
    return c.exec("UPDATE pack_purchases SET bought = bought + 1 WHERE user_id = $1 AND pack_id = $2",
                  {user_id, pack_id}) == 1;
  return c.exec("UPDATE pack_purchases SET bought = bought + 1 WHERE user_id = $1 AND pack_id = $2 AND bought < $3",
                {user_id, pack_id, *limit}) == 1;
}

std::map<int64_t, int64_t> purchases(Conn& c, int64_t user_id) {
  std::map<int64_t, int64_t> out;
  for (const auto& r : c.query("SELECT pack_id, bought FROM pack_purchases WHERE user_id = $1", {user_id}).rows)
    out[r.i64(0)] = r.i64(1);
  return out;
}

}  // namespace packs

namespace funding {

bool is_paying(Conn& c, int64_t user_id, int64_t now) {
  return c
      .query_one("SELECT CASE WHEN EXISTS (SELECT 1 FROM subscriptions WHERE user_id = $1 AND status = 'active' "
                 "AND started_at <= $2 AND ends_at > $2) OR EXISTS (SELECT 1 FROM ledger_accounts WHERE kind = "
                 "'paid' AND user_id = $1 AND balance > 0) THEN 1 ELSE 0 END",
                 {user_id, now})
      ->boolean(0);
}

Snapshot load(Conn& c, int64_t user_id, int64_t now, const std::string& request_id) {
  auto rows = c.query(
      "SELECT 'used', COUNT(*), 0, '' FROM usage_events WHERE request_id = $3 "
      "UNION ALL SELECT 'sub', id, daily_value, allowances FROM (SELECT id, daily_value, allowances FROM subscriptions "
      "WHERE user_id = $1 AND status = 'active' AND started_at <= $2 AND ends_at > $2 "
      "ORDER BY level DESC, id DESC LIMIT 1) s "
      "UNION ALL SELECT 'packs', COUNT(*), 0, '' FROM user_packs WHERE user_id = $1 AND remaining > 0 "
      "AND (expires_at IS NULL OR expires_at > $2) "
      "UNION ALL SELECT kind, id, balance - held, '' FROM ledger_accounts WHERE user_id = $1 AND kind IN ('paid', 'gift')",
      {user_id, now, request_id});
  Snapshot s;
  for (const auto& r : rows.rows) {
    std::string what = r.str(0);
    if (what == "used") {
      s.request_id_used = r.i64(1) > 0;
    } else if (what == "sub") {
      s.subscription_id = r.i64(1);
      s.plan_daily_value = r.i64(2);
      s.allowances = parse_allowances(r.str(3));
    } else if (what == "packs") {
      s.has_packs = r.i64(1) > 0;
    } else if (what == "paid") {
      s.paid_account = r.i64(1);
      s.paid_available = r.i64(2);
    } else if (what == "gift") {
      s.gift_account = r.i64(1);
      s.gift_available = r.i64(2);
    }
  }
  return s;
}

}  // namespace funding

namespace redeem {

namespace {
constexpr const char* kColumns =
    "b.id, b.name, b.kind, b.amount, b.pack_id, b.plan_id, b.count, "
    "(SELECT COUNT(*) FROM redeem_codes r WHERE r.batch_id = b.id AND r.redeemed_by IS NOT NULL), b.expires_at, "
    "b.disabled, b.created_at FROM redeem_batches b";
RedeemBatch to_batch(const store::Row& r) {
  return RedeemBatch{r.i64(0), r.str(1),     r.str(2),     r.i64(3),      r.opt_i64(4), r.opt_i64(5),
                     r.i64(6), r.i64(7),     r.opt_i64(8), r.boolean(9), r.i64(10)};
}
}  // namespace

int64_t create_batch(Conn& c, const RedeemBatch& b, int64_t created_by, const std::vector<std::string>& codes,
                     int64_t now) {
  int64_t id = c.query_one(
                    "INSERT INTO redeem_batches (name, kind, amount, pack_id, plan_id, count, expires_at, disabled, "
                    "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) RETURNING id",
                    {b.name, b.kind, b.amount, nullable(b.pack_id), nullable(b.plan_id), static_cast<int64_t>(codes.size()),
                     nullable(b.expires_at), created_by, now})
                   ->i64(0);
  for (const auto& code : codes) c.exec("INSERT INTO redeem_codes (code, batch_id) VALUES ($1, $2)", {code, id});
  return id;
}

std::vector<RedeemBatch> batches(Conn& c) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " ORDER BY b.id DESC");
  std::vector<RedeemBatch> out;
  for (const auto& r : rows.rows) out.push_back(to_batch(r));
  return out;
}

std::optional<RedeemBatch> batch(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " WHERE b.id = $1", {id});
  if (!row) return std::nullopt;
  return to_batch(*row);
}

bool disable(Conn& c, int64_t id) {
  return c.exec("UPDATE redeem_batches SET disabled = 1 WHERE id = $1", {id}) > 0;
}

std::vector<CodeRow> codes(Conn& c, int64_t batch_id) {
  auto rows = c.query("SELECT code, redeemed_by, redeemed_at FROM redeem_codes WHERE batch_id = $1 ORDER BY code",
                      {batch_id});
  std::vector<CodeRow> out;
  for (const auto& r : rows.rows) out.push_back({r.str(0), r.opt_i64(1), r.opt_i64(2)});
  return out;
}

std::optional<int64_t> claim(Conn& c, const std::string& code, int64_t user_id, int64_t now) {
  if (c.exec("UPDATE redeem_codes SET redeemed_by = $2, redeemed_at = $3 WHERE code = $1 AND redeemed_by IS NULL",
             {code, user_id, now}) != 1)
    return std::nullopt;
  return c.query_one("SELECT batch_id FROM redeem_codes WHERE code = $1", {code})->i64(0);
}

}  // namespace redeem

namespace wallet_ops {

Claim claim(Conn& c, const std::string& op_key, const std::string& what, int64_t now) {
  if (c.exec("INSERT INTO wallet_ops (op_key, what, created_at) VALUES ($1, $2, $3) ON CONFLICT (op_key) DO NOTHING",
             {op_key, what, now}) == 1)
    return Claim::claimed;
  auto used = c.query_one("SELECT what FROM wallet_ops WHERE op_key = $1", {op_key});
  return used && used->str(0) == what ? Claim::same_operation : Claim::different_operation;
}

}  // namespace wallet_ops

}  // namespace plaza::store
