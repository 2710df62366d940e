#pragma once
// The app square over HTTP: discovery, one app, the studio, favorites, ratings, review and
// moderation. Every app is shaped by app_json, the one place that decides whether a preset shows.
#include "api/middleware.hpp"
#include "services/apps.hpp"

namespace plaza::api {

boost::json::object app_json(const services::AppView& v);

awaitable<http::Response> list_apps(Ctx& ctx);
awaitable<http::Response> app_categories(Ctx& ctx);
awaitable<http::Response> get_leaderboard(Ctx& ctx);
awaitable<http::Response> get_creator(Ctx& ctx);
awaitable<http::Response> my_favorites(Ctx& ctx);
awaitable<http::Response> get_app(Ctx& ctx);
awaitable<http::Response> create_app(Ctx& ctx);
awaitable<http::Response> update_app(Ctx& ctx);
awaitable<http::Response> submit_app(Ctx& ctx);
awaitable<http::Response> unpublish_app(Ctx& ctx);
awaitable<http::Response> republish_app(Ctx& ctx);
awaitable<http::Response> favorite_app(Ctx& ctx);
awaitable<http::Response> unfavorite_app(Ctx& ctx);
awaitable<http::Response> rate_app(Ctx& ctx);
awaitable<http::Response> studio_apps(Ctx& ctx);
awaitable<http::Response> admin_reviews(Ctx& ctx);
awaitable<http::Response> admin_approve(Ctx& ctx);
awaitable<http::Response> admin_reject(Ctx& ctx);
awaitable<http::Response> admin_takedown(Ctx& ctx);
awaitable<http::Response> admin_get_words(Ctx& ctx);
awaitable<http::Response> admin_put_words(Ctx& ctx);
awaitable<http::Response> admin_get_app_settings(Ctx& ctx);
awaitable<http::Response> admin_put_app_settings(Ctx& ctx);
awaitable<http::Response> admin_audit(Ctx& ctx);
awaitable<http::Response> admin_get_provider(Ctx& ctx);
awaitable<http::Response> admin_put_provider(Ctx& ctx);

}  // namespace plaza::api
