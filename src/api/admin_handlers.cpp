#include "api/admin_handlers.hpp"

#include <algorithm>
#include <charconv>

#include "api/key_handlers.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "store/async.hpp"
#include "store/users_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {
int64_t int_query(const Ctx& ctx, std::string_view name, int64_t fallback) {
  auto v = ctx.req.query_param(name);
  if (!v || v->empty()) return fallback;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    throw Error(ErrorCode::invalid_request, std::string(name) + " must be a whole number", std::string(name));
  return out;
}
}  // namespace

awaitable<http::Response> admin_list_users(Ctx& ctx) {
  auto [users, total] = co_await ctx.site.accounts.list_users(ctx.req.query_param("q").value_or(""),
                                                              int_query(ctx, "offset", 0), int_query(ctx, "limit", 50));
  std::vector<int64_t> ids;
  for (const auto& u : users) ids.push_back(u.id);
  // Marked so the page can say what it is (and offer no sign-in-related actions for it).
  auto system =
      co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::users::without_sign_in(c, ids); });
  bj::array out;
  for (const auto& u : users) {
    auto o = user_json(u);
    o["system"] = std::find(system.begin(), system.end(), u.id) != system.end();
    out.push_back(std::move(o));
  }
  co_return json_response(200, bj::object{{"users", std::move(out)}, {"total", total}});
}

awaitable<http::Response> admin_update_user(Ctx& ctx) {
  auto body = body_object(ctx);
  services::UserChanges changes{json::optional_string(body, "role"), json::optional_string(body, "group"),
                                json::optional_bool(body, "banned")};
  auto user = co_await ctx.site.accounts.update_user(ctx.me().id, id_param(ctx, "id"), changes);
  co_return json_response(200, bj::object{{"user", user_json(user)}});
}

}  // namespace plaza::api
