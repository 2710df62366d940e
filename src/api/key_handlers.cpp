#include "api/key_handlers.hpp"

#include <charconv>

#include "core/error.hpp"
#include "core/json.hpp"
#include "services/api_keys.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

bj::object key_json(const store::ApiKey& k) {
  bj::array models;
  for (const auto& m : k.models) models.emplace_back(m);
  return bj::object{{"id", k.id},
                    {"name", k.name},
                    {"masked", services::ApiKeys::masked(k)},
                    {"created_at", k.created_at},
                    {"expires_at", json::nullable(k.expires_at)},
                    {"last_used_at", json::nullable(k.last_used_at)},
                    {"models", std::move(models)},
                    {"revoked", k.revoked_at.has_value()},
                    {"spend_limit", json::nullable(k.spend_limit)},
                    {"spent", k.spent}};
}

}  // namespace

int64_t id_param(const Ctx& ctx, std::string_view name) {
  auto text = ctx.req.param(name);
  int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id <= 0)
    throw Error(ErrorCode::not_found, "no such " + std::string(name));
  return id;
}

awaitable<http::Response> list_keys(Ctx& ctx) {
  auto keys = co_await ctx.site.keys.list(ctx.me().id);
  bj::array out;
  for (const auto& k : keys) out.push_back(key_json(k));
  co_return json_response(200, bj::object{{"keys", std::move(out)}});
}

awaitable<http::Response> create_key(Ctx& ctx) {
  auto body = body_object(ctx);
  auto created = co_await ctx.site.keys.create(
      ctx.me().id, json::require_string(body, "name"), json::optional_int(body, "expires_at"),
      json::optional_string_array(body, "models", services::kMaxKeyModels + 1).value_or(std::vector<std::string>{}),
      json::optional_int(body, "spend_limit"));
  auto r = json_response(201, bj::object{{"key", key_json(created.key)}, {"secret", created.secret}});
  r.header("Cache-Control", "no-store");
  co_return r;
}

awaitable<http::Response> update_key(Ctx& ctx) {
  auto body = body_object(ctx);
  // The one editable field: present, a number of µc or null (no limit).
  if (!body.contains("spend_limit"))
    throw Error(ErrorCode::invalid_request, "send spend_limit (µc, or null for no limit)", "spend_limit");
  auto key =
      co_await ctx.site.keys.set_spend_limit(ctx.me().id, id_param(ctx, "id"), json::optional_int(body, "spend_limit"));
  co_return json_response(200, bj::object{{"key", key_json(key)}});
}

awaitable<http::Response> revoke_key(Ctx& ctx) {
  co_await ctx.site.keys.revoke(ctx.me().id, id_param(ctx, "id"));
  co_return http::Response::no_content();
}

}  // namespace plaza::api
