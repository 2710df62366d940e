#pragma once
// The request and response as handlers see them: plain structs, no Beast types, so api/ and
// services/ never depend on the server's I/O library.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plaza::http {

class ResponseStream;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // upper case: GET, POST, ...
  std::string path;    // without the query string, not percent-decoded
  std::string query;   // after '?', not decoded
  Headers headers;     // names in lower case
  std::string body;
  std::string client_ip;
  std::string request_id;
  bool request_id_from_client = false;  // the client sent it as X-Request-Id
  std::string route;                                        // the matched route pattern, e.g. /api/keys/{id}
  std::vector<std::pair<std::string, std::string>> params;  // path parameters, decoded
  ResponseStream* stream = nullptr;  // for handlers that stream their body (they return Response::streamed())

  std::string_view header(std::string_view lower_name) const;
  std::optional<std::string> cookie(std::string_view name) const;
  std::optional<std::string> query_param(std::string_view name) const;
  std::string_view param(std::string_view name) const;
  bool is_json() const;  // Content-Type is application/json
};

// The client's address from an X-Forwarded-For header that the site's own proxy appended to: its last
// entry (the ones before it are the client's to write), when that is an IP address, in its canonical
// form; otherwise nothing (the peer address stands).
std::optional<std::string> forwarded_client_ip(std::string_view x_forwarded_for);

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  static Response json(int status, std::string body);
  // An error the server answers itself (no route, a method or a body it refuses), in the shape of the
  // path's API: OpenAI's on /v1, {"error":{"code","message"}} elsewhere. `message` is JSON-escaped.
  static Response error(std::string_view path, int status, std::string_view code, std::string_view message);
  static Response no_content() { return Response{204, {}, {}}; }
  // The handler answered through Request::stream (status and success are the stream's). If it never
  // started the stream, the connection is closed rather than answered with an empty 200.
  static Response streamed() {
    Response r;
    r.was_streamed = true;
    return r;
  }
  bool was_streamed = false;
};

std::string percent_decode(std::string_view s, bool plus_as_space);
// Every byte but RFC 3986's unreserved ones as %XX: a value in a query string or a form body.
std::string percent_encode(std::string_view s);

}  // namespace plaza::http
