#pragma once
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> get_setup(Ctx& ctx);
awaitable<http::Response> post_setup(Ctx& ctx);
awaitable<http::Response> post_register(Ctx& ctx);
awaitable<http::Response> post_login(Ctx& ctx);
awaitable<http::Response> post_logout(Ctx& ctx);
awaitable<http::Response> get_me(Ctx& ctx);
awaitable<http::Response> patch_me(Ctx& ctx);
awaitable<http::Response> post_password(Ctx& ctx);

}  // namespace plaza::api
