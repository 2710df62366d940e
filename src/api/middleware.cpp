#include "api/middleware.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <charconv>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "store/database.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {

struct Entry {
  Site* site;
  Policy policy;
  ApiHandler handler;
};

bool changes_state(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

std::string public_message(const Error& e, const std::string& request_id) {
  if (e.code() == ErrorCode::internal) return "internal error (request id " + request_id + ")";
  return e.what();
}

http::Response error_json(const Error& e, bool openai, const std::string& request_id) {
  bj::object err;
  if (openai) {
    err = openai_error(e, request_id);
  } else {
    err["code"] = to_string(e.code());
    err["message"] = public_message(e, request_id);
    if (!e.field().empty()) err["field"] = e.field();
  }
  auto r = json_response(http_status(e.code()), bj::object{{"error", std::move(err)}});
  if (e.code() == ErrorCode::rate_limited && e.retry_after > 0) r.header("Retry-After", std::to_string(e.retry_after));
  // OpenAI's SDKs retry a 409 unless told not to; Plaza's (a request id used before) would only
  // fail again.
  if (e.code() == ErrorCode::conflict) r.header("x-should-retry", "false");
  return r;
}

std::string_view bearer_token(const http::Request& req) {
  std::string_view auth = req.header("authorization");
  // The scheme is case-insensitive (RFC 9110): "BEARER" is a bearer token too.
  if (auth.size() > 7 && ascii_lower(auth.substr(0, 7)) == "bearer ") return auth.substr(7);
  return {};
}

// Cookie-less state changes (sign-in, sign-up, setup) can still be forged by a cross-site form;
// requiring JSON (which a form cannot send without a CORS preflight) and a same-origin Origin
// header, when the browser sends one, closes that door.
void check_same_origin(const http::Request& req) {
  std::string_view origin = req.header("origin");
  if (origin.empty()) return;
  std::string_view host = req.header("host");
  auto scheme_end = origin.find("://");
  std::string_view origin_host = scheme_end == std::string_view::npos ? origin : origin.substr(scheme_end + 3);
  if (origin_host != host) throw Error(ErrorCode::forbidden, "cross-site request refused");
}

awaitable<void> authenticate(Ctx& ctx, const Policy& policy) {
  auto& req = ctx.req;
  std::string_view bearer = bearer_token(req);
  if (policy.auth == Auth::key && bearer.empty())
    throw Error(ErrorCode::unauthorized, "send your API key as Authorization: Bearer sk-...");
  if (!bearer.empty() && (policy.auth == Auth::any || policy.auth == Auth::key)) {
    auto owner = co_await ctx.site.keys.authenticate(std::string(bearer));
    if (!owner) throw Error(ErrorCode::unauthorized, "invalid, revoked or expired API key");
    ctx.user = std::move(owner->user);
    ctx.key = std::move(owner->key);
    co_return;
  }
  auto cookie = req.cookie(kSessionCookie);
  std::optional<store::SessionRecord> session;
  if (cookie) session = co_await ctx.site.accounts.session(*cookie);
  if (!session) {
    // A visitor (no cookie, or one whose session ended) reads optional pages as nobody in particular.
    if (policy.auth == Auth::optional && !changes_state(req.method)) co_return;
    throw Error(ErrorCode::unauthorized, "sign in first");
  }
  if (policy.auth == Auth::admin && !session->user.is_admin()) throw Error(ErrorCode::forbidden, "administrators only");
  if (changes_state(req.method)) {
    std::string_view sent = req.header("x-csrf-token");
    if (!crypto::constant_time_equal(sent, session->csrf_token))
      throw Error(ErrorCode::forbidden, "missing or wrong CSRF token (send the plaza_csrf cookie as X-CSRF-Token)");
  }
  ctx.user = std::move(session->user);
  ctx.session_token = std::move(*cookie);
  ctx.csrf_token = std::move(session->csrf_token);
}

awaitable<http::Response> dispatch(const Entry* entry, http::Request& req) {
  Ctx ctx{req, *entry->site, std::nullopt, std::nullopt, {}, {}};
  try {
    if (entry->policy.rate_limit) {
      int retry = 0;
      if (!ctx.site.api_limiter.allow(req.client_ip, ctx.site.clock.now_ms(), retry)) {
        Error e(ErrorCode::rate_limited, "too many requests; slow down");
        e.retry_after = retry;
        throw e;
      }
    }
    if (entry->policy.auth != Auth::none) {
      co_await authenticate(ctx, entry->policy);
    } else if (changes_state(req.method)) {
      check_same_origin(req);
    }
    co_return co_await entry->handler(ctx);
  } catch (const Error& e) {
    co_return error_json(e, entry->policy.openai_errors, req.request_id);
  } catch (const std::exception& e) {  // database and other unexpected failures: logged, never shown
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
  }
  co_return error_json(Error(ErrorCode::internal, "internal"), entry->policy.openai_errors, req.request_id);
}

}  // namespace

bj::object openai_error(const Error& e, const std::string& request_id) {
  // OpenAI's codes where it has one for the case: clients look them up.
  std::string_view code = to_string(e.code());
  if (e.code() == ErrorCode::insufficient_balance) code = "insufficient_quota";
  if (e.code() == ErrorCode::not_found && e.field() == "model") code = "model_not_found";
  if (e.code() == ErrorCode::unauthorized) code = "invalid_api_key";
  if (e.code() == ErrorCode::rate_limited) code = "rate_limit_exceeded";
  if (!e.upstream_code.empty()) code = e.upstream_code;
  // OpenAI's types: quota errors are their own type, and failures on the server's side (5xx, the
  // upstream's included) are server errors, as SDKs and clients check it.
  std::string_view type = http_status(e.code()) >= 500                  ? "server_error"
                          : e.code() == ErrorCode::insufficient_balance ? "insufficient_quota"
                                                                        : "invalid_request_error";
  return bj::object{{"message", public_message(e, request_id)},
                    {"type", type},
                    {"param", e.field().empty() ? bj::value(nullptr) : bj::value(e.field())},
                    {"code", code}};
}

void add_route(http::Router& router, Site& site, std::string method, std::string pattern, Policy policy,
               ApiHandler handler, int64_t body_limit) {
  // Entries live as long as the router: routes are registered once at start-up.
  auto entry = std::make_shared<const Entry>(Entry{&site, policy, handler});
  int64_t limit = pattern.starts_with("/v1/") ? site.config.max_v1_body_bytes : site.config.max_body_bytes;
  if (body_limit > 0) limit = body_limit;
  router.add(std::move(method), std::move(pattern), limit,
             [entry](http::Request& req) { return dispatch(entry.get(), req); });
}

bj::object body_object(const Ctx& ctx) {
  if (!ctx.req.is_json()) throw Error(ErrorCode::unsupported_media, "send the body as application/json");
  if (auto encoding = ctx.req.header("content-encoding"); !encoding.empty() && ascii_lower(encoding) != "identity")
    throw Error(ErrorCode::unsupported_media, "send the body uncompressed (no Content-Encoding)");
  return json::parse_object(ctx.req.body);
}

http::Response json_response(int status, const bj::value& v) {
  return http::Response::json(status, bj::serialize(v));
}

int64_t query_int(const Ctx& ctx, std::string_view name, int64_t fallback, int64_t min, int64_t max) {
  auto v = ctx.req.query_param(name);
  if (!v || v->empty()) return fallback;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size() || out < min || out > max)
    throw Error(ErrorCode::invalid_request,
                std::string(name) + " must be a whole number in " + std::to_string(min) + ".." + std::to_string(max),
                std::string(name));
  return out;
}

std::string billing_request_id(const Ctx& ctx) {
  if (!ctx.req.request_id_from_client || !ctx.user) return ctx.req.request_id;
  return fmt::format("u{}:{}", ctx.user->id, ctx.req.request_id);
}

http::Headers sse_headers() {
  return {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
}

bj::object user_json(const store::User& u) {
  return bj::object{{"id", u.id},       {"username", u.username}, {"email", json::nullable(u.email)}, {"role", u.role},
                    {"group", u.group}, {"banned", u.banned},     {"created_at", u.created_at}};
}

}  // namespace plaza::api
