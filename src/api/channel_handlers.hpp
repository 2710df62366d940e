#pragma once
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> admin_list_channels(Ctx& ctx);
awaitable<http::Response> admin_create_channel(Ctx& ctx);
awaitable<http::Response> admin_update_channel(Ctx& ctx);
awaitable<http::Response> admin_delete_channel(Ctx& ctx);
awaitable<http::Response> admin_test_channel(Ctx& ctx);
awaitable<http::Response> admin_upstream_models(Ctx& ctx);
awaitable<http::Response> admin_channel_health(Ctx& ctx);
awaitable<http::Response> admin_enable_channel(Ctx& ctx);
awaitable<http::Response> admin_list_models(Ctx& ctx);
awaitable<http::Response> admin_put_model(Ctx& ctx);
awaitable<http::Response> admin_delete_model(Ctx& ctx);

}  // namespace plaza::api
