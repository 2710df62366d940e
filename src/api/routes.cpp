#include <boost/json/serialize.hpp>

#include "api/admin_handlers.hpp"
#include "api/app_handlers.hpp"
#include "api/auth_handlers.hpp"
#include "api/billing_admin_handlers.hpp"
#include "api/channel_handlers.hpp"
#include "api/chat_handlers.hpp"
#include "api/earnings_handlers.hpp"
#include "api/key_handlers.hpp"
#include "api/middleware.hpp"
#include "api/payment_handlers.hpp"
#include "api/upload_handlers.hpp"
#include "api/v1_handlers.hpp"
#include "api/wallet_handlers.hpp"
#include "store/async.hpp"

namespace plaza::api {

namespace {

// /healthz answers from memory: load balancers poll it often and a database stall should not make
// every instance look dead at once. /readyz checks the database.
awaitable<http::Response> healthz(Ctx&) {
  co_return http::Response::json(200, R"({"status":"ok"})");
}

awaitable<http::Response> readyz(Ctx& ctx) {
  co_await store::read(ctx.site.db, [](store::Conn& c) { c.query("SELECT 1"); });
  co_return http::Response::json(200, R"({"status":"ready"})");
}

awaitable<http::Response> metrics(Ctx& ctx) {
  http::Response r{200, {{"Content-Type", "text/plain; version=0.0.4"}}, ctx.site.metrics->render()};
  co_return r;
}

awaitable<http::Response> static_file(const Site* site, http::Request& req) {
  co_return site->static_files.serve(req);
}

}  // namespace

std::unique_ptr<http::Metrics> register_routes(http::Router& router, Site& site) {
  const Policy open{Auth::none, false};
  const Policy limited{Auth::none, true};
  const Policy session{Auth::session, true};
  // The square's read-only pages: a storefront people browse before they sign up.
  const Policy browse{Auth::optional, true};
  const Policy any{Auth::any, true};
  const Policy admin{Auth::admin, true};
  const Policy v1{Auth::key, true, true};

  add_route(router, site, "GET", "/healthz", open, healthz);
  add_route(router, site, "GET", "/readyz", open, readyz);
  add_route(router, site, "GET", "/metrics", open, metrics);

  add_route(router, site, "GET", "/api/setup", limited, get_setup);
  add_route(router, site, "POST", "/api/setup", limited, post_setup);
  add_route(router, site, "POST", "/api/auth/register", limited, post_register);
  add_route(router, site, "POST", "/api/auth/login", limited, post_login);
  add_route(router, site, "POST", "/api/auth/logout", session, post_logout);
  add_route(router, site, "GET", "/api/me", any, get_me);
  add_route(router, site, "PATCH", "/api/me", session, patch_me);
  add_route(router, site, "POST", "/api/me/password", session, post_password);

  add_route(router, site, "GET", "/api/keys", session, list_keys);
  add_route(router, site, "POST", "/api/keys", session, create_key);
  add_route(router, site, "PATCH", "/api/keys/{id}", session, update_key);
  add_route(router, site, "DELETE", "/api/keys/{id}", session, revoke_key);

  add_route(router, site, "GET", "/api/admin/users", admin, admin_list_users);
  add_route(router, site, "PATCH", "/api/admin/users/{id}", admin, admin_update_user);

  add_route(router, site, "GET", "/v1/models", v1, v1_models);
  add_route(router, site, "GET", "/v1/models/{id...}", v1, v1_model);
  add_route(router, site, "POST", "/v1/chat/completions", v1, v1_chat_completions);

  add_route(router, site, "GET", "/api/models", session, list_models);
  add_route(router, site, "GET", "/api/conversations", session, list_conversations);
  add_route(router, site, "POST", "/api/conversations", session, create_conversation);
  add_route(router, site, "DELETE", "/api/conversations", session, clear_conversations);
  add_route(router, site, "GET", "/api/conversations/{id}", session, get_conversation);
  add_route(router, site, "PATCH", "/api/conversations/{id}", session, rename_conversation);
  add_route(router, site, "DELETE", "/api/conversations/{id}", session, delete_conversation);
  add_route(router, site, "POST", "/api/chat", session, post_chat);

  add_route(router, site, "GET", "/api/admin/channels", admin, admin_list_channels);
  add_route(router, site, "POST", "/api/admin/channels", admin, admin_create_channel);
  add_route(router, site, "PATCH", "/api/admin/channels/{id}", admin, admin_update_channel);
  add_route(router, site, "DELETE", "/api/admin/channels/{id}", admin, admin_delete_channel);
  add_route(router, site, "POST", "/api/admin/channels/{id}/test", admin, admin_test_channel);
  add_route(router, site, "POST", "/api/admin/channels/upstream-models", admin, admin_upstream_models);
  add_route(router, site, "GET", "/api/admin/channels/health", admin, admin_channel_health);
  add_route(router, site, "POST", "/api/admin/channels/{id}/enable", admin, admin_enable_channel);
  add_route(router, site, "GET", "/api/admin/models", admin, admin_list_models);
  add_route(router, site, "PUT", "/api/admin/models/{id}", admin, admin_put_model);
  add_route(router, site, "DELETE", "/api/admin/models/{id}", admin, admin_delete_model);

  add_route(router, site, "GET", "/api/wallet", session, get_wallet);
  add_route(router, site, "GET", "/api/wallet/transactions", session, get_transactions);
  add_route(router, site, "POST", "/api/wallet/subscribe", session, post_subscribe);
  add_route(router, site, "POST", "/api/wallet/renew", session, post_renew);
  add_route(router, site, "POST", "/api/wallet/cancel", session, post_cancel);
  // Session only: an sk- key given to a third party must not read the account's whole usage.
  add_route(router, site, "GET", "/api/usage", session, get_usage);
  add_route(router, site, "GET", "/api/usage/daily", session, get_usage_daily);
  add_route(router, site, "GET", "/api/plans", any, list_plans);
  add_route(router, site, "GET", "/api/packs", any, list_packs);
  add_route(router, site, "POST", "/api/packs/{id}/buy", session, post_buy_pack);
  add_route(router, site, "POST", "/api/redeem", session, post_redeem);

  add_route(router, site, "GET", "/api/admin/prices", admin, admin_list_prices);
  add_route(router, site, "PUT", "/api/admin/prices/{model}", admin, admin_put_price);
  add_route(router, site, "DELETE", "/api/admin/prices/{model}", admin, admin_delete_price);
  add_route(router, site, "GET", "/api/admin/groups", admin, admin_list_groups);
  add_route(router, site, "PUT", "/api/admin/groups/{name}", admin, admin_put_group);
  add_route(router, site, "GET", "/api/admin/plans", admin, admin_list_plans);
  add_route(router, site, "POST", "/api/admin/plans", admin, admin_create_plan);
  add_route(router, site, "PUT", "/api/admin/plans/{id}", admin, admin_update_plan);
  add_route(router, site, "GET", "/api/admin/packs", admin, admin_list_packs);
  add_route(router, site, "POST", "/api/admin/packs", admin, admin_create_pack);
  add_route(router, site, "PUT", "/api/admin/packs/{id}", admin, admin_update_pack);
  add_route(router, site, "GET", "/api/admin/redeem-batches", admin, admin_list_batches);
  add_route(router, site, "POST", "/api/admin/redeem-batches", admin, admin_create_batch);
  add_route(router, site, "GET", "/api/admin/redeem-batches/{id}/codes.csv", admin, admin_batch_csv);
  add_route(router, site, "POST", "/api/admin/redeem-batches/{id}/disable", admin, admin_disable_batch);
  add_route(router, site, "GET", "/api/admin/users/{id}/wallet", admin, admin_user_wallet);
  add_route(router, site, "POST", "/api/admin/users/{id}/credits", admin, admin_user_credits);
  add_route(router, site, "GET", "/api/admin/revenue", admin, admin_revenue);

  add_route(router, site, "GET", "/api/payments", session, get_payments);
  add_route(router, site, "POST", "/api/payments/checkout", session, post_checkout);
  add_route(router, site, "GET", "/api/payments/orders", session, list_payment_orders);
  add_route(router, site, "GET", "/api/payments/orders/{id}", session, get_payment_order);
  add_route(router, site, "POST", "/api/payments/orders/{id}/cancel", session, cancel_payment_order);
  // Stripe's servers: no session, no CSRF (the signature authenticates), and not rate-limited per
  // address (every site's deliveries come from Stripe's few addresses).
  add_route(router, site, "POST", "/api/payments/stripe/webhook", open, stripe_webhook, kWebhookBodyLimit);
  add_route(router, site, "GET", "/api/admin/payments/provider", admin, admin_get_payment_provider);
  add_route(router, site, "PUT", "/api/admin/payments/provider", admin, admin_put_payment_provider);
  add_route(router, site, "GET", "/api/admin/payments/orders", admin, admin_payment_orders);
  add_route(router, site, "GET", "/api/admin/usage", admin, admin_usage);

  add_route(router, site, "GET", "/api/apps", browse, list_apps);
  add_route(router, site, "POST", "/api/apps", session, create_app);
  add_route(router, site, "GET", "/api/apps/categories", browse, app_categories);
  add_route(router, site, "GET", "/api/apps/{slug}", browse, get_app);
  add_route(router, site, "PATCH", "/api/apps/{slug}", session, update_app);
  add_route(router, site, "POST", "/api/apps/{slug}/submit", session, submit_app);
  add_route(router, site, "POST", "/api/apps/{slug}/unpublish", session, unpublish_app);
  add_route(router, site, "POST", "/api/apps/{slug}/republish", session, republish_app);
  add_route(router, site, "POST", "/api/apps/{slug}/favorite", session, favorite_app);
  add_route(router, site, "DELETE", "/api/apps/{slug}/favorite", session, unfavorite_app);
  add_route(router, site, "POST", "/api/apps/{slug}/rate", session, rate_app);
  add_route(router, site, "GET", "/api/studio/apps", session, studio_apps);
  add_route(router, site, "GET", "/api/me/favorites", session, my_favorites);
  add_route(router, site, "GET", "/api/leaderboard", browse, get_leaderboard);
  add_route(router, site, "GET", "/api/creators/{username}", browse, get_creator);
  add_route(router, site, "GET", "/api/admin/reviews", admin, admin_reviews);
  add_route(router, site, "POST", "/api/admin/reviews/{slug}/approve", admin, admin_approve);
  add_route(router, site, "POST", "/api/admin/reviews/{slug}/reject", admin, admin_reject);
  add_route(router, site, "POST", "/api/admin/apps/{slug}/takedown", admin, admin_takedown);
  add_route(router, site, "GET", "/api/admin/moderation/words", admin, admin_get_words);
  add_route(router, site, "PUT", "/api/admin/moderation/words", admin, admin_put_words);
  add_route(router, site, "GET", "/api/admin/settings/apps", admin, admin_get_app_settings);
  add_route(router, site, "PUT", "/api/admin/settings/apps", admin, admin_put_app_settings);
  add_route(router, site, "GET", "/api/admin/audit", admin, admin_audit);
  add_route(router, site, "GET", "/api/admin/moderation/provider", admin, admin_get_provider);
  add_route(router, site, "PUT", "/api/admin/moderation/provider", admin, admin_put_provider);
  add_route(router, site, "POST", "/api/apps/{slug}/unlock", session, unlock_app);
  add_route(router, site, "GET", "/api/earnings", session, get_earnings);
  add_route(router, site, "POST", "/api/earnings/convert", session, post_convert);
  add_route(router, site, "POST", "/api/earnings/payouts", session, post_payout);
  add_route(router, site, "GET", "/api/admin/settlements", admin, admin_settlements);
  add_route(router, site, "POST", "/api/admin/settlements", admin, admin_start_settlement);
  add_route(router, site, "GET", "/api/admin/earnings/freezes", admin, admin_freezes);
  add_route(router, site, "POST", "/api/admin/earnings/freezes", admin, admin_freeze);
  add_route(router, site, "DELETE", "/api/admin/earnings/freezes/{id}", admin, admin_lift_freeze);
  add_route(router, site, "POST", "/api/admin/earnings/reverse", admin, admin_reverse);
  add_route(router, site, "GET", "/api/admin/payouts", admin, admin_payouts);
  add_route(router, site, "POST", "/api/admin/payouts/{id}/paid", admin, admin_payout_paid);
  add_route(router, site, "POST", "/api/admin/payouts/{id}/reject", admin, admin_payout_reject);
  add_route(router, site, "POST", "/api/uploads", session, post_upload);
  // Rate-limited per address like the API: each one reads a file on the database's thread pool.
  add_route(router, site, "GET", "/uploads/{file}", limited, get_upload);

  router.set_fallback(site.config.max_body_bytes, [s = &site](http::Request& req) { return static_file(s, req); });

  std::vector<std::string> names;
  for (const auto& r : router.routes()) names.push_back(r.method + " " + r.pattern);
  names.push_back("static");
  auto m = std::make_unique<http::Metrics>(std::move(names));
  site.metrics = m.get();
  m->add_source([db = &site.db] {
    auto s = db->stats();
    return "# HELP plaza_db_pool_connections Database connections by state.\n"
           "# TYPE plaza_db_pool_connections gauge\n"
           "plaza_db_pool_connections{state=\"in_use\"} " +
           std::to_string(s.in_use) + "\n" + "plaza_db_pool_connections{state=\"size\"} " + std::to_string(s.size) +
           "\n" +
           "# HELP plaza_db_pool_waits_total Acquisitions that waited for a free connection.\n"
           "# TYPE plaza_db_pool_waits_total counter\n"
           "plaza_db_pool_waits_total " +
           std::to_string(s.waits) + "\n";
  });
  m->add_source([meter = &site.meter] {
    return "# HELP plaza_credit_leases Leases this instance holds on users' credits (open or being given back).\n"
           "# TYPE plaza_credit_leases gauge\n"
           "plaza_credit_leases " +
           std::to_string(meter->leases_open()) + "\n";
  });
  return m;
}

}  // namespace plaza::api
