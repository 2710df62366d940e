// The web chat's answer: the history sent upstream (fitted to the model's context), streamed to
// the page as server-sent events (meta, delta, error, done) through the same relay core as /v1,
// and saved as it ends; or undone when nothing of it was shown.
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <optional>

#include "api/app_chat.hpp"
#include "api/chat_images.hpp"
#include "api/chat_internal.hpp"
#include "api/v1_handlers.hpp"
#include "core/error.hpp"
#include "http/stream.hpp"
#include "relay/context_fit.hpp"
#include "relay/upstream_format.hpp"
#include "store/async.hpp"
#include "store/relay_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;
using namespace chat_internal;

namespace {

class WebChatOutput final : public relay::ChatOutput {
 public:
  WebChatOutput(http::ResponseStream& s, Site& site, int64_t conversation_id, int64_t user_message_id,
                std::string model, std::string request_id, std::optional<Replaced> replaced, LeftOut left_out)
      : s_(s),
        site_(site),
        conversation_id_(conversation_id),
        user_message_id_(user_message_id),
        model_(std::move(model)),
        request_id_(std::move(request_id)),
        replaced_(replaced),
        left_out_(left_out) {}

  awaitable<bool> begin() override {
    if (!(co_await s_.start(200, sse_headers()))) co_return false;
    bj::object meta{{"conversation_id", conversation_id_},
                    {"user_message_id", user_message_id_},
                    {"request_id", request_id_},
                    {"left_out", left_out_.messages},
                    {"images_left_out", left_out_.images}};
    co_return co_await send(kMeta, meta);
  }
  awaitable<bool> chunk(bj::object& chunk) override {
    auto text = relay::delta_text(chunk);
    if (text.empty()) co_return true;
    bj::object delta{{"content", text}};
    co_return co_await send(kDelta, delta);
  }
  awaitable<bool> heartbeat() override { return s_.write(std::string(": keep-alive\n\n")); }
  bool saved() const { return saved_; }              // end() saved the answer (and gave the lease back), or tried
  bool save_failed() const { return save_failed_; }  // it tried, and the lease is still held
  awaitable<void> fail(const Error& e) override {
    bj::object error{{"code", std::string(to_string(e.code()))}, {"message", e.what()}};
    co_await send(kError, error);
    co_await s_.finish();
  }
  awaitable<void> cut(const std::string& message) override {
    bj::object notice{{"code", "preset_leak"}, {"message", message}};
    if (co_await send(kNotice, notice)) co_await s_.finish();
  }
  awaitable<bool> end(const relay::Outcome& o) override {
    // Saved before `done`, so the client can rely on the message id it is given.
    std::optional<store::Message> saved;
    try {
      saved = co_await save(site_, conversation_id_, model_, request_id_, o, replaced_, left_out_);
    } catch (const std::exception& e) {
      // The conversation was deleted while it answered, or the database failed: the client hears so
      // rather than a cut connection (the call is charged: its answer was delivered).
      spdlog::warn("conversation {}: the answer was not saved: {}", conversation_id_, e.what());
    }
    saved_ = true;  // not tried again
    if (!saved) {
      save_failed_ = true;
      bj::object error{{"code", "internal"}, {"message", "the answer could not be saved"}};
      if (co_await send(kError, error)) co_await s_.finish();
      co_return false;
    }
    bj::object done{{"message", message_json(*saved)}};
    if (!(co_await send(kDone, done))) co_return false;
    co_return co_await s_.finish();
  }

  static awaitable<store::Message> save(Site& site, int64_t conversation_id, std::string model, std::string request_id,
                                        relay::Outcome o, std::optional<Replaced> replaced, LeftOut left_out) {
    store::Message m;
    m.left_out = static_cast<int64_t>(left_out.messages);
    m.images_left_out = static_cast<int64_t>(left_out.images);
    m.conversation_id = conversation_id;
    m.role = "assistant";
    m.content = o.text;
    m.model = model;
    m.prompt_tokens = o.prompt_tokens;
    m.completion_tokens = o.completion_tokens;
    m.status = o.status;
    m.request_id = request_id;
    m.created_at = site.clock.now_s();
    co_return co_await store::write(site.db, [&](store::Conn& c) {
      if (replaced) store::conversations::remove_range(c, conversation_id, replaced->from, replaced->before);
      store::conversations::touch(c, conversation_id, model, m.created_at);
      // The answer is in: the conversation is free for the next request before the client hears the end.
      store::conversations::release_answer(c, conversation_id, request_id);
      return store::conversations::add_message(c, m);
    });
  }

 private:
  static constexpr std::string_view kMeta = "meta", kDelta = "delta", kError = "error", kDone = "done",
                                    kNotice = "notice";
  // Not a coroutine: it only builds the event and hands back the write.
  awaitable<bool> send(std::string_view event, const bj::object& data) {
    return s_.write("event: " + std::string(event) + "\ndata: " + bj::serialize(data) + "\n\n");
  }
  http::ResponseStream& s_;
  Site& site_;
  int64_t conversation_id_;
  int64_t user_message_id_;
  std::string model_;
  std::string request_id_;
  std::optional<Replaced> replaced_;
  LeftOut left_out_;
  bool saved_ = false;
  bool save_failed_ = false;
};

// A message's content as parts (a text is one part, an empty one none).
bj::array as_parts(bj::value content) {
  if (content.is_array()) return std::move(content.as_array());
  bj::array parts;
  if (!content.as_string().empty()) parts.push_back(bj::object{{"type", "text"}, {"text", content.as_string()}});
  return parts;
}

// Adds a turn to what is sent. Two of one role in a row (a question whose answer failed before it
// said anything, then the next one) go as one turn: many chat templates (vLLM's for Mistral, Llama,
// Gemma) refuse a conversation whose roles do not alternate.
void append_turn(bj::array& messages, const std::string& role, bj::value content) {
  if (!messages.empty() && messages.back().as_object().at("role").as_string() == role) {
    bj::value& last = messages.back().as_object()["content"];
    if (last.is_string() && content.is_string()) {
      last.as_string().append("\n\n").append(content.as_string());
    } else {
      bj::array parts = as_parts(std::move(last));
      for (auto& part : as_parts(std::move(content))) parts.push_back(std::move(part));
      last = std::move(parts);
    }
    return;
  }
  messages.push_back(bj::object{{"role", role}, {"content", std::move(content)}});
}

// Leaves out the oldest turns that the model's context (its catalogue entry's context_length) has no
// room for, after the `preset` messages an app put first; returns how many. Counted on the database
// pool: a long history is milliseconds of work. When it cannot be done, the whole history goes.
awaitable<std::size_t> fit_to_model(Site& site, const std::string& model, bj::object& request, std::size_t preset) {
  try {
    auto known = co_await store::read(site.db, [&](store::Conn& c) { return store::models::find(c, model); });
    if (!known || known->context_length <= 0) co_return 0;
    const int64_t context = known->context_length;
    const int64_t default_answer = site.relay.channels().longest_default_answer(model);
    const int64_t image_tokens = site.relay.channels().image_tokens(model);
    co_return co_await store::run_on_pool(site.db, [&] {
      return relay::fit_to_context(
          request, context, [&](std::string_view text) { return site.count_tokens(model, text); }, preset,
          default_answer, image_tokens);
    });
  } catch (const std::exception& e) {
    spdlog::warn("the history was not fitted to {}'s context: {}", model, e.what());
  }
  co_return 0;
}

}  // namespace

namespace chat_internal {

awaitable<void> answer(Ctx& ctx, const std::string& model, const std::optional<services::AppChat>& app,
                       const Prepared& prepared, const std::string& rid, bool created, bool added) {
  int64_t user = ctx.me().id;
  bj::array messages;
  {
    // Read after the question's transaction (its rows keep the images), and gone once copied into
    // the request: one copy of each image for as long as the answer streams.
    chat_images::DataUrls images;
    if (chat_images::any(prepared.history))
      images =
          co_await store::read(ctx.site.db, [&](store::Conn& c) { return chat_images::load(c, prepared.history); });
    for (const auto& m : prepared.history) {
      bj::value content = chat_images::content(m, images);
      if (content.is_string() && content.as_string().empty()) continue;  // a failed answer has nothing to say
      append_turn(messages, m.role, std::move(content));
    }
  }
  bj::object request{{"model", model}, {"messages", std::move(messages)}, {"stream", true}};
  relay::Caller caller = caller_of(ctx, "web");
  std::size_t preset = 0;  // messages an app puts first, always sent
  if (app) {
    preset = apply_app(request, app->content, model);
    mark_app(caller, *app);
  }
  LeftOut left_out{co_await fit_to_model(ctx.site, model, request, preset), prepared.images_left_out};

  relay::Outcome outcome;
  WebChatOutput web_output(*ctx.req.stream, ctx.site, prepared.conversation_id, prepared.user_message_id, model, rid,
                           prepared.replaced, left_out);
  services::AppChat no_app;
  LeakGuardOutput output(web_output, app ? app->content : no_app.content, app ? app->settings : no_app.settings);
  std::optional<Error> refused;
  try {
    co_await ctx.site.relay.stream(caller, std::move(request), rid, output, *ctx.req.stream, outcome);
  } catch (const Error& e) {
    refused = e;
  }
  // No upstream took the request, or the client left before one answered (Stop, a closed tab), or
  // the answer stopped or broke before any of its text reached the page (a reasoning model still
  // thinking): undo what this request stored, so it changes nothing (what an edit or a regeneration
  // would replace is still there).
  bool nothing_shown = outcome.status != "ok" && outcome.text.empty() && !output.leaked() && !web_output.saved();
  if (nothing_shown && created && !refused && outcome.channel_id) {
    // The page was told of the new conversation (and shows it): it keeps the question, without an answer.
    int64_t conv = prepared.conversation_id;
    co_await store::write(ctx.site.db, [&](store::Conn& c) { store::conversations::release_answer(c, conv, rid); });
    co_return;
  }
  if (refused || !outcome.channel_id || nothing_shown) {
    int64_t conv = prepared.conversation_id, msg = prepared.user_message_id;
    co_await store::write(ctx.site.db, [&](store::Conn& c) {
      if (created)
        store::conversations::remove(c, user, conv);
      else if (added)
        store::conversations::truncate_from(c, conv, msg);
      store::conversations::release_answer(c, conv, rid);
    });
    if (refused) throw *refused;
    co_return;
  }
  // A cut answer is kept as the user saw it: without the chunk the guard held back.
  if (output.leaked()) outcome.text = output.delivered() + "\n\n[" + kLeakNotice + "]";
  // A stopped, broken or cut answer is kept too, marked, so a reload shows what the user saw (an answer
  // the guard cut at its very end never reached the web output's end(), which saves the others).
  if (web_output.save_failed()) {
    int64_t conv = prepared.conversation_id;
    co_await store::write(ctx.site.db, [&](store::Conn& c) { store::conversations::release_answer(c, conv, rid); });
  } else if (!web_output.saved()) {
    co_await WebChatOutput::save(ctx.site, prepared.conversation_id, model, rid, outcome, prepared.replaced, left_out);
  }
}

}  // namespace chat_internal

}  // namespace plaza::api
