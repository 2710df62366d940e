// Admin: channels (keys are write-only: the API never returns them) and the model catalogue.
#include "api/channel_handlers.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "api/key_handlers.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/validation.hpp"
#include "relay/proxy_url.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/relay_repo.hpp"
#include "store/reports_repo.hpp"
#include "store/settings_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

bj::object channel_json(const store::Channel& ch) {
  bj::array models, groups, keys;
  for (const auto& m : ch.models) models.push_back(bj::object{{"model", m.model}, {"upstream", m.upstream}});
  for (const auto& g : ch.groups) groups.emplace_back(g);
  for (const auto& k : ch.keys)
    keys.push_back(
        bj::object{{"id", k.id}, {"hint", k.hint}, {"enabled", k.enabled}, {"disabled_reason", k.disabled_reason}});
  return bj::object{{"id", ch.id},
                    {"type", ch.type},
                    {"name", ch.name},
                    {"base_url", ch.base_url},
                    {"models", std::move(models)},
                    {"groups", std::move(groups)},
                    {"priority", ch.priority},
                    {"weight", ch.weight},
                    {"enabled", ch.enabled},
                    {"auto_disabled", ch.auto_disabled},
                    {"disabled_reason", ch.disabled_reason},
                    {"connect_timeout_ms", ch.connect_timeout_ms},
                    {"first_byte_timeout_ms", ch.first_byte_timeout_ms},
                    {"idle_timeout_ms", ch.idle_timeout_ms},
                    {"proxy", relay::shown_proxy(ch.proxy)},
                    {"default_max_tokens", ch.default_max_tokens},
                    {"keys", std::move(keys)},
                    {"created_at", ch.created_at},
                    {"updated_at", ch.updated_at}};
}

// "models": ["gpt-4o", {"model": "fast", "upstream": "gpt-4o-mini"}]
std::vector<store::ChannelModel> parse_models(const bj::object& body) {
  auto it = body.if_contains("models");
  if (!it || !it->is_array()) throw Error(ErrorCode::invalid_request, "models must be an array", "models");
  std::vector<store::ChannelModel> out;
  for (const auto& m : it->as_array()) {
    if (m.is_string()) {
      out.push_back({std::string(m.as_string()), ""});
    } else if (m.is_object()) {
      out.push_back({json::require_string(m.as_object(), "model"),
                     json::optional_string(m.as_object(), "upstream").value_or("")});
    } else {
      throw Error(ErrorCode::invalid_request, "each model is a name or {model, upstream}", "models");
    }
  }
  return out;
}

// Applies the fields present in `body` over `ch`.
void apply(store::Channel& ch, const bj::object& body) {
  if (auto v = json::optional_string(body, "type")) ch.type = *v;
  if (auto v = json::optional_string(body, "name")) ch.name = *v;
  if (auto v = json::optional_string(body, "base_url")) ch.base_url = *v;
  if (body.contains("models")) ch.models = parse_models(body);
  if (auto v = json::optional_string_array(body, "groups", 100)) ch.groups = *v;
  if (auto v = json::optional_int(body, "priority")) ch.priority = *v;
  if (auto v = json::optional_int(body, "weight")) ch.weight = *v;
  if (auto v = json::optional_bool(body, "enabled")) ch.enabled = *v;
  if (auto v = json::optional_int(body, "connect_timeout_ms")) ch.connect_timeout_ms = *v;
  if (auto v = json::optional_int(body, "first_byte_timeout_ms")) ch.first_byte_timeout_ms = *v;
  if (auto v = json::optional_int(body, "idle_timeout_ms")) ch.idle_timeout_ms = *v;
  if (auto v = json::optional_int(body, "default_max_tokens")) ch.default_max_tokens = *v;
  // The proxy as shown, its password hidden, sent back (its host edited or not) keeps the stored password.
  if (auto v = json::optional_string(body, "proxy")) ch.proxy = relay::with_stored_password(*v, ch.proxy);
}

// An icon the pages can show (web/src/components/chat/chatMessages.ts): none, an emoji (a flag or
// a family is several characters), or an image on this site. Pages fetch no other address on the
// operator's behalf, so anything else would silently show the default icon.
bool model_icon_shown(std::string_view icon) {
  if (icon.empty()) return true;
  if (icon.size() > 2048 || !is_valid_utf8(icon)) return false;
  for (unsigned char c : icon)
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '\\') return false;
  if (icon.starts_with("/uploads/")) return icon.find("..") == std::string_view::npos;
  return utf8_length(icon) <= 8 && icon.find_first_of("/.:") == std::string_view::npos;
}

bj::object model_json(const store::Model& m) {
  bj::array tags;
  for (const auto& t : m.tags) tags.emplace_back(t);
  return bj::object{{"id", m.id},
                    {"display_name", m.display_name},
                    {"description", m.description},
                    {"icon", m.icon},
                    {"tags", std::move(tags)},
                    {"context_length", m.context_length},
                    {"enabled", m.enabled},
                    {"image_tokens", m.image_tokens},
                    {"reads_images", m.reads_images},
                    {"position", m.position}};
}

}  // namespace

awaitable<http::Response> admin_list_channels(Ctx& ctx) {
  auto list = co_await ctx.site.channel_admin.list();
  bj::array out;
  for (const auto& ch : list) out.push_back(channel_json(ch));
  co_return json_response(200, bj::object{{"channels", std::move(out)}});
}

awaitable<http::Response> admin_create_channel(Ctx& ctx) {
  auto body = body_object(ctx);
  store::Channel ch;
  ch.type = "openai";
  apply(ch, body);
  auto keys = json::optional_string_array(body, "keys", 101).value_or(std::vector<std::string>{});
  auto created = co_await ctx.site.channel_admin.create(ctx.me().id, std::move(ch), std::move(keys));
  co_return json_response(201, bj::object{{"channel", channel_json(created)}});
}

awaitable<http::Response> admin_update_channel(Ctx& ctx) {
  auto body = body_object(ctx);
  int64_t id = id_param(ctx, "id");
  auto current = co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::channels::find(c, id); });
  if (!current) throw Error(ErrorCode::not_found, "no such channel");
  apply(*current, body);
  auto keys = json::optional_string_array(body, "keys", 101);
  auto updated = co_await ctx.site.channel_admin.update(ctx.me().id, std::move(*current), std::move(keys));
  co_return json_response(200, bj::object{{"channel", channel_json(updated)}});
}

awaitable<http::Response> admin_delete_channel(Ctx& ctx) {
  co_await ctx.site.channel_admin.remove(ctx.me().id, id_param(ctx, "id"));
  co_return http::Response::no_content();
}

// The models an upstream lists, for the channel form: a stored channel's (`channel_id`) with the
// form's edits over it, or a new channel's from the form alone. The first key typed in the form is
// asked with, else the stored channel's.
awaitable<http::Response> admin_upstream_models(Ctx& ctx) {
  auto body = body_object(ctx);
  store::Channel ch;
  ch.type = "openai";
  auto id = json::optional_int(body, "channel_id");
  std::optional<store::Channel> stored;
  if (id) {
    stored = co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::channels::find(c, *id); });
    if (!stored) throw Error(ErrorCode::not_found, "no such channel", "channel_id");
    ch = *stored;
  }
  apply(ch, body);
  services::ChannelAdmin::validate_connection(ch);
  auto keys = json::optional_string_array(body, "keys", 101).value_or(std::vector<std::string>{});
  std::string key;
  if (!keys.empty()) {
    services::ChannelAdmin::check_keys(keys);
    key = keys.front();
  } else if (stored) {
    // A stored key goes only where its channel is saved to send it (an edit goes through the
    // audited update first); to ask another address, type a key.
    if (ch.base_url != stored->base_url || ch.proxy != stored->proxy)
      throw Error(ErrorCode::invalid_request,
                  "type a key to ask another address: the saved keys go only to the saved one", "keys");
    key = ctx.site.channel_admin.usable_key(*stored);  // the channel as read above: no second read
  } else {
    throw Error(ErrorCode::invalid_request, "give a key to ask the upstream with", "keys");
  }
  auto models = co_await ctx.site.channel_admin.upstream_models(std::move(ch), std::move(key));
  co_return json_response(200, bj::object{{"models", json::string_array(models)}});
}

// How each channel did in the site's newest requests, for the channels page.
awaitable<http::Response> admin_channel_health(Ctx& ctx) {
  static constexpr int64_t kWindow = 10'000;
  auto health =
      co_await store::read(ctx.site.db, [](store::Conn& c) { return store::reports::channel_health(c, kWindow); });
  bj::array out;
  for (const auto& h : health)
    out.push_back(bj::object{{"channel_id", h.channel_id},
                             {"requests", h.requests},
                             {"ok", h.ok},
                             {"errors", h.errors},
                             {"cancelled", h.cancelled},
                             {"avg_latency_ms", h.avg_latency_ms},
                             {"avg_ttft_ms", json::nullable(h.avg_ttft_ms)},
                             {"last_at", h.last_at}});
  co_return json_response(200, bj::object{{"window", kWindow}, {"channels", std::move(out)}});
}

awaitable<http::Response> admin_test_channel(Ctx& ctx) {
  auto t = co_await ctx.site.channel_admin.test(id_param(ctx, "id"));
  bj::array keys;
  for (const auto& k : t.keys)
    keys.push_back(bj::object{{"id", k.key_id},
                              {"hint", k.hint},
                              {"tried", k.tried},
                              {"ok", k.ok},
                              {"status", k.status},
                              {"latency_ms", k.latency_ms},
                              {"error", k.error}});
  co_return json_response(200, bj::object{{"ok", t.ok},
                                          {"latency_ms", t.latency_ms},
                                          {"status", t.status},
                                          {"model", t.model},
                                          {"error", t.error},
                                          {"keys", std::move(keys)}});
}

awaitable<http::Response> admin_enable_channel(Ctx& ctx) {
  auto ch = co_await ctx.site.channel_admin.reenable(ctx.me().id, id_param(ctx, "id"));
  co_return json_response(200, bj::object{{"channel", channel_json(ch)}});
}

awaitable<http::Response> admin_list_models(Ctx& ctx) {
  auto list = co_await store::read(ctx.site.db, [](store::Conn& c) { return store::models::list(c); });
  bj::array out;
  for (const auto& m : list) out.push_back(model_json(m));
  co_return json_response(200, bj::object{{"models", std::move(out)}});
}

awaitable<http::Response> admin_put_model(Ctx& ctx) {
  auto body = body_object(ctx);
  store::Model m;
  m.id = std::string(ctx.req.param("id"));
  if (m.id.empty() || m.id.size() > 128 || !is_valid_utf8(m.id))
    throw Error(ErrorCode::invalid_request, "bad model id");
  m.display_name = json::optional_string(body, "display_name").value_or(m.id);
  if (auto err = check_display_name(m.display_name, "display_name"))
    throw Error(ErrorCode::invalid_request, *err, "display_name");
  m.description = json::optional_string(body, "description").value_or("");
  if (m.description.size() > 4000) throw Error(ErrorCode::invalid_request, "description is too long", "description");
  m.icon = json::optional_string(body, "icon").value_or("");
  if (!model_icon_shown(m.icon))
    throw Error(ErrorCode::invalid_request,
                "icon is an emoji (at most 8 characters) or an image uploaded to this site (/uploads/...)", "icon");
  m.tags = json::optional_string_array(body, "tags", 20).value_or(std::vector<std::string>{});
  m.context_length = json::optional_int(body, "context_length").value_or(0);
  if (m.context_length < 0)
    throw Error(ErrorCode::invalid_request, "context_length must be positive", "context_length");
  m.image_tokens = json::optional_int(body, "image_tokens").value_or(0);
  if (m.image_tokens < 0 || m.image_tokens > 1'000'000)
    throw Error(ErrorCode::invalid_request, "image_tokens must be between 0 (the default) and 1,000,000",
                "image_tokens");
  m.reads_images = json::optional_bool(body, "reads_images").value_or(true);
  m.position = json::optional_int(body, "position").value_or(0);
  if (m.position < -1'000'000 || m.position > 1'000'000)
    throw Error(ErrorCode::invalid_request, "position must be between -1,000,000 and 1,000,000", "position");
  m.enabled = json::optional_bool(body, "enabled").value_or(true);
  int64_t actor = ctx.me().id;
  co_await store::write(ctx.site.db, [&](store::Conn& c) {
    store::models::upsert(c, m, ctx.site.clock.now_s());
    store::audit::record(c, actor, "admin.model.put", "model:" + m.id, m.enabled ? "enabled" : "disabled",
                         ctx.site.clock.now_s());
    store::announce(c, "channels");
  });
  ctx.site.channels.invalidate();  // the relay's snapshot holds the catalogue's switches
  co_return json_response(200, bj::object{{"model", model_json(m)}});
}

awaitable<http::Response> admin_delete_model(Ctx& ctx) {
  std::string id(ctx.req.param("id"));
  int64_t actor = ctx.me().id;
  bool removed = co_await store::write(ctx.site.db, [&](store::Conn& c) {
    bool r = store::models::remove(c, id);
    if (r) store::audit::record(c, actor, "admin.model.delete", "model:" + id, "", ctx.site.clock.now_s());
    store::announce(c, "channels");
    return r;
  });
  if (!removed) throw Error(ErrorCode::not_found, "no such model");
  ctx.site.channels.invalidate();
  co_return http::Response::no_content();
}

}  // namespace plaza::api
