#include "api/payment_handlers.hpp"

#include <boost/json.hpp>

#include "api/key_handlers.hpp"
#include "core/json.hpp"
#include "core/validation.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

constexpr int64_t kMaxPage = 200;

bj::object order_json(const store::payments::Order& o) {
  return bj::object{{"id", o.id},
                    {"status", o.status},
                    {"amount", o.amount},
                    {"currency", o.currency},
                    {"credits", o.credits},
                    {"created_at", o.created_at},
                    {"paid_at", json::nullable(o.paid_at)},
                    {"provider", o.provider}};
}

http::Response orders_response(const std::vector<store::payments::Order>& orders, bool admin) {
  bj::array out;
  for (const auto& o : orders) {
    auto j = order_json(o);
    if (admin) {
      j["user_id"] = o.user_id;
      j["username"] = o.username;
    }
    out.push_back(std::move(j));
  }
  return json_response(200, bj::object{{"orders", std::move(out)}});
}

bj::object provider_json(const services::PaymentSettings& s, const Site& site) {
  std::string base = without_trailing_slashes(site.payments.options().public_url);
  return bj::object{{"kind", s.kind},
                    {"api_base", s.api_base},
                    {"min_amount", s.min_amount},
                    {"max_amount", s.max_amount},
                    {"has_secret_key", !s.secret_key.empty()},
                    {"has_webhook_secret", !s.webhook_secret.empty()},
                    {"webhook_url", base + "/api/payments/stripe/webhook"}};
}

// A whole number in the body; absent: `fallback`; anything else (a fraction, a string): 400 naming it.
std::optional<int64_t> whole_field(const bj::object& body, std::string_view key, std::optional<int64_t> fallback) {
  auto v = body.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) throw Error(ErrorCode::invalid_request, std::string(key) + " is too large", std::string(key));
  throw Error(ErrorCode::invalid_request, std::string(key) + " must be a whole number (minor units)", std::string(key));
}

}  // namespace

awaitable<http::Response> get_payments(Ctx& ctx) {
  auto s = co_await ctx.site.payments.settings();
  const auto& o = ctx.site.payments.options();
  co_return json_response(200, bj::object{{"enabled", s.enabled()},
                                          {"provider", s.enabled() ? s.kind : ""},
                                          {"currency", o.currency},
                                          {"min_amount", s.min_amount},
                                          {"max_amount", s.max_amount},
                                          {"credits_per_currency_unit", o.credits_per_currency_unit}});
}

awaitable<http::Response> post_checkout(Ctx& ctx) {
  const auto& me = ctx.me();
  auto body = body_object(ctx);
  auto s = co_await ctx.site.payments.settings();
  if (!s.enabled())
    co_return json_response(409,
                            bj::object{{"error", bj::object{{"code", "payments_disabled"},
                                                            {"message", "payments are not configured on this site"}}}});
  auto amount = whole_field(body, "amount", std::nullopt);
  if (!amount) throw Error(ErrorCode::invalid_request, "amount is required (minor units)", "amount");
  std::optional<std::string> request_id;
  if (ctx.req.request_id_from_client) request_id = ctx.req.request_id;
  auto checkout = co_await ctx.site.payments.checkout(me.id, *amount, request_id);
  co_return json_response(200, bj::object{{"order", order_json(checkout.order)}, {"url", checkout.url}});
}

awaitable<http::Response> list_payment_orders(Ctx& ctx) {
  int64_t limit = query_int(ctx, "limit", 50, 1, kMaxPage);
  int64_t before = query_int(ctx, "before", INT64_MAX, 1, INT64_MAX);
  co_return orders_response(co_await ctx.site.payments.orders(ctx.me().id, limit, before), false);
}

awaitable<http::Response> get_payment_order(Ctx& ctx) {
  auto o = co_await ctx.site.payments.order(ctx.me().id, id_param(ctx, "id"));
  co_return json_response(200, order_json(o));
}

awaitable<http::Response> cancel_payment_order(Ctx& ctx) {
  auto o = co_await ctx.site.payments.cancel(ctx.me().id, id_param(ctx, "id"));
  co_return json_response(200, order_json(o));
}

awaitable<http::Response> stripe_webhook(Ctx& ctx) {
  co_await ctx.site.payments.stripe_webhook(std::string(ctx.req.header("stripe-signature")), ctx.req.body);
  co_return json_response(200, bj::object{{"received", true}});
}

awaitable<http::Response> admin_get_payment_provider(Ctx& ctx) {
  co_return json_response(200, provider_json(co_await ctx.site.payments.settings(), ctx.site));
}

awaitable<http::Response> admin_put_payment_provider(Ctx& ctx) {
  auto body = body_object(ctx);
  auto stored = co_await ctx.site.payments.settings();
  services::PaymentSettings s;
  s.kind = json::optional_string(body, "kind").value_or(stored.kind);
  s.api_base = json::optional_string(body, "api_base").value_or(stored.api_base);
  s.min_amount = *whole_field(body, "min_amount", stored.min_amount);
  s.max_amount = *whole_field(body, "max_amount", stored.max_amount);
  auto secret_key = json::optional_string(body, "secret_key");
  auto webhook_secret = json::optional_string(body, "webhook_secret");
  co_await ctx.site.payments.set_settings(ctx.me(), s, secret_key, webhook_secret);
  co_return json_response(200, provider_json(co_await ctx.site.payments.settings(), ctx.site));
}

awaitable<http::Response> admin_payment_orders(Ctx& ctx) {
  int64_t limit = query_int(ctx, "limit", 50, 1, kMaxPage);
  int64_t before = query_int(ctx, "before", INT64_MAX, 1, INT64_MAX);
  std::optional<int64_t> user_id;
  if (auto u = ctx.req.query_param("user_id"); u && !u->empty()) user_id = query_int(ctx, "user_id", 0, 1, INT64_MAX);
  std::string status = ctx.req.query_param("status").value_or("");
  co_return orders_response(co_await ctx.site.payments.all_orders(status, user_id, limit, before), true);
}

}  // namespace plaza::api
