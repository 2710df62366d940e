#pragma once
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> list_models(Ctx& ctx);
awaitable<http::Response> list_conversations(Ctx& ctx);
awaitable<http::Response> create_conversation(Ctx& ctx);
awaitable<http::Response> get_conversation(Ctx& ctx);
awaitable<http::Response> rename_conversation(Ctx& ctx);
awaitable<http::Response> delete_conversation(Ctx& ctx);
awaitable<http::Response> clear_conversations(Ctx& ctx);
awaitable<http::Response> post_chat(Ctx& ctx);

}  // namespace plaza::api
