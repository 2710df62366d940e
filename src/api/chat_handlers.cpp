// The web chat: the model picker's list and the conversations (list, create, read, rename,
// delete). Sending a message, /api/chat, is in chat_send.cpp, and streaming its answer in
// chat_answer.cpp.
#include "api/chat_handlers.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <map>
#include <optional>

#include "api/chat_images.hpp"
#include "api/chat_internal.hpp"
#include "api/key_handlers.hpp"
#include "api/v1_handlers.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/validation.hpp"
#include "store/apps_repo.hpp"
#include "store/async.hpp"
#include "store/relay_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

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

std::string check_title(std::string title) {
  if (auto err = check_display_name(title, "title")) throw Error(ErrorCode::invalid_request, *err, "title");
  return title;
}

}  // namespace

namespace chat_internal {

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

void check_room_for_a_conversation(store::Conn& c, int64_t user) {
  store::users::lock(c, user);  // two new conversations at once are counted one after the other
  if (store::conversations::count(c, user) >= kMaxConversations)
    throw Error(ErrorCode::conflict, "you have 10,000 conversations: delete some to start another");
}

}  // namespace chat_internal

using namespace chat_internal;

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
}  // namespace plaza::api
