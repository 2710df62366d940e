#include "api/auth_handlers.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

std::string cookie(const Ctx& ctx, const char* name, const std::string& value, int64_t max_age, bool http_only) {
  std::string c = std::string(name) + "=" + value + "; Path=/; SameSite=Lax; Max-Age=" + std::to_string(max_age);
  if (http_only) c += "; HttpOnly";
  if (ctx.site.config.cookie_secure) c += "; Secure";
  return c;
}

http::Response signed_in(const Ctx& ctx, int status, const services::SignedIn& s) {
  auto r = json_response(status, bj::object{{"user", user_json(s.user)}, {"csrf_token", s.csrf_token}});
  int64_t max_age = std::max<int64_t>(0, s.expires_at - ctx.site.clock.now_s());
  r.header("Set-Cookie", cookie(ctx, kSessionCookie, s.session_token, max_age, true));
  r.header("Set-Cookie", cookie(ctx, kCsrfCookie, s.csrf_token, max_age, false));
  r.header("Cache-Control", "no-store");
  return r;
}

services::ClientInfo client(const Ctx& ctx) {
  return {ctx.req.client_ip, std::string(ctx.req.header("user-agent"))};
}

}  // namespace

awaitable<http::Response> get_setup(Ctx& ctx) {
  bool needed = co_await ctx.site.accounts.setup_needed();
  co_return json_response(200, bj::object{{"needed", needed}});
}

awaitable<http::Response> post_setup(Ctx& ctx) {
  auto body = body_object(ctx);
  auto s = co_await ctx.site.accounts.complete_setup(
      json::require_string(body, "token"), json::require_string(body, "username"),
      json::require_string(body, "password"), json::optional_string(body, "email"), client(ctx));
  co_return signed_in(ctx, 201, s);
}

awaitable<http::Response> post_register(Ctx& ctx) {
  auto body = body_object(ctx);
  auto s = co_await ctx.site.accounts.register_user(json::require_string(body, "username"),
                                                    json::require_string(body, "password"),
                                                    json::optional_string(body, "email"), client(ctx));
  co_await ctx.site.wallet.signup_gift(s.user.id, ctx.site.config.signup_gift);
  co_return signed_in(ctx, 201, s);
}

awaitable<http::Response> post_login(Ctx& ctx) {
  auto body = body_object(ctx);
  auto s = co_await ctx.site.accounts.login(json::require_string(body, "username"),
                                            json::require_string(body, "password"), client(ctx));
  co_return signed_in(ctx, 200, s);
}

awaitable<http::Response> post_logout(Ctx& ctx) {
  co_await ctx.site.accounts.logout(ctx.session_token);
  auto r = http::Response::no_content();
  r.header("Set-Cookie", cookie(ctx, kSessionCookie, "", 0, true));
  r.header("Set-Cookie", cookie(ctx, kCsrfCookie, "", 0, false));
  co_return r;
}

awaitable<http::Response> get_me(Ctx& ctx) {
  bj::object out{{"user", user_json(ctx.me())}};
  if (!ctx.csrf_token.empty()) out["csrf_token"] = ctx.csrf_token;
  auto r = json_response(200, out);
  r.header("Cache-Control", "no-store");
  co_return r;
}

awaitable<http::Response> patch_me(Ctx& ctx) {
  auto body = body_object(ctx);
  for (const auto& [key, value] : body) {
    if (key != "email") throw Error(ErrorCode::invalid_request, "only email can be changed here", std::string(key));
  }
  auto user = co_await ctx.site.accounts.update_email(ctx.me().id, json::optional_string(body, "email"));
  co_return json_response(200, bj::object{{"user", user_json(user)}});
}

awaitable<http::Response> post_password(Ctx& ctx) {
  auto body = body_object(ctx);
  co_await ctx.site.accounts.change_password(ctx.me(), client(ctx), json::require_string(body, "current_password"),
                                             json::require_string(body, "new_password"), ctx.session_token);
  co_return http::Response::no_content();
}

}  // namespace plaza::api
