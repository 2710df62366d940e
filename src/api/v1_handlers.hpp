#pragma once
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> v1_models(Ctx& ctx);
// One of them, by id (`app/<slug>` for an app), as OpenAI answers GET /v1/models/{model}.
awaitable<http::Response> v1_model(Ctx& ctx);
awaitable<http::Response> v1_chat_completions(Ctx& ctx);
// The caller as the relay sees it.
relay::Caller caller_of(const Ctx& ctx, std::string surface);

}  // namespace plaza::api
