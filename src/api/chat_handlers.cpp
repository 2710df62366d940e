// The web chat: conversations and /api/chat, which streams an answer as server-sent events
// (meta, delta, error, done) through the same relay core as /v1.
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
#include <charconv>
#include <limits>
#include <map>
#include <optional>

#include "api/app_chat.hpp"
#include "api/chat_images.hpp"
#include "api/key_handlers.hpp"
#include "api/v1_handlers.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/validation.hpp"
#include "http/stream.hpp"
#include "relay/context_fit.hpp"
#include "relay/upstream_format.hpp"
#include "store/apps_repo.hpp"
#include "store/async.hpp"
#include "store/relay_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::api {

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

constexpr std::size_t kMaxMessageBytes = 200 * 1024;
constexpr std::size_t kTitleChars = 40;

// The app a conversation is with, as the chat list shows it (title and avatar only: never a preset).
using AppSummaries = std::map<int64_t, bj::object>;

AppSummaries app_summaries(store::Conn& c, const std::vector<store::Conversation>& list) {
  AppSummaries out;
  for (const auto& conv : list) {
    if (!conv.app_id || out.contains(*conv.app_id)) continue;
    auto app = store::apps::find_by_id(c, *conv.app_id);
    if (!app) continue;
    auto version = app->live_version_id ? app->live_version_id : app->draft_version_id;
    auto v = version ? store::apps::version(c, *version) : std::nullopt;
    out[*conv.app_id] = bj::object{{"slug", app->slug},
                                   {"title", v ? v->content.title : app->slug},
                                   {"avatar", v ? v->content.avatar : std::string()}};
  }
  return out;
}

bj::object conversation_json(const store::Conversation& c, const AppSummaries& apps = {}) {
  bj::value app = nullptr;
  if (c.app_id) {
    auto it = apps.find(*c.app_id);
    if (it != apps.end()) app = it->second;
  }
  return bj::object{{"id", c.id},
                    {"title", c.title},
                    {"model", c.model},
                    {"created_at", c.created_at},
                    {"updated_at", c.updated_at},
                    {"app", std::move(app)}};
}

bj::object message_json(const store::Message& m) {
  bj::array images;
  for (const auto& name : m.images) images.emplace_back(chat_images::url_of(name));
  return bj::object{{"id", m.id},
                    {"role", m.role},
                    {"content", m.content},
                    {"model", m.model},
                    {"prompt_tokens", m.prompt_tokens},
                    {"completion_tokens", m.completion_tokens},
                    {"status", m.status},
                    {"created_at", m.created_at},
                    {"left_out", m.left_out},
                    {"images_left_out", m.images_left_out},
                    {"images", std::move(images)}};
}

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

std::string check_title(std::string title) {
  if (auto err = check_display_name(title, "title")) throw Error(ErrorCode::invalid_request, *err, "title");
  return title;
}

struct Replaced {
  int64_t from = 0;
  int64_t before = 0;
};

// What a question was sent without.
struct LeftOut {
  std::size_t messages = 0;  // the oldest turns: the model's context had no room for them
  std::size_t images = 0;    // the oldest images: the request would have been too large
};

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

// What post_chat stored before it asks for the answer.
struct Prepared {
  int64_t conversation_id;
  int64_t user_message_id;
  std::vector<store::Message> history;  // what the upstream is asked to answer
  std::optional<Replaced> replaced;
  std::size_t images_left_out = 0;  // the oldest images of `history`, not sent: the request would be too large
};

// Asks the upstream to answer the prepared history and streams the answer to the web client, which
// WebChatOutput stores as it ends. `created`/`added`: what this request stored that a refusal undoes.
// The write that ends it (the saved answer, or the undo of a refused or abandoned one) gives the
// conversation's lease back.
awaitable<void> answer(Ctx& ctx, const std::string& model, const std::optional<services::AppChat>& app,
                       const Prepared& prepared, const std::string& rid, bool created, bool added);

}  // namespace

namespace {

// What a model costs this user before any plan or pack pays for it: the operator's price times the
// user's group multiplier, rounded up to a whole µc as a charge is (money::list_cost).
bj::object user_price_json(const money::Price& p, int64_t multiplier_ppm) {
  auto scaled = [&](int64_t uc) { return money::mul_div_up(uc, multiplier_ppm, money::kPpmOne); };
  return bj::object{{"mode", money::to_string(p.mode)},          {"per_call", scaled(p.per_call)},
                    {"input_per_m", scaled(p.input_per_m)},      {"output_per_m", scaled(p.output_per_m)},
                    {"cached_per_m", scaled(p.cached_per_m)},    {"web_free", p.web_free},
                    {"web_free_daily_cap", p.web_free_daily_cap}};
}

}  // namespace

awaitable<http::Response> list_models(Ctx& ctx) {
  // In the picker's order, described from the relay's copy of the catalogue (no read of the database),
  // each with what it costs the user, so the welcome can say so before a send is refused.
  auto ids = co_await ctx.site.relay.models(caller_of(ctx, "web"));
  auto& prices = ctx.site.meter.prices();
  if (auto claim = prices.claim_reload()) co_await ctx.site.meter.reload_prices();
  const int64_t multiplier = prices.multiplier(ctx.me().group);
  bj::array out;
  for (const auto& c : ctx.site.relay.channels().describe(ids)) {
    bj::array tags;
    for (const auto& t : c.tags) tags.emplace_back(t);
    out.push_back(bj::object{{"id", c.id},
                             {"name", c.display_name},
                             {"description", c.description},
                             {"icon", c.icon},
                             {"tags", std::move(tags)},
                             {"context_length", c.context_length},
                             {"reads_images", c.reads_images},
                             {"price", user_price_json(prices.price(c.id), multiplier)}});
  }
  co_return json_response(200, bj::object{{"models", std::move(out)}});
}

namespace {
// Bounds on what one user keeps and sends: the history goes upstream with every message (all of it
// unless the model's context_length leaves the oldest turns out).
constexpr int64_t kMaxConversations = 10'000;
constexpr std::size_t kMaxMessages = 1'000;

void check_room_for_a_conversation(store::Conn& c, int64_t user) {
  store::users::lock(c, user);  // two new conversations at once are counted one after the other
  if (store::conversations::count(c, user) >= kMaxConversations)
    throw Error(ErrorCode::conflict, "you have 10,000 conversations: delete some to start another");
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

// A page's `next` ("updated_at.id" of its last conversation), given back as `before` for the next.
std::string cursor_text(const store::Conversation& last) {
  return std::to_string(last.updated_at) + "." + std::to_string(last.id);
}

std::optional<store::ConversationCursor> cursor_param(const Ctx& ctx) {
  auto text = ctx.req.query_param("before");
  if (!text || text->empty()) return std::nullopt;
  store::ConversationCursor cursor;
  const char* end = text->data() + text->size();
  auto [dot, e1] = std::from_chars(text->data(), end, cursor.updated_at);
  if (e1 == std::errc() && dot != end && *dot == '.') {
    auto [p, e2] = std::from_chars(dot + 1, end, cursor.id);
    if (e2 == std::errc() && p == end && cursor.updated_at >= 0 && cursor.id >= 0) return cursor;
  }
  throw Error(ErrorCode::invalid_request, "before must be a page's `next`", "before");
}
}  // namespace

awaitable<http::Response> list_conversations(Ctx& ctx) {
  int64_t user = ctx.me().id;
  const int64_t limit = query_int(ctx, "limit", 100, 1, 200);
  const auto before = cursor_param(ctx);
  const std::string title_part = ctx.req.query_param("q").value_or("");
  if (!is_valid_utf8(title_part)) throw Error(ErrorCode::invalid_request, "q is not valid UTF-8", "q");
  // Characters, not bytes: the page's box holds 200 of any script.
  if (utf8_length(title_part) > 200) throw Error(ErrorCode::invalid_request, "q is longer than 200 characters", "q");
  auto [list, apps] = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    // One more than the page, to tell whether another follows.
    auto convs = store::conversations::list(c, user, limit + 1, before, title_part);
    auto summaries = app_summaries(c, convs);
    return std::make_pair(std::move(convs), std::move(summaries));
  });
  bj::value next = nullptr;
  if (static_cast<int64_t>(list.size()) > limit) {
    list.pop_back();
    next = bj::string(cursor_text(list.back()));
  }
  bj::array out;
  for (const auto& c : list) out.push_back(conversation_json(c, apps));
  co_return json_response(200, bj::object{{"conversations", std::move(out)}, {"next", std::move(next)}});
}

awaitable<http::Response> create_conversation(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string title = check_title(json::optional_string(body, "title").value_or("New chat"));
  std::string model = json::optional_string(body, "model").value_or("");
  if (model.size() > 128) throw Error(ErrorCode::invalid_request, "model is too long", "model");
  int64_t user = ctx.me().id;
  auto conv = co_await store::write(ctx.site.db, [&](store::Conn& c) {
    check_room_for_a_conversation(c, user);
    return store::conversations::create(c, user, title, model, ctx.site.clock.now_s());
  });
  co_return json_response(201, bj::object{{"conversation", conversation_json(conv)}});
}

awaitable<http::Response> get_conversation(Ctx& ctx) {
  int64_t user = ctx.me().id, id = id_param(ctx, "id");
  struct Found {
    store::Conversation conv;
    std::vector<store::Message> messages;
    AppSummaries apps;
  };
  auto found = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    auto conv = store::conversations::find(c, user, id);
    if (!conv) throw Error(ErrorCode::not_found, "no such conversation");
    auto apps = app_summaries(c, {*conv});
    return Found{*conv, store::conversations::messages(c, id), std::move(apps)};
  });
  bj::array messages;
  for (const auto& m : found.messages) messages.push_back(message_json(m));
  co_return json_response(
      200, bj::object{{"conversation", conversation_json(found.conv, found.apps)}, {"messages", std::move(messages)}});
}

awaitable<http::Response> rename_conversation(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string title = check_title(json::require_string(body, "title"));
  int64_t user = ctx.me().id, id = id_param(ctx, "id");
  auto conv = co_await store::write(ctx.site.db, [&](store::Conn& c) {
    if (!store::conversations::rename(c, user, id, title, ctx.site.clock.now_s()))
      throw Error(ErrorCode::not_found, "no such conversation");
    return *store::conversations::find(c, user, id);
  });
  co_return json_response(200, bj::object{{"conversation", conversation_json(conv)}});
}

awaitable<http::Response> delete_conversation(Ctx& ctx) {
  int64_t user = ctx.me().id, id = id_param(ctx, "id");
  bool removed =
      co_await store::write(ctx.site.db, [&](store::Conn& c) { return store::conversations::remove(c, user, id); });
  if (!removed) throw Error(ErrorCode::not_found, "no such conversation");
  co_return http::Response::no_content();
}

awaitable<http::Response> clear_conversations(Ctx& ctx) {
  int64_t user = ctx.me().id;
  co_await store::write(ctx.site.db, [&](store::Conn& c) { store::conversations::remove_all(c, user); });
  co_return http::Response::no_content();
}

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
    auto conv = co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::conversations::find(c, uid, cid); });
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

namespace {

// Leaves out the oldest turns that the model's context (its catalogue entry's context_length) has no
// room for, after the `preset` messages an app put first; returns how many. Counted on the database
// pool: a long history is milliseconds of work. When it cannot be done, the whole history goes.
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
    co_await ctx.site.relay.stream(caller, std::move(request), rid, output,
                                   *ctx.req.stream, outcome);
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

}  // namespace

}  // namespace plaza::api
