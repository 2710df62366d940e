// The OpenAI-compatible API: /v1/models and /v1/chat/completions, for sk- keys.
#include "api/v1_handlers.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/stream.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

// Streams OpenAI chunks through unchanged but for the model name, as `data:` events.
class V1StreamOutput final : public relay::ChatOutput {
 public:
  explicit V1StreamOutput(http::ResponseStream& s) : s_(s) {}

  awaitable<bool> begin() override { co_return co_await s_.start(200, sse_headers()); }
  awaitable<bool> chunk(bj::object& chunk) override {
    co_return co_await s_.write("data: " + bj::serialize(chunk) + "\n\n");
  }
  awaitable<bool> heartbeat() override { return s_.write(std::string(": keep-alive\n\n")); }
  awaitable<void> fail(const Error& e) override {
    // The head (200) is gone already: the error travels as the last event, as OpenAI does.
    bj::object err{{"message", e.what()},
                   {"type", "server_error"},
                   {"param", nullptr},
                   {"code", std::string(to_string(e.code()))}};
    bj::object wrapped{{"error", std::move(err)}};
    std::string event = "data: " + bj::serialize(wrapped) + "\n\n";
    co_await s_.write(std::move(event));
    co_await s_.finish();
  }
  awaitable<bool> end(const relay::Outcome&) override {
    std::string done = "data: [DONE]\n\n";
    if (!(co_await s_.write(std::move(done)))) co_return false;
    co_return co_await s_.finish();
  }

 private:
  http::ResponseStream& s_;
};

}  // namespace

relay::Caller caller_of(const Ctx& ctx, std::string surface) {
  relay::Caller c;
  c.user_id = ctx.me().id;
  c.group = ctx.me().group;
  c.surface = std::move(surface);
  if (ctx.key) {
    c.key_id = ctx.key->id;
    c.key_limited = ctx.key->spend_limit.has_value();
    c.allowed_models = ctx.key->models;
  }
  return c;
}

awaitable<http::Response> v1_models(Ctx& ctx) {
  auto ids = co_await ctx.site.relay.models(caller_of(ctx, "api"));
  bj::array data;
  for (const auto& id : ids)
    data.push_back(bj::object{{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "plaza"}});
  co_return json_response(200, bj::object{{"object", "list"}, {"data", std::move(data)}});
}

awaitable<http::Response> v1_chat_completions(Ctx& ctx) {
  auto request = body_object(ctx);
  bool stream = false;
  if (auto s = request.if_contains("stream"); s && s->is_bool()) stream = s->as_bool();
  relay::Outcome outcome;
  std::string rid = billing_request_id(ctx);
  if (!stream) {
    auto answer = co_await ctx.site.relay.complete(caller_of(ctx, "api"), std::move(request), rid, outcome);
    co_return json_response(200, answer);
  }
  V1StreamOutput output(*ctx.req.stream);
  co_await ctx.site.relay.stream(caller_of(ctx, "api"), std::move(request), rid, output, *ctx.req.stream, outcome);
  co_return http::Response::streamed();
}

}  // namespace plaza::api
