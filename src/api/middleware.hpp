#pragma once
// Per-route policies applied in one place, in a fixed order: rate limit, authentication (session
// cookie or sk- key), CSRF for cookie-authenticated state changes, then the handler; errors are
// mapped to status and JSON here and nowhere else.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "api/site.hpp"
#include "core/error.hpp"
#include "http/request.hpp"
#include "store/records.hpp"

namespace plaza::api {

using boost::asio::awaitable;

enum class Auth {
  none,     // anyone
  session,  // a signed-in browser (cookie)
  any,      // a session or an sk- key
  admin,    // a signed-in admin (cookie)
  key,      // an sk- key (the OpenAI-compatible API)
  // A signed-in browser when there is one, else a visitor: ctx.viewer() is empty. For pages anyone
  // may read (the square); a visitor's state-changing request is still refused as unsigned.
  optional,
};

struct Policy {
  Auth auth = Auth::none;
  bool rate_limit = true;
  bool openai_errors = false;  // /v1 answers errors in OpenAI's shape
};

struct Ctx {
  http::Request& req;
  Site& site;
  std::optional<store::User> user;
  std::optional<store::ApiKey> key;  // when authenticated by an sk- key
  std::string session_token;         // when authenticated by a cookie
  std::string csrf_token;

  // Who is reading: empty for a signed-out visitor (Auth::optional). Handlers that answer visitors
  // use this; services take it as "nobody in particular" (no ownership, favorites, unlocks, plan).
  const std::optional<store::User>& viewer() const { return user; }
  // The signed-in user. Under Auth::optional a visitor has none: refused as unsigned rather than
  // read through an empty optional.
  const store::User& me() const {
    if (!user) throw Error(ErrorCode::unauthorized, "sign in first");
    return *user;
  }
};

using ApiHandler = awaitable<http::Response> (*)(Ctx&);

// `body_limit`: the largest body the route reads (0: the site's limit for /api or /v1).
void add_route(http::Router& router, Site& site, std::string method, std::string pattern, Policy policy,
               ApiHandler handler, int64_t body_limit = 0);

// The request body as a JSON object; 415 unless it is sent as application/json.
boost::json::object body_object(const Ctx& ctx);
http::Response json_response(int status, const boost::json::value& v);
// An error as /v1 tells it, in a response or as a stream's last event: OpenAI's shape {message, type,
// param, code}, with OpenAI's codes where it has one. An internal error's own message (which may
// name the server's insides) is replaced with one that gives the request id.
boost::json::object openai_error(const Error& e, const std::string& request_id);
boost::json::object user_json(const store::User& u);
// A whole-number query parameter in [min, max]; `fallback` when absent; invalid_request otherwise.
int64_t query_int(const Ctx& ctx, std::string_view name, int64_t fallback, int64_t min, int64_t max);
// The id a request's charge, holds and usage event are filed under. A client's own X-Request-Id is
// scoped to the user ("u42:abc"), so no one can collide with another user's requests, and a
// server-made id (which has no colon) can never be forged.
std::string billing_request_id(const Ctx& ctx);
// Response headers of an event stream (built outside co_await: g++ 12 miscompiles braced lists there).
http::Headers sse_headers();

inline constexpr const char* kSessionCookie = "plaza_session";
inline constexpr const char* kCsrfCookie = "plaza_csrf";

}  // namespace plaza::api
