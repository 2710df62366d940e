#pragma once
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> admin_list_users(Ctx& ctx);
awaitable<http::Response> admin_update_user(Ctx& ctx);

}  // namespace plaza::api
