#include "api/billing_admin_handlers.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/key_handlers.hpp"
#include "api/wallet_handlers.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "services/billing_admin.hpp"
#include "store/async.hpp"
#include "store/reports_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

int64_t int_or(const bj::object& body, std::string_view key, int64_t fallback) {
  return json::optional_int(body, key).value_or(fallback);
}

bj::object price_json(const std::string& model, const money::Price& p) {
  return bj::object{{"model", model},
                    {"mode", money::to_string(p.mode)},
                    {"input_per_m", p.input_per_m},
                    {"output_per_m", p.output_per_m},
                    {"cached_per_m", p.cached_per_m},
                    {"per_call", p.per_call},
                    {"web_free", p.web_free},
                    {"web_free_daily_cap", p.web_free_daily_cap},
                    {"max_output_tokens", p.max_output_tokens}};
}

std::vector<store::Allowance> parse_allowances(const bj::object& body) {
  std::vector<store::Allowance> out;
  auto it = body.find("allowances");
  if (it == body.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) throw Error(ErrorCode::invalid_request, "allowances must be a list", "allowances");
  for (const auto& item : it->value().as_array()) {
    if (!item.is_object()) throw Error(ErrorCode::invalid_request, "each allowance is {model, per_day}", "allowances");
    const auto& o = item.as_object();
    out.push_back({json::require_string(o, "model"), json::optional_int(o, "per_day").value_or(-1)});
  }
  return out;
}

store::Plan plan_from(const bj::object& body, int64_t id) {
  store::Plan p;
  p.id = id;
  p.name = json::require_string(body, "name");
  p.level = int_or(body, "level", 1);
  p.period_days = int_or(body, "period_days", 30);
  p.price = int_or(body, "price", -1);
  p.allowances = parse_allowances(body);
  p.enabled = json::optional_bool(body, "enabled").value_or(true);
  return p;
}

store::Pack pack_from(const bj::object& body, int64_t id) {
  store::Pack p;
  p.id = id;
  p.name = json::require_string(body, "name");
  p.kind = json::require_string(body, "kind");
  p.price = int_or(body, "price", -1);
  p.calls = int_or(body, "calls", 0);
  p.credits = int_or(body, "credits", 0);
  p.models = json::optional_string_array(body, "models", 201).value_or(std::vector<std::string>{});
  p.valid_days = int_or(body, "valid_days", 0);
  p.enabled = json::optional_bool(body, "enabled").value_or(true);
  p.per_user_limit = json::optional_int(body, "per_user_limit");
  return p;
}

bj::object batch_json(const store::RedeemBatch& b) {
  return bj::object{{"id", b.id},
                    {"name", b.name},
                    {"kind", b.kind},
                    {"amount", b.amount},
                    {"pack_id", json::nullable(b.pack_id)},
                    {"plan_id", json::nullable(b.plan_id)},
                    {"count", b.count},
                    {"redeemed", b.redeemed},
                    {"expires_at", json::nullable(b.expires_at)},
                    {"disabled", b.disabled},
                    {"created_at", b.created_at}};
}

}  // namespace

awaitable<http::Response> admin_list_prices(Ctx& ctx) {
  auto rows = co_await ctx.site.billing_admin.prices();
  bj::array out;
  for (const auto& r : rows) out.push_back(price_json(r.model, r.price));
  co_return json_response(200, bj::object{{"prices", std::move(out)}});
}

awaitable<http::Response> admin_put_price(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string model(ctx.req.param("model"));
  money::Price p;
  auto mode = money::parse_price_mode(json::require_string(body, "mode"));
  if (!mode) throw Error(ErrorCode::invalid_request, "mode is free, per_call or per_token", "mode");
  p.mode = *mode;
  p.input_per_m = int_or(body, "input_per_m", 0);
  p.output_per_m = int_or(body, "output_per_m", 0);
  p.cached_per_m = int_or(body, "cached_per_m", 0);
  p.per_call = int_or(body, "per_call", 0);
  p.web_free = json::optional_bool(body, "web_free").value_or(false);
  p.web_free_daily_cap = int_or(body, "web_free_daily_cap", 0);
  p.max_output_tokens = int_or(body, "max_output_tokens", 0);
  co_await ctx.site.billing_admin.put_price(ctx.me().id, model, p);
  co_return json_response(200, price_json(model, p));
}

awaitable<http::Response> admin_delete_price(Ctx& ctx) {
  co_await ctx.site.billing_admin.delete_price(ctx.me().id, std::string(ctx.req.param("model")));
  co_return json_response(200, bj::object{{"ok", true}});
}

awaitable<http::Response> admin_list_groups(Ctx& ctx) {
  auto groups = co_await ctx.site.billing_admin.groups();
  bj::array out;
  for (const auto& g : groups) out.push_back(bj::object{{"name", g.name}, {"multiplier_ppm", g.multiplier_ppm}});
  co_return json_response(200, bj::object{{"groups", std::move(out)}});
}

awaitable<http::Response> admin_put_group(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string name(ctx.req.param("name"));
  auto ppm = json::optional_int(body, "multiplier_ppm");
  if (!ppm) throw Error(ErrorCode::invalid_request, "multiplier_ppm is required", "multiplier_ppm");
  co_await ctx.site.billing_admin.put_group(ctx.me().id, name, *ppm);
  co_return json_response(200, bj::object{{"name", name}, {"multiplier_ppm", *ppm}});
}

awaitable<http::Response> admin_list_plans(Ctx& ctx) {
  auto plans = co_await ctx.site.billing_admin.plans(false);
  bj::array out;
  for (const auto& p : plans) out.push_back(plan_json(p));
  co_return json_response(200, bj::object{{"plans", std::move(out)}});
}

awaitable<http::Response> admin_create_plan(Ctx& ctx) {
  auto plan = co_await ctx.site.billing_admin.save_plan(ctx.me().id, plan_from(body_object(ctx), 0));
  co_return json_response(201, plan_json(plan));
}

awaitable<http::Response> admin_update_plan(Ctx& ctx) {
  auto plan = co_await ctx.site.billing_admin.save_plan(ctx.me().id, plan_from(body_object(ctx), id_param(ctx, "id")));
  co_return json_response(200, plan_json(plan));
}

awaitable<http::Response> admin_list_packs(Ctx& ctx) {
  auto packs = co_await ctx.site.billing_admin.packs(false);
  bj::array out;
  for (const auto& p : packs) out.push_back(pack_json(p));
  co_return json_response(200, bj::object{{"packs", std::move(out)}});
}

awaitable<http::Response> admin_create_pack(Ctx& ctx) {
  auto pack = co_await ctx.site.billing_admin.save_pack(ctx.me().id, pack_from(body_object(ctx), 0));
  co_return json_response(201, pack_json(pack));
}

awaitable<http::Response> admin_update_pack(Ctx& ctx) {
  auto pack = co_await ctx.site.billing_admin.save_pack(ctx.me().id, pack_from(body_object(ctx), id_param(ctx, "id")));
  co_return json_response(200, pack_json(pack));
}

awaitable<http::Response> admin_list_batches(Ctx& ctx) {
  auto batches = co_await ctx.site.billing_admin.batches();
  bj::array out;
  for (const auto& b : batches) out.push_back(batch_json(b));
  co_return json_response(200, bj::object{{"batches", std::move(out)}});
}

awaitable<http::Response> admin_create_batch(Ctx& ctx) {
  auto body = body_object(ctx);
  store::RedeemBatch b;
  b.name = json::require_string(body, "name");
  b.kind = json::require_string(body, "kind");
  b.amount = int_or(body, "amount", 0);
  b.pack_id = json::optional_int(body, "pack_id");
  b.plan_id = json::optional_int(body, "plan_id");
  b.count = int_or(body, "count", 0);
  b.expires_at = json::optional_int(body, "expires_at");
  auto [batch, codes] = co_await ctx.site.billing_admin.create_batch(ctx.me().id, b);
  bj::array list;
  for (const auto& c : codes) list.emplace_back(c);
  auto r = json_response(201, bj::object{{"batch", batch_json(batch)}, {"codes", std::move(list)}});
  r.header("Cache-Control", "no-store");
  co_return r;
}

awaitable<http::Response> admin_batch_csv(Ctx& ctx) {
  auto codes = co_await ctx.site.billing_admin.codes(id_param(ctx, "id"));
  std::string body = "code,redeemed_by,redeemed_at\n";
  for (const auto& c : codes)
    body += c.code + "," + (c.redeemed_by ? std::to_string(*c.redeemed_by) : "") + "," +
            (c.redeemed_at ? std::to_string(*c.redeemed_at) : "") + "\n";
  http::Response r{200, {}, std::move(body)};
  r.header("Content-Type", "text/csv; charset=utf-8");
  r.header("Content-Disposition", "attachment; filename=\"codes.csv\"");
  r.header("Cache-Control", "no-store");
  co_return r;
}

awaitable<http::Response> admin_disable_batch(Ctx& ctx) {
  co_await ctx.site.billing_admin.disable_batch(ctx.me().id, id_param(ctx, "id"));
  co_return json_response(200, bj::object{{"ok", true}});
}

awaitable<http::Response> admin_user_wallet(Ctx& ctx) {
  auto view = co_await ctx.site.wallet.view(id_param(ctx, "id"));
  co_return json_response(200, wallet_json(view, ctx.site));
}

awaitable<http::Response> admin_user_credits(Ctx& ctx) {
  auto body = body_object(ctx);
  int64_t user = id_param(ctx, "id");
  auto amount = json::optional_int(body, "amount");
  if (!amount) throw Error(ErrorCode::invalid_request, "amount is required (µc; negative deducts)", "amount");
  co_await ctx.site.wallet.grant(ctx.me().id, user, json::require_string(body, "source"), *amount,
                                 json::require_string(body, "reason"), ctx.req.request_id);
  auto view = co_await ctx.site.wallet.view(user);
  co_return json_response(200, wallet_json(view, ctx.site));
}

awaitable<http::Response> admin_revenue(Ctx& ctx) {
  int64_t now = ctx.site.clock.now_s();
  std::string to = ctx.req.query_param("to").value_or(local_day(now));
  std::string from = ctx.req.query_param("from").value_or(local_day(now - 29 * 86'400));
  auto days = co_await ctx.site.billing_admin.revenue(from, to);
  bj::array out;
  for (const auto& d : days) {
    bj::array by_model;
    for (const auto& m : d.by_model)
      by_model.push_back(bj::object{
          {"model", m.model}, {"calls", m.calls}, {"cost", m.cost}, {"paid_uc", m.paid_uc}, {"gift_uc", m.gift_uc}});
    out.push_back(bj::object{{"day", d.day},
                             {"usage_paid", d.usage_paid},
                             {"usage_gift", d.usage_gift},
                             {"plan_sales", d.plan_sales},
                             {"pack_sales", d.pack_sales},
                             {"credit_packs", d.credit_packs},
                             {"app_surcharges", d.app_surcharges},
                             {"app_unlocks", d.app_unlocks},
                             {"earnings_converted", d.earnings_converted},
                             {"top_ups", d.top_ups},
                             {"by_model", std::move(by_model)}});
  }
  co_return json_response(200, bj::object{{"days", std::move(out)}});
}

namespace {

// One request reads at most this many of the newest events below `before` (the site's, or the
// user's through their (user_id, id) index): a filter that matches nothing recent costs a bounded
// read, and the answer says where it stopped so that the operator can go on from there.
constexpr int64_t kLogWindow = 100'000;

}  // namespace

awaitable<http::Response> admin_usage(Ctx& ctx) {
  store::reports::UsageFilter f = usage_filter(ctx);
  if (auto s = ctx.req.query_param("status"); s && !s->empty()) {
    if (*s != "ok" && *s != "error" && *s != "cancelled")
      throw Error(ErrorCode::invalid_request, "status is ok, error or cancelled", "status");
    f.status = *s;
  }
  if (int64_t ch = query_int(ctx, "channel_id", 0, 0, INT64_MAX)) f.channel_id = ch;
  std::string username(ctx.req.query_param("user").value_or(""));
  int64_t limit = query_int(ctx, "limit", 50, 1, 200);
  int64_t before = query_int(ctx, "before", INT64_MAX, 1, INT64_MAX);
  struct Page {
    std::vector<store::UsageEvent> rows;
    std::map<int64_t, std::string> users, channels;
    int64_t window_floor = 0;  // the lowest id read, when the read was bounded
  };
  auto page = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    Page p;
    int64_t user_id = 0;
    if (!username.empty()) {
      auto user = store::users::find_by_username(c, username);
      if (!user) throw Error(ErrorCode::not_found, "no such user", "user");
      user_id = user->id;
      // The user's index gives a page at once unless another filter may skip most of their calls.
      if (f.from_day || f.to_day || f.model || f.surface || f.channel_id || f.status) {
        f.from_id = store::reports::usage_id_back(c, user_id, before, kLogWindow);  // 0: they have fewer
        p.window_floor = f.from_id;
      }
    } else {
      int64_t top = std::min(before, store::reports::last_usage_id(c) + 1);
      f.from_id = std::max<int64_t>(1, top - kLogWindow);
      p.window_floor = f.from_id;
    }
    p.rows = store::reports::usage(c, user_id, f, limit, before);
    std::set<int64_t> user_ids, channel_ids;
    for (const auto& e : p.rows) {
      user_ids.insert(e.user_id);
      if (e.channel_id) channel_ids.insert(*e.channel_id);
    }
    p.users = store::reports::usernames(c, user_ids);
    p.channels = store::reports::channel_names(c, channel_ids);
    return p;
  });
  bj::array out;
  for (const auto& e : page.rows) {
    auto o = usage_json(e);
    auto name_of = [](const std::map<int64_t, std::string>& m, int64_t id) -> bj::value {
      auto it = m.find(id);
      return it == m.end() ? bj::value(nullptr) : bj::value(it->second);  // deleted since
    };
    o["user_id"] = e.user_id;
    o["username"] = name_of(page.users, e.user_id);
    o["channel_id"] = json::nullable(e.channel_id);
    o["channel"] = e.channel_id ? name_of(page.channels, *e.channel_id) : bj::value(nullptr);
    o["app_id"] = json::nullable(e.app_id);
    o["error_code"] = e.error_code;
    o["error_detail"] = e.error_detail;  // the operator's only: not in a user's own usage
    o["attempts"] = e.attempts;
    o["latency_ms"] = e.latency_ms;
    o["ttft_ms"] = json::nullable(e.ttft_ms);
    o["tokens_reported"] = e.tokens_reported;
    out.push_back(std::move(o));
  }
  // A short page from a bounded read: older events are still to be searched from there.
  bool more_below = page.window_floor > 1 && static_cast<int64_t>(page.rows.size()) < limit;
  co_return json_response(
      200, bj::object{{"usage", std::move(out)}, {"searched_to", more_below ? bj::value(page.window_floor) : nullptr}});
}

}  // namespace plaza::api
