#include "api/wallet_handlers.hpp"

#include <boost/json.hpp>

#include <charconv>

#include "api/key_handlers.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "services/billing_admin.hpp"
#include "store/async.hpp"
#include "store/reports_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

constexpr int64_t kMaxPage = 200;
constexpr int64_t kMaxCsvRows = 100'000;

bj::array allowances_json(const std::vector<store::Allowance>& list) {
  bj::array out;
  for (const auto& a : list) out.push_back(bj::object{{"model", a.model}, {"per_day", a.per_day}});
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// X-Request-Id (sent by the client, or made by the server) keys the ledger transfer: a client that
// retries with the same id is charged once.
std::string op_id(const Ctx& ctx) {
  return ctx.req.request_id;
}

awaitable<http::Response> wallet_response(Ctx& ctx, int64_t user_id) {
  auto view = co_await ctx.site.wallet.view(user_id);
  co_return json_response(200, wallet_json(view, ctx.site));
}

}  // namespace

std::optional<std::string> query_day(const Ctx& ctx, std::string_view name) {
  auto v = ctx.req.query_param(name);
  if (!v || v->empty()) return std::nullopt;
  if (!is_day(*v))
    throw Error(ErrorCode::invalid_request, std::string(name) + " must be YYYY-MM-DD", std::string(name));
  return v;
}

bj::object usage_json(const store::UsageEvent& e) {
  return bj::object{{"id", e.id},
                    {"request_id", e.request_id},
                    {"created_at", e.created_at},
                    {"day", e.day},
                    {"model", e.model},
                    {"surface", e.surface},
                    {"api_key_id", json::nullable(e.api_key_id)},
                    {"app_id", json::nullable(e.app_id)},
                    {"prompt_tokens", e.prompt_tokens},
                    {"completion_tokens", e.completion_tokens},
                    {"cost", e.cost},
                    {"allowance_uc", e.allowance_uc},
                    {"count_pack_uc", e.count_pack_uc},
                    {"paid_uc", e.paid_uc},
                    {"gift_uc", e.gift_uc},
                    {"surcharge", e.surcharge},
                    {"surcharge_paid_uc", e.surcharge_paid_uc},
                    {"surcharge_gift_uc", e.surcharge_gift_uc},
                    {"status", e.status}};
}

bj::object wallet_json(const services::WalletView& w, const Site& site) {
  bj::value sub = nullptr;
  if (w.subscription) {
    const auto& s = *w.subscription;
    bj::array allowances;
    for (const auto& a : w.allowances)
      allowances.push_back(bj::object{
          {"model", a.model}, {"per_day", a.per_day}, {"used_today", a.used_today}, {"left_today", a.left_today}});
    sub = bj::object{{"id", s.id},
                     {"plan_id", s.plan_id},
                     {"plan_name", s.plan_name},
                     {"level", s.level},
                     {"price", s.price},
                     {"daily_value", s.daily_value},
                     {"period_days", s.period_days},
                     {"started_at", s.started_at},
                     {"ends_at", s.ends_at},
                     {"auto_renew", s.auto_renew},
                     {"from_code", s.from_code},
                     // What its unused days are worth now towards an upgrade; a higher plan that
                     // costs less is refused (409), so the web offers it as no upgrade.
                     {"upgrade_credit", w.upgrade_credit},
                     {"allowances", std::move(allowances)}};
  }
  bj::array packs;
  for (const auto& p : w.packs)
    packs.push_back(bj::object{{"id", p.id},
                               {"name", p.name},
                               {"models", json::string_array(p.models)},
                               {"total", p.total},
                               {"remaining", p.remaining},
                               {"expires_at", json::nullable(p.expires_at)}});
  bj::array purchases;
  for (const auto& [pack_id, bought] : w.pack_purchases)
    purchases.push_back(bj::object{{"pack_id", pack_id}, {"bought", bought}});
  bj::array order_json;
  for (auto s : site.meter.options().order) order_json.emplace_back(money::to_string(s));
  return bj::object{{"paid", w.paid},
                    {"gift", w.gift},
                    {"paid_held", w.paid_held},
                    {"gift_held", w.gift_held},
                    {"paying", w.paying},
                    {"deduction_order", std::move(order_json)},
                    {"subscription", std::move(sub)},
                    {"packs", std::move(packs)},
                    {"pack_purchases", std::move(purchases)},
                    {"currency", bj::object{{"code", site.config.currency},
                                            {"credits_per_unit", site.config.credits_per_currency_unit}}}};
}

awaitable<http::Response> get_wallet(Ctx& ctx) {
  co_return co_await wallet_response(ctx, ctx.me().id);
}

awaitable<http::Response> get_transactions(Ctx& ctx) {
  int64_t limit = query_int(ctx, "limit", 50, 1, kMaxPage);
  int64_t before = query_int(ctx, "before", INT64_MAX, 1, INT64_MAX);
  auto rows = co_await ctx.site.wallet.transactions(ctx.me().id, limit, before);
  bj::array out;
  for (const auto& t : rows)
    out.push_back(bj::object{{"id", t.id},
                             {"created_at", t.created_at},
                             {"kind", t.kind},
                             {"source", t.source},
                             {"amount", t.amount},
                             {"memo", t.memo},
                             {"request_id", t.request_id}});
  co_return json_response(200, bj::object{{"transactions", std::move(out)}});
}

store::reports::UsageFilter usage_filter(const Ctx& ctx) {
  store::reports::UsageFilter f;
  f.from_day = query_day(ctx, "from");
  f.to_day = query_day(ctx, "to");
  if (auto m = ctx.req.query_param("model"); m && !m->empty()) f.model = *m;
  if (auto s = ctx.req.query_param("surface"); s && !s->empty()) {
    if (*s != "web" && *s != "api") throw Error(ErrorCode::invalid_request, "surface is web or api", "surface");
    f.surface = *s;
  }
  if (int64_t k = query_int(ctx, "key_id", 0, 0, INT64_MAX)) f.key_id = k;
  if (int64_t a = query_int(ctx, "app_id", 0, 0, INT64_MAX)) f.app_id = a;
  return f;
}

awaitable<http::Response> get_usage(Ctx& ctx) {
  store::reports::UsageFilter f = usage_filter(ctx);
  bool csv = ctx.req.query_param("format").value_or("") == "csv";
  int64_t limit = csv ? kMaxCsvRows : query_int(ctx, "limit", 50, 1, kMaxPage);
  int64_t before = query_int(ctx, "before", INT64_MAX, 1, INT64_MAX);
  int64_t user = ctx.me().id;
  auto rows = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    return store::reports::usage(c, user, f, limit, before);
  });
  if (!csv) {
    bj::array out;
    for (const auto& e : rows) out.push_back(usage_json(e));
    co_return json_response(200, bj::object{{"usage", std::move(out)}});
  }
  std::string body =
      "id,request_id,time,day,model,surface,api_key_id,app_id,prompt_tokens,completion_tokens,cost_uc,allowance_uc,"
      "count_pack_uc,paid_uc,gift_uc,surcharge,status\n";
  for (const auto& e : rows) {
    body += std::to_string(e.id) + "," + csv_field(e.request_id) + "," + std::to_string(e.created_at) + "," + e.day +
            "," + csv_field(e.model) + "," + e.surface + "," + (e.api_key_id ? std::to_string(*e.api_key_id) : "") +
            "," + (e.app_id ? std::to_string(*e.app_id) : "") + "," + std::to_string(e.prompt_tokens) + "," +
            std::to_string(e.completion_tokens) + "," + std::to_string(e.cost) + "," + std::to_string(e.allowance_uc) +
            "," + std::to_string(e.count_pack_uc) + "," + std::to_string(e.paid_uc) + "," + std::to_string(e.gift_uc) +
            "," + std::to_string(e.surcharge) + "," + e.status + "\n";
  }
  http::Response r{200, {}, std::move(body)};
  r.header("Content-Type", "text/csv; charset=utf-8");
  r.header("Content-Disposition", "attachment; filename=\"usage.csv\"");
  co_return r;
}

awaitable<http::Response> get_usage_daily(Ctx& ctx) {
  int64_t now = ctx.site.clock.now_s();
  std::string to = query_day(ctx, "to").value_or(local_day(now));
  std::string from = query_day(ctx, "from").value_or(local_day(now - 29 * 86'400));
  int64_t user = ctx.me().id;
  auto rows = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    return store::reports::daily_spend(c, user, from, to);
  });
  bj::array out;
  for (const auto& d : rows)
    out.push_back(bj::object{{"day", d.day},
                             {"model", d.model},
                             {"calls", d.calls},
                             {"cost", d.cost},
                             {"paid_uc", d.paid_uc},
                             {"gift_uc", d.gift_uc}});
  co_return json_response(200, bj::object{{"days", std::move(out)}});
}

bj::object plan_json(const store::Plan& p) {
  return bj::object{{"id", p.id},
                    {"name", p.name},
                    {"level", p.level},
                    {"period_days", p.period_days},
                    {"price", p.price},
                    {"daily_value", p.daily_value()},
                    {"allowances", allowances_json(p.allowances)},
                    {"enabled", p.enabled}};
}

bj::object pack_json(const store::Pack& p) {
  return bj::object{{"id", p.id},
                    {"name", p.name},
                    {"kind", p.kind},
                    {"price", p.price},
                    {"calls", p.calls},
                    {"credits", p.credits},
                    {"models", json::string_array(p.models)},
                    {"valid_days", p.valid_days},
                    {"enabled", p.enabled},
                    {"per_user_limit", json::nullable(p.per_user_limit)}};
}

awaitable<http::Response> list_plans(Ctx& ctx) {
  auto plans = co_await ctx.site.billing_admin.plans(true);
  bj::array out;
  for (const auto& p : plans) out.push_back(plan_json(p));
  co_return json_response(200, bj::object{{"plans", std::move(out)}});
}

awaitable<http::Response> list_packs(Ctx& ctx) {
  auto packs = co_await ctx.site.billing_admin.packs(true);
  bj::array out;
  for (const auto& p : packs) out.push_back(pack_json(p));
  co_return json_response(200, bj::object{{"packs", std::move(out)}});
}

awaitable<http::Response> post_subscribe(Ctx& ctx) {
  auto body = body_object(ctx);
  auto plan_id = json::optional_int(body, "plan_id");
  if (!plan_id) throw Error(ErrorCode::invalid_request, "choose a plan", "plan_id");
  co_await ctx.site.wallet.subscribe(ctx.me().id, *plan_id, op_id(ctx));
  co_return co_await wallet_response(ctx, ctx.me().id);
}

awaitable<http::Response> post_renew(Ctx& ctx) {
  co_await ctx.site.wallet.renew(ctx.me().id, op_id(ctx));
  co_return co_await wallet_response(ctx, ctx.me().id);
}

awaitable<http::Response> post_cancel(Ctx& ctx) {
  co_await ctx.site.wallet.cancel(ctx.me().id);
  co_return co_await wallet_response(ctx, ctx.me().id);
}

awaitable<http::Response> post_buy_pack(Ctx& ctx) {
  co_await ctx.site.wallet.buy_pack(ctx.me().id, id_param(ctx, "id"), op_id(ctx));
  co_return co_await wallet_response(ctx, ctx.me().id);
}

awaitable<http::Response> post_redeem(Ctx& ctx) {
  auto body = body_object(ctx);
  auto redeemed = co_await ctx.site.wallet.redeem(ctx.me().id, json::require_string(body, "code"));
  auto view = co_await ctx.site.wallet.view(ctx.me().id);
  co_return json_response(200, bj::object{{"redeemed", bj::object{{"kind", redeemed.kind}, {"amount", redeemed.amount}}},
                                          {"wallet", wallet_json(view, ctx.site)}});
}

}  // namespace plaza::api
