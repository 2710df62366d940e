#pragma once
// A user's wallet: balances, plans and packs, redeeming, transactions and usage (with CSV export).
#include "api/middleware.hpp"
#include "services/wallet.hpp"
#include "store/relay_records.hpp"
#include "store/reports_repo.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace plaza::api {

boost::json::object plan_json(const store::Plan& p);
boost::json::object pack_json(const store::Pack& p);
// A wallet as the API shows it: balances, plan, packs, the deduction order and the display currency.
boost::json::object wallet_json(const services::WalletView& w, const Site& site);
// A usage event as a user sees it (the operator's request log adds to it).
boost::json::object usage_json(const store::UsageEvent& e);
// A YYYY-MM-DD query parameter; nothing when absent or empty; invalid_request when malformed.
std::optional<std::string> query_day(const Ctx& ctx, std::string_view name);
// The filters of a usage list from the query (from, to, model, surface, key_id, app_id), checked.
store::reports::UsageFilter usage_filter(const Ctx& ctx);

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
