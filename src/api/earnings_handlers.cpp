#include "api/earnings_handlers.hpp"

#include <boost/json.hpp>

#include "api/app_handlers.hpp"
#include "api/key_handlers.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

namespace plaza::api {

namespace bj = boost::json;
namespace earn = store::earnings;

namespace {

bj::object payout_json(const earn::Payout& p, bool with_user) {
  bj::object o{{"id", p.id},
               {"amount", p.amount},
               {"destination", p.destination},
               {"status", p.status},
               {"reference", p.reference},
               {"reason", p.reason},
               {"created_at", p.created_at},
               {"decided_at", json::nullable(p.decided_at)}};
  if (with_user) o["user"] = bj::object{{"id", p.user_id}, {"username", p.username}};
  return o;
}

awaitable<bj::object> earnings_json(Ctx& ctx) {
  auto days = static_cast<int>(query_int(ctx, "days", 30, 1, 366));
  auto [s, payouts] = co_await ctx.site.earnings.page(ctx.me(), days);
  const auto& o = ctx.site.earnings.options();
  bj::array dj, aj, pj;
  for (const auto& d : s.days)
    dj.push_back(bj::object{{"day", d.day}, {"direct", d.direct}, {"subscription", d.subscription}, {"pack", d.pack}});
  for (const auto& a : s.apps)
    aj.push_back(bj::object{{"app_id", a.app_id},
                            {"slug", a.slug},
                            {"title", a.title},
                            {"calls", a.calls},
                            {"paying_users", a.paying_users},
                            {"direct", a.direct},
                            {"subscription", a.subscription},
                            {"pack", a.pack}});
  for (const auto& p : payouts) pj.push_back(payout_json(p, false));
  co_return bj::object{{"pending", s.pending},
                       {"available", s.available},
                       {"frozen", s.frozen},
                       {"requested", s.requested},
                       {"paid_out", s.paid_out},
                       {"clearing_days", o.clearing_days},
                       {"payout_minimum", o.payout_minimum},
                       {"currency", bj::object{{"code", ctx.site.config.currency},
                                               {"credits_per_unit", ctx.site.config.credits_per_currency_unit}}},
                       {"creator_share_ppm", o.creator_share_ppm},
                       {"subscription_pool_ppm", o.shares.subscription_pool_ppm},
                       {"pack_pool_ppm", o.shares.pack_pool_ppm},
                       {"days", std::move(dj)},
                       {"apps", std::move(aj)},
                       {"payouts", std::move(pj)}};
}

int64_t required_amount(const bj::object& body) {
  auto amount = json::optional_int(body, "amount");
  if (!amount || *amount <= 0) throw Error(ErrorCode::invalid_request, "amount is a positive number of µc", "amount");
  return *amount;
}

services::FreezeRequest freeze_request(const bj::object& body) {
  return {json::require_string(body, "scope"), json::require_string(body, "name"),
          json::require_string(body, "reason")};
}

bj::object freeze_json(const earn::Freeze& f) {
  return bj::object{{"id", f.id},         {"scope", f.scope},     {"ref_id", f.ref_id},        {"name", f.name},
                    {"reason", f.reason}, {"pending", f.pending}, {"created_at", f.created_at}};
}

bj::object run_json(const earn::Run& r) {
  return bj::object{{"day", r.day},
                    {"status", r.status},
                    {"attempts", r.attempts},
                    {"batches", r.batches},
                    {"lease_owner", r.lease_owner},
                    {"lease_until", r.lease_until},
                    {"started_at", r.started_at},
                    {"finished_at", json::nullable(r.finished_at)}};
}

}  // namespace

awaitable<http::Response> unlock_app(Ctx& ctx) {
  std::string slug(ctx.req.param("slug"));
  const auto& o = ctx.site.earnings.options();
  // Like a purchase: the user's leases on credits give back what they hold, so the unlock can spend it.
  auto paused = co_await ctx.site.meter.give_back(ctx.me().id);
  co_await ctx.site.apps.unlock(ctx.me(), slug, o.creator_share_ppm, o.credit_order);
  auto v = co_await ctx.site.apps.get(ctx.user, slug);
  co_return json_response(200, app_json(v));
}

awaitable<http::Response> get_earnings(Ctx& ctx) {
  co_return json_response(200, co_await earnings_json(ctx));
}

awaitable<http::Response> post_convert(Ctx& ctx) {
  auto body = body_object(ctx);
  int64_t amount = required_amount(body);
  // A client's X-Request-Id makes a retried conversion a no-op (409) instead of a second one.
  std::string key(ctx.req.header("x-request-id"));
  co_await ctx.site.earnings.convert(ctx.me(), amount, key);
  co_return json_response(200, co_await earnings_json(ctx));
}

awaitable<http::Response> post_payout(Ctx& ctx) {
  auto body = body_object(ctx);
  int64_t amount = required_amount(body);
  co_await ctx.site.earnings.request_payout(ctx.me(), amount, json::require_string(body, "destination"));
  co_return json_response(200, co_await earnings_json(ctx));
}

awaitable<http::Response> admin_settlements(Ctx& ctx) {
  auto runs = co_await ctx.site.earnings.runs(query_int(ctx, "limit", 60, 1, 400));
  bj::array out;
  for (const auto& r : runs) {
    auto o = run_json(r.run);
    o["totals"] = bj::object{{"direct", r.direct}, {"subscription", r.subscription}, {"pack", r.pack}};
    o["rows"] = r.rows;
    out.push_back(std::move(o));
  }
  co_return json_response(200, bj::object{{"settlement_hour", ctx.site.config.settlement_hour},
                                          {"timezone", ctx.site.config.timezone},
                                          {"runs", std::move(out)}});
}

awaitable<http::Response> admin_start_settlement(Ctx& ctx) {
  auto body = body_object(ctx);
  auto run = co_await ctx.site.earnings.start_run(ctx.me(), json::require_string(body, "day"));
  co_return json_response(202, bj::object{{"run", run_json(run)}});
}

awaitable<http::Response> admin_freezes(Ctx& ctx) {
  auto freezes = co_await ctx.site.earnings.freezes();
  bj::array out;
  for (const auto& f : freezes) out.push_back(freeze_json(f));
  co_return json_response(200, bj::object{{"freezes", std::move(out)}});
}

awaitable<http::Response> admin_freeze(Ctx& ctx) {
  auto f = co_await ctx.site.earnings.freeze(ctx.me(), freeze_request(body_object(ctx)));
  co_return json_response(201, freeze_json(f));
}

awaitable<http::Response> admin_lift_freeze(Ctx& ctx) {
  co_await ctx.site.earnings.lift(ctx.me(), id_param(ctx, "id"));
  co_return json_response(200, bj::object{{"ok", true}});
}

awaitable<http::Response> admin_reverse(Ctx& ctx) {
  auto r = co_await ctx.site.earnings.reverse(ctx.me(), freeze_request(body_object(ctx)));
  co_return json_response(200, bj::object{{"rows", r.rows}, {"amount", r.amount}});
}

awaitable<http::Response> admin_payouts(Ctx& ctx) {
  auto list = co_await ctx.site.earnings.payouts(ctx.req.query_param("status").value_or(""));
  bj::array out;
  for (const auto& p : list) out.push_back(payout_json(p, true));
  co_return json_response(200, bj::object{{"payouts", std::move(out)}});
}

awaitable<http::Response> admin_payout_paid(Ctx& ctx) {
  auto body = body_object(ctx);
  auto p = co_await ctx.site.earnings.decide_payout(ctx.me(), id_param(ctx, "id"), true,
                                                    json::require_string(body, "reference"));
  co_return json_response(200, payout_json(p, true));
}

awaitable<http::Response> admin_payout_reject(Ctx& ctx) {
  auto body = body_object(ctx);
  auto p = co_await ctx.site.earnings.decide_payout(ctx.me(), id_param(ctx, "id"), false,
                                                    json::require_string(body, "reason"));
  co_return json_response(200, payout_json(p, true));
}

}  // namespace plaza::api
