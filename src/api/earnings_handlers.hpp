#pragma once
// Creator revenue over HTTP (docs/earnings-api.md): unlocking apps, the creator's earnings,
// conversions and payouts, and the admin's settlements, freezes, reversals and payout queue.
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> unlock_app(Ctx& ctx);
awaitable<http::Response> get_earnings(Ctx& ctx);
awaitable<http::Response> post_convert(Ctx& ctx);
awaitable<http::Response> post_payout(Ctx& ctx);

awaitable<http::Response> admin_settlements(Ctx& ctx);
awaitable<http::Response> admin_start_settlement(Ctx& ctx);
awaitable<http::Response> admin_freezes(Ctx& ctx);
awaitable<http::Response> admin_freeze(Ctx& ctx);
awaitable<http::Response> admin_lift_freeze(Ctx& ctx);
awaitable<http::Response> admin_reverse(Ctx& ctx);
awaitable<http::Response> admin_payouts(Ctx& ctx);
awaitable<http::Response> admin_payout_paid(Ctx& ctx);
awaitable<http::Response> admin_payout_reject(Ctx& ctx);

}  // namespace plaza::api
