#pragma once
// Top-ups through the payment provider: the user's checkout and orders, Stripe's webhook, and the
// admin's provider settings and order list.
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> get_payments(Ctx& ctx);
awaitable<http::Response> post_checkout(Ctx& ctx);
awaitable<http::Response> list_payment_orders(Ctx& ctx);
awaitable<http::Response> get_payment_order(Ctx& ctx);
awaitable<http::Response> cancel_payment_order(Ctx& ctx);
awaitable<http::Response> stripe_webhook(Ctx& ctx);
awaitable<http::Response> admin_get_payment_provider(Ctx& ctx);
awaitable<http::Response> admin_put_payment_provider(Ctx& ctx);
awaitable<http::Response> admin_payment_orders(Ctx& ctx);

// The webhook's body limit (Stripe's events are a few KiB).
inline constexpr int64_t kWebhookBodyLimit = 64 * 1024;

}  // namespace plaza::api
