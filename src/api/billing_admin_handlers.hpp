#pragma once
// Admin: prices and group multipliers, plans, packs, redeem batches, users' wallets and credits, revenue,
// and the request log (every user's usage events).
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> admin_list_prices(Ctx& ctx);
awaitable<http::Response> admin_put_price(Ctx& ctx);
awaitable<http::Response> admin_delete_price(Ctx& ctx);
awaitable<http::Response> admin_list_groups(Ctx& ctx);
awaitable<http::Response> admin_put_group(Ctx& ctx);
awaitable<http::Response> admin_list_plans(Ctx& ctx);
awaitable<http::Response> admin_create_plan(Ctx& ctx);
awaitable<http::Response> admin_update_plan(Ctx& ctx);
awaitable<http::Response> admin_list_packs(Ctx& ctx);
awaitable<http::Response> admin_create_pack(Ctx& ctx);
awaitable<http::Response> admin_update_pack(Ctx& ctx);
awaitable<http::Response> admin_list_batches(Ctx& ctx);
awaitable<http::Response> admin_create_batch(Ctx& ctx);
awaitable<http::Response> admin_batch_csv(Ctx& ctx);
awaitable<http::Response> admin_disable_batch(Ctx& ctx);
awaitable<http::Response> admin_user_wallet(Ctx& ctx);
awaitable<http::Response> admin_user_credits(Ctx& ctx);
awaitable<http::Response> admin_revenue(Ctx& ctx);
awaitable<http::Response> admin_usage(Ctx& ctx);

}  // namespace plaza::api
