#pragma once
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> list_keys(Ctx& ctx);
awaitable<http::Response> create_key(Ctx& ctx);
awaitable<http::Response> update_key(Ctx& ctx);  // PATCH: the spending limit
awaitable<http::Response> revoke_key(Ctx& ctx);

// A positive integer path parameter; not_found otherwise.
int64_t id_param(const Ctx& ctx, std::string_view name);

}  // namespace plaza::api
