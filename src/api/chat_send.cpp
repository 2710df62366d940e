// The web chat's /api/chat: checks a message (a new one, an edit or a question asked again),
// stores it with the conversation's answer lease taken, and keeps that lease while the answer
// (chat_answer.cpp) streams.
#include "api/chat_handlers.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <optional>

#include "api/app_chat.hpp"
#include "api/chat_images.hpp"
#include "api/chat_internal.hpp"
#include "api/v1_handlers.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "store/async.hpp"
#include "store/relay_repo.hpp"

namespace plaza::api {

namespace asio = boost::asio;
namespace bj = boost::json;
using namespace chat_internal;

namespace {

constexpr std::size_t kMaxMessageBytes = 200 * 1024;
constexpr std::size_t kTitleChars = 40;

// The first characters of a message, cut on a UTF-8 boundary, as a conversation title.
std::string title_from(const std::string& text) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size() && chars < kTitleChars; ++chars) {
    std::size_t len = 1;
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0xF0)
      len = 4;
    else if (c >= 0xE0)
      len = 3;
    else if (c >= 0xC0)
      len = 2;
    std::string piece = text.substr(i, len);
    for (char& ch : piece)
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    out += piece;
    i += len;
  }
  return out.empty() ? "New chat" : out;
}

// How long a conversation's answer lease lasts without renewal: how long a dead instance's lease
// keeps the conversation waiting.
constexpr int64_t kAnswerLeaseSeconds = 60;

// Renews a conversation's answer lease every third of its life until the request is over (`done`),
// from the moment it is taken: an upstream may take minutes to send its first byte.
struct AnswerLease {
  AnswerLease(asio::any_io_executor ex, Site& s, int64_t id, std::string t)
      : timer(std::move(ex)), site(s), conversation_id(id), token(std::move(t)) {}
  void stop() {
    done = true;
    timer.cancel();
  }
  asio::steady_timer timer;
  Site& site;
  int64_t conversation_id;
  std::string token;
  bool done = false;
};

awaitable<void> keep_answer_lease(std::shared_ptr<AnswerLease> lease) {
  while (!lease->done) {
    lease->timer.expires_after(std::chrono::seconds(kAnswerLeaseSeconds / 3));
    co_await lease->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (lease->done) co_return;
    int64_t until = lease->site.clock.now_s() + kAnswerLeaseSeconds;
    bool kept = false;
    try {
      kept = co_await store::write(lease->site.db, [&](store::Conn& c) {
        return store::conversations::renew_answer(c, lease->conversation_id, lease->token, until);
      });
    } catch (const std::exception& e) {
      spdlog::warn("conversation {}: the answer's lease was not renewed: {}", lease->conversation_id, e.what());
      continue;  // tried again a third of the lease later
    }
    if (!kept) {
      // It ran out (a stall of the database for a minute) and another request took it, or the
      // answer is saved and the lease given back while the request winds down.
      co_return;
    }
  }
}

// Checks that the history may be sent, leaving images out of it (see chat_images::fit) when the
// model reads none or they would take it past `max_bytes`; returns how many are not sent.
std::size_t check_history(store::Conn& c, std::vector<store::Message>& history, int64_t max_bytes, bool reads_images) {
  if (history.size() > kMaxMessages)
    throw Error(ErrorCode::conflict, "this conversation has reached 1,000 messages: start a new one");
  auto text = [&] {
    int64_t n = 0;
    for (const auto& m : history) n += static_cast<int64_t>(m.content.size());
    return n;
  };
  auto fitted = chat_images::fit(c, history, max_bytes - text(), reads_images);
  if (text() + fitted.bytes > max_bytes) {  // the words that stand for images left out count too
    // The field tells the page which it is: the question alone is too large (its images, or its
    // text: a new conversation would not help), or all of it. Measured again only on this path.
    std::vector<store::Message> alone{history.back()};
    const auto question_text = static_cast<int64_t>(alone.back().content.size());
    if (question_text + chat_images::fit(c, alone, max_bytes - question_text, reads_images).bytes > max_bytes)
      throw Error(ErrorCode::payload_too_large, "this message and its images are too large to send",
                  alone.back().images.empty() ? "content" : "images");
    throw Error(ErrorCode::payload_too_large, "this conversation has grown too long to go on: start a new one",
                "conversation_id");
  }
  return fitted.left_out;
}

}  // namespace

// Body: {model, content, images?, conversation_id?} to send; {model, conversation_id, regenerate: true}
// to answer the last user message again; {model, conversation_id, edit_message_id, content, images?}
// to replace a user message (and everything after it) and resend. `images`: "/uploads/..." URLs.
awaitable<http::Response> post_chat(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string model = json::optional_string(body, "model").value_or("");
  auto app_slug = json::optional_string(body, "app");
  auto conversation_id = json::optional_int(body, "conversation_id");
  auto edit_id = json::optional_int(body, "edit_message_id");
  bool regenerate = json::optional_bool(body, "regenerate").value_or(false);
  auto content = json::optional_string(body, "content");
  auto images = chat_images::requested(body);
  if (regenerate && !images.empty())
    throw Error(ErrorCode::invalid_request, "an answer asked again keeps its question's images", "images");
  if (!regenerate && (!content || content->empty()) && images.empty())
    throw Error(ErrorCode::invalid_request, "content is required", "content");
  if (content && content->size() > kMaxMessageBytes)
    throw Error(ErrorCode::payload_too_large, "the message is too long", "content");
  if ((regenerate || edit_id) && !conversation_id)
    throw Error(ErrorCode::invalid_request, "conversation_id is required", "conversation_id");

  // A chat with an app: named in the body for a new conversation, remembered by an existing one.
  std::optional<services::AppChat> app;
  if (conversation_id) {
    int64_t uid = ctx.me().id, cid = *conversation_id;
    auto conv =
        co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::conversations::find(c, uid, cid); });
    if (!conv) throw Error(ErrorCode::not_found, "no such conversation");
    if (conv->app_id) app = co_await ctx.site.apps.for_chat_by_id(ctx.me(), *conv->app_id);
  } else if (app_slug) {
    app = co_await ctx.site.apps.for_chat(ctx.me(), *app_slug);
  }
  if (app) model = app_model(app->content, model);
  if (model.empty()) throw Error(ErrorCode::invalid_request, "model is required", "model");
  // Refuse an unknown model before anything is stored.
  auto reachable = co_await ctx.site.relay.models(caller_of(ctx, "web"));
  if (std::find(reachable.begin(), reachable.end(), model) == reachable.end())
    throw Error(ErrorCode::not_found, "the model '" + model + "' does not exist", "model");
  // A text-only model is asked no new images, and sent none of the conversation's earlier ones.
  const bool reads_images = ctx.site.relay.channels().reads_images(model);
  // Named as the page names it (the catalogue's display name), not by its id.
  const std::string model_name =
      reads_images ? model : ctx.site.relay.channels().describe({model}).front().display_name;
  if (!reads_images && !images.empty())
    throw Error(ErrorCode::invalid_request, model_name + " reads no images: send text only", "images");
  int64_t user = ctx.me().id;
  int64_t now = ctx.site.clock.now_s();
  std::string rid = billing_request_id(ctx);  // also the token of the conversation's answer lease
  int64_t lease_until = now + kAnswerLeaseSeconds;
  auto prepared = co_await store::write(ctx.site.db, [&](store::Conn& c) {
    int64_t conv_id;
    if (conversation_id) {
      if (!store::conversations::find(c, user, *conversation_id))
        throw Error(ErrorCode::not_found, "no such conversation");
      conv_id = *conversation_id;
    } else {
      check_room_for_a_conversation(c, user);
      conv_id = store::conversations::create(c, user, title_from(content.value_or("")), model, now,
                                             app ? std::optional<int64_t>(app->app.id) : std::nullopt)
                    .id;
    }
    // One answer at a time per conversation, whichever instance serves it, or the history interleaves.
    if (!store::conversations::claim_answer(c, conv_id, rid, lease_until, now))
      throw Error(ErrorCode::conflict, "this conversation is already answering; stop it first", "conversation_id");
    auto history = store::conversations::messages(c, conv_id);
    Prepared p{conv_id, 0, {}, std::nullopt, 0};
    if (regenerate) {
      // The answers after the last user message are replaced; that message is asked again.
      auto last_user = std::find_if(history.rbegin(), history.rend(), [](const auto& m) { return m.role == "user"; });
      if (last_user == history.rend()) throw Error(ErrorCode::invalid_request, "there is no message to answer again");
      p.user_message_id = last_user->id;
      auto after = last_user.base();  // the first message after it
      if (after != history.end()) p.replaced = Replaced{after->id, std::numeric_limits<int64_t>::max()};
      history.erase(after, history.end());
    } else {
      auto kept_end = history.end();
      if (edit_id) {
        kept_end = std::find_if(history.begin(), history.end(), [&](const auto& m) { return m.id == *edit_id; });
        if (kept_end == history.end() || kept_end->role != "user")
          throw Error(ErrorCode::not_found, "no such message to edit", "edit_message_id");
      }
      store::Message m;
      m.conversation_id = conv_id;
      m.role = "user";
      chat_images::claim(c, user, images, now);
      m.content = content.value_or("");
      m.images = images;
      m.model = model;
      m.status = "ok";
      m.created_at = now;
      m.id = store::conversations::add_message(c, m).id;
      p.user_message_id = m.id;
      // The edited message and all after it are replaced by the new one and its answer.
      if (edit_id) p.replaced = Replaced{*edit_id, m.id};
      history.erase(kept_end, history.end());
      history.push_back(std::move(m));
    }
    if (!reads_images && regenerate && history.back().content.empty() && !history.back().images.empty())
      throw Error(ErrorCode::invalid_request, "this question is images only, and " + model_name + " reads no images",
                  "images");
    // Refused here, the transaction stores nothing: no question, no lease.
    p.images_left_out = check_history(c, history, ctx.site.config.max_v1_body_bytes, reads_images);
    store::conversations::touch(c, conv_id, model, now);
    p.history = std::move(history);
    return p;
  });

  int64_t conv = prepared.conversation_id;
  auto ex = co_await asio::this_coro::executor;
  auto lease = std::make_shared<AnswerLease>(ex, ctx.site, conv, rid);
  asio::co_spawn(lease->timer.get_executor(), keep_answer_lease(lease), asio::detached);
  std::exception_ptr failed;
  try {
    co_await answer(ctx, model, app, prepared, rid, !conversation_id, !regenerate);
  } catch (...) {
    failed = std::current_exception();
  }
  lease->stop();
  // The request ended with a write that gave the lease back, unless it failed: then it goes back here
  // (a lease left behind runs out on its own).
  if (failed) {
    try {
      co_await store::write(ctx.site.db, [&](store::Conn& c) { store::conversations::release_answer(c, conv, rid); });
    } catch (const std::exception& e) {
      spdlog::warn("conversation {}: the answer's lease was not given back: {}", conv, e.what());
    }
    std::rethrow_exception(failed);
  }
  co_return http::Response::streamed();
}
}  // namespace plaza::api
