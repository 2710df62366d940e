#pragma once
// A user's wallet: balances, plans and packs, redeeming, transactions and usage (with CSV export).
#include "api/middleware.hpp"
#include "services/wallet.hpp"

namespace plaza::api {

boost::json::object plan_json(const store::Plan& p);
boost::json::object pack_json(const store::Pack& p);
// A wallet as the API shows it: balances, plan, packs, the deduction order and the display currency.
boost::json::object wallet_json(const services::WalletView& w, const Site& site);

awaitable<http::Response> get_wallet(Ctx& ctx);
awaitable<http::Response> get_transactions(Ctx& ctx);
awaitable<http::Response> get_usage(Ctx& ctx);
awaitable<http::Response> get_usage_daily(Ctx& ctx);
awaitable<http::Response> list_plans(Ctx& ctx);
awaitable<http::Response> list_packs(Ctx& ctx);
awaitable<http::Response> post_subscribe(Ctx& ctx);
awaitable<http::Response> post_renew(Ctx& ctx);
awaitable<http::Response> post_cancel(Ctx& ctx);
awaitable<http::Response> post_buy_pack(Ctx& ctx);
awaitable<http::Response> post_redeem(Ctx& ctx);

}  // namespace plaza::api
