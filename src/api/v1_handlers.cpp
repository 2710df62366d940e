// The OpenAI-compatible API: /v1/models and /v1/chat/completions, for sk- keys.
#include "api/v1_handlers.hpp"

#include <boost/json.hpp>

#include <memory>

#include "api/app_chat.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "http/stream.hpp"
#include "relay/upstream_format.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

// Streams OpenAI chunks through unchanged but for the model name, as `data:` events.
class V1StreamOutput final : public relay::ChatOutput {
 public:
  struct UsageChunk {  // what a usage chunk built here says (see end())
    std::string id;    // Plaza's, until the stream's first chunk gives the upstream's
    std::string model;
    int64_t created = 0;
    bool from_stream = false;
  };
  // `usage`: given when the client asked for usage (stream_options.include_usage).
  V1StreamOutput(http::ResponseStream& s, std::unique_ptr<UsageChunk> usage, const std::string& request_id)
      : s_(s), usage_(std::move(usage)), request_id_(request_id) {}

  awaitable<bool> begin() override { co_return co_await s_.start(200, sse_headers()); }
  awaitable<bool> chunk(bj::object& chunk) override {
    adopt_id(chunk);
    co_return co_await s_.write("data: " + bj::serialize(chunk) + "\n\n");
  }
  bool passes_text() const override { return true; }
  awaitable<bool> chunk_json(std::string json) override {
    if (usage_ && !usage_->from_stream) {  // once a stream, and only when the client asked for usage
      boost::system::error_code ec;
      if (auto parsed = bj::parse(json, ec); !ec && parsed.is_object()) adopt_id(parsed.as_object());
    }
    json.insert(0, "data: ");
    json += "\n\n";
    co_return co_await s_.write(std::move(json));
  }
  awaitable<bool> heartbeat() override { return s_.write(std::string(": keep-alive\n\n")); }
  awaitable<void> fail(const Error& e) override {
    // The head (200) is gone already: the error travels as the last event, as OpenAI does.
    bj::object wrapped{{"error", openai_error(e, request_id_)}};
    std::string event = "data: " + bj::serialize(wrapped) + "\n\n";
    co_await s_.write(std::move(event));
    co_await s_.finish();
  }
  awaitable<void> cut(const std::string& message) override {
    // A last chunk in OpenAI's shape, so SDKs show the notice as the end of the answer.
    bj::object delta{{"content", "\n\n[" + message + "]"}};
    bj::object choice{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", "content_filter"}};
    bj::array choices{std::move(choice)};
    bj::object chunk{{"object", "chat.completion.chunk"}, {"choices", std::move(choices)}};
    std::string event = "data: " + bj::serialize(chunk) + "\n\ndata: [DONE]\n\n";
    if (co_await s_.write(std::move(event))) co_await s_.finish();
  }
  awaitable<bool> end(const relay::Outcome& o) override {
    std::string done;
    // The client asked for usage and the upstream reported none (it ignored stream_options): the
    // counts Plaza made go in the usage chunk OpenAI sends last, with no choices.
    if (usage_ && !o.reported) {
      bj::object usage{{"prompt_tokens", o.prompt_tokens},
                       {"completion_tokens", o.completion_tokens},
                       {"total_tokens", o.prompt_tokens + o.completion_tokens}};
      bj::object chunk{{"id", usage_->id},           {"object", "chat.completion.chunk"},
                       {"created", usage_->created}, {"model", usage_->model},
                       {"choices", bj::array()},     {"usage", std::move(usage)}};
      done = "data: " + bj::serialize(chunk) + "\n\n";
    }
    done += "data: [DONE]\n\n";
    if (!(co_await s_.write(std::move(done)))) co_return false;
    co_return co_await s_.finish();
  }

 private:
  // A usage chunk built here carries the id and time of the chunks before it, as clients that
  // gather a stream's chunks by id expect.
  void adopt_id(const bj::object& chunk) {
    if (!usage_ || usage_->from_stream) return;
    usage_->from_stream = true;
    if (auto id = chunk.if_contains("id"); id && id->is_string()) usage_->id = id->as_string();
    if (auto created = chunk.if_contains("created"); created && created->is_int64())
      usage_->created = created->as_int64();
  }

  http::ResponseStream& s_;
  std::unique_ptr<UsageChunk> usage_;  // on the heap: most streams do not ask for usage
  const std::string& request_id_;      // the request's, which outlives its stream
};

}  // namespace

relay::Caller caller_of(const Ctx& ctx, std::string surface) {
  relay::Caller c;
  c.user_id = ctx.me().id;
  c.group = ctx.me().group;
  c.surface = std::move(surface);
  c.request_id_from_client = ctx.req.request_id_from_client;
  if (ctx.key) {
    c.key_id = ctx.key->id;
    c.key_limited = ctx.key->spend_limit.has_value();
    c.allowed_models = ctx.key->models;
  }
  return c;
}

namespace {

// The models and apps the caller's key and group may use.
awaitable<std::vector<std::string>> reachable_models(Ctx& ctx) {
  auto caller = caller_of(ctx, "api");
  auto ids = co_await ctx.site.relay.models(caller);
  for (auto& name : co_await ctx.site.apps.model_names(ctx.me()))
    if (caller.key_allows(name)) ids.push_back(std::move(name));
  co_return ids;
}

bj::object model_object(const std::string& id) {
  return bj::object{{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "plaza"}};
}

}  // namespace

awaitable<http::Response> v1_models(Ctx& ctx) {
  bj::array data;
  for (const auto& id : co_await reachable_models(ctx)) data.push_back(model_object(id));
  co_return json_response(200, bj::object{{"object", "list"}, {"data", std::move(data)}});
}

awaitable<http::Response> v1_model(Ctx& ctx) {
  std::string id(ctx.req.param("id"));
  auto ids = co_await reachable_models(ctx);
  if (std::find(ids.begin(), ids.end(), id) == ids.end())
    throw Error(ErrorCode::not_found, "the model '" + id + "' does not exist", "model");
  co_return json_response(200, model_object(id));
}

namespace {

// The app behind `app/<slug>`, with the request rewritten for it. On the heap and in a coroutine of
// its own: a held stream's frames then carry a pointer instead of the app's whole content.
awaitable<std::unique_ptr<services::AppChat>> open_app(Ctx& ctx, bj::object& request, relay::Caller& caller,
                                                       const std::string& requested) {
  if (!caller.key_allows(requested))
    throw Error(ErrorCode::forbidden, "this API key may not use the model '" + requested + "'", "model");
  std::unique_ptr<services::AppChat> app;
  bool missing = false;
  try {
    app = std::make_unique<services::AppChat>(co_await ctx.site.apps.for_chat(ctx.me(), requested.substr(4)));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::not_found) throw;
    missing = true;  // (no co_await in a handler: g++ 12)
  }
  // As any model that is not there: clients look for `model_not_found` on `model`.
  if (missing) throw Error(ErrorCode::not_found, "the model '" + requested + "' does not exist", "model");
  // A client's choice that is not one of the app's models is a mistake to say (the web's remembered
  // choice, by contrast, falls back to the default when the app drops it).
  std::string asked = json::optional_string(request, "app_model").value_or("");
  std::string model = app_model(app->content, asked);
  if (!asked.empty() && asked != model) {
    std::string models = app->content.default_model;
    for (const auto& m : app->content.allowed_models)
      if (m != app->content.default_model) models += ", " + m;
    throw Error(ErrorCode::invalid_request, "app_model must be one of the app's models: " + models, "app_model");
  }
  request.erase("app_model");
  apply_app(request, app->content, model);
  mark_app(caller, *app);
  caller.allowed_models.clear();  // the key was checked against the app's name
  co_return app;
}

awaitable<http::Response> complete_whole(Ctx& ctx, relay::Caller caller, bj::object request, std::string rid,
                                         const services::AppChat* app) {
  relay::Outcome outcome;
  relay::Relay::AnswerEdit guard;  // an app's answers pass its leak guard
  if (app) guard = [app](bj::object& answer) { cut_if_leaking(answer, app->content, app->settings); };
  auto answer = co_await ctx.site.relay.complete(std::move(caller), std::move(request), std::move(rid), outcome,
                                                 app ? &guard : nullptr);
  co_return http::Response::json(200, std::move(answer));
}

// Thousands of streams may be held open at once: this path keeps its frames small.
awaitable<void> complete_streamed(Ctx& ctx, relay::Caller caller, bj::object request, std::string rid,
                                  const services::AppChat* app) {
  relay::Outcome outcome;
  std::unique_ptr<V1StreamOutput::UsageChunk> usage;
  if (relay::client_wants_usage(request)) {
    usage = std::make_unique<V1StreamOutput::UsageChunk>();
    usage->id = "chatcmpl-" + rid;
    usage->model = relay::shown_model(caller, json::optional_string(request, "model").value_or(""));
    usage->created = ctx.site.clock.now_s();
  }
  V1StreamOutput v1_output(*ctx.req.stream, std::move(usage), ctx.req.request_id);
  std::unique_ptr<LeakGuardOutput> guarded;  // an app's answers pass its leak guard (on the heap: most have none)
  if (app) guarded = std::make_unique<LeakGuardOutput>(v1_output, app->content, app->settings);
  relay::ChatOutput& output = guarded ? static_cast<relay::ChatOutput&>(*guarded) : v1_output;
  co_await ctx.site.relay.stream(std::move(caller), std::move(request), std::move(rid), output, *ctx.req.stream,
                                 outcome);
}

}  // namespace

awaitable<http::Response> v1_chat_completions(Ctx& ctx) {
  auto request = body_object(ctx);
  bool stream = false;
  if (auto s = request.if_contains("stream"); s && s->is_bool()) stream = s->as_bool();
  relay::Caller caller = caller_of(ctx, "api");
  // `app/<slug>` chats with an app: its preset is put around the messages, its model used.
  std::unique_ptr<services::AppChat> app;
  if (std::string requested = json::optional_string(request, "model").value_or(""); requested.starts_with("app/"))
    app = co_await open_app(ctx, request, caller, requested);
  std::string rid = billing_request_id(ctx);
  if (!stream) co_return co_await complete_whole(ctx, std::move(caller), std::move(request), std::move(rid), app.get());
  co_await complete_streamed(ctx, std::move(caller), std::move(request), std::move(rid), app.get());
  co_return http::Response::streamed();
}

}  // namespace plaza::api
