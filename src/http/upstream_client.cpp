#include "http/upstream_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/url.hpp"
#include "crypto/crypto.hpp"
#include "http/arena_parser.hpp"
#include "http/host_resolver.hpp"
#include "http/wire.hpp"

namespace plaza::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxIdlePerHost = 64;
constexpr auto kMaxIdleAge = std::chrono::seconds(30);
// Model APIs send small events; a small piece keeps the memory of thousands of held streams low.
constexpr std::size_t kReadPiece = 4 * 1024;
// Room for a whole head (OpenAI's alone is about 1 KB) and a short answer in one read; Beast's
// default first read is 512 bytes, which took two reads for the smallest answer.
constexpr std::size_t kHeadRead = 4 * 1024;

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // with query
  std::string authorization;  // a proxy's: the Proxy-Authorization value its URL's user and password make
  // What pooled connections are kept under: a tunnel opened with other credentials is another one.
  std::string key() const {
    std::string k = (tls ? "https://" : "http://") + authority();
    if (!authorization.empty()) k += "#" + crypto::sha256_hex(authorization).substr(0, 16);
    return k;
  }
  // host:port as a request line or a Host field names it: an IPv6 literal in brackets, the port left
  // out on request when it is the scheme's.
  std::string authority(bool omit_default_port = false) const {
    std::string a = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (!omit_default_port || port != (tls ? "443" : "80")) a += ":" + port;
    return a;
  }
};

Target parse_target(const std::string& url) {
  auto parsed = parse_url(url);
  if (!parsed) throw UpstreamFailure(UpstreamFailure::Kind::protocol, "invalid upstream URL");
  Target t;
  auto scheme = parsed->scheme();
  if (scheme == "https")
    t.tls = true;
  else if (scheme != "http")
    throw UpstreamFailure(UpstreamFailure::Kind::protocol, "upstream URL must be http or https");
  t.host = std::string(parsed->host_address());
  if (t.host.empty()) throw UpstreamFailure(UpstreamFailure::Kind::protocol, "upstream URL has no host");
  t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
  t.path = std::string(parsed->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
  return t;
}

// One connection, plain or TLS.
struct Connection {
  std::string key;
  const void* loop = nullptr;  // the event loop (execution context) its socket belongs to
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  template <class F>
  auto visit(F&& f) {
    if (tls) return f(*tls);
    return f(*plain);
  }
};

}  // namespace

struct UpstreamClient::Impl {
  ssl::context tls_context{ssl::context::tls_client};
  mutable std::mutex mutex;
  // Idle connections by event loop, then by upstream: a socket is used only on the loop it belongs
  // to (its completions run there), so each loop has its own share of the pool.
  using Idle = std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>>;
  std::unordered_map<const void*, Idle> idle;
  // A lookup still running holds the resolver's state beyond this object, clock included: the clock
  // lives as long as the program.
  static const Clock& wall_clock() {
    static const SystemClock clock;
    return clock;
  }
  HostResolver resolver{HostResolver::system_lookup(), wall_clock(), {}};

  Impl() {
    tls_context.set_default_verify_paths();
    tls_context.set_verify_mode(ssl::verify_peer);
    tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  }

  std::unique_ptr<Connection> take(const void* loop, const std::string& key) {
    std::lock_guard lock(mutex);
    auto on_loop = idle.find(loop);
    if (on_loop == idle.end()) return nullptr;
    auto it = on_loop->second.find(key);
    if (it == on_loop->second.end()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    while (!it->second.empty()) {
      auto c = std::move(it->second.back());
      it->second.pop_back();
      if (now - c->idle_since < kMaxIdleAge && c->tcp().socket().is_open()) return c;
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<Connection> c) {
    c->idle_since = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    auto& q = idle[c->loop][c->key];
    if (q.size() < kMaxIdlePerHost) q.push_back(std::move(c));
  }
};

namespace {

// Sets a stream's timer `d` from now, but never past the exchange's deadline.
void arm(beast::tcp_stream& stream, std::chrono::milliseconds d, const UpstreamTimeouts& timeouts) {
  stream.expires_at(std::min(std::chrono::steady_clock::now() + d, timeouts.deadline));
}

[[noreturn]] void fail_io(const beast::error_code& ec, const char* stage) {
  if (ec == beast::error::timeout)
    throw UpstreamFailure(UpstreamFailure::Kind::timeout, std::string("upstream timed out while ") + stage);
  throw UpstreamFailure(UpstreamFailure::Kind::closed,
                        std::string("upstream failed while ") + stage + ": " + ec.message());
}

// Asks the proxy for a tunnel to the upstream; throws unless it answers 2xx.
asio::awaitable<void> open_tunnel(beast::tcp_stream& stream, const Target& t, const Target& proxy,
                                  const UpstreamTimeouts& timeouts) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, t.authority(), 11};
  req.set(bhttp::field::host, t.authority());
  if (!proxy.authorization.empty()) req.set(bhttp::field::proxy_authorization, proxy.authorization);
  arm(stream, timeouts.connect, timeouts);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (wec) throw UpstreamFailure(UpstreamFailure::Kind::connect, "the proxy closed the connection");
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // a CONNECT answer has no body: what follows belongs to the tunnel
  auto [rec, rn] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (rec) throw UpstreamFailure(UpstreamFailure::Kind::connect, "the proxy did not answer CONNECT");
  if (parser.get().result_int() / 100 != 2)
    throw UpstreamFailure(UpstreamFailure::Kind::connect,
                          "the proxy refused the tunnel (" + std::to_string(parser.get().result_int()) + ")");
}

asio::awaitable<std::unique_ptr<Connection>> connect(UpstreamClient::Impl& impl, const Target& t,
                                                     const std::optional<Target>& proxy,
                                                     const UpstreamTimeouts& timeouts) {
  auto ex = co_await asio::this_coro::executor;
  auto c = std::make_unique<Connection>();
  c->key = t.key() + (proxy ? "|" + proxy->key() : "");
  c->loop = &asio::query(ex, asio::execution::context);
  const Target& first_hop = proxy ? *proxy : t;
  auto endpoints = co_await impl.resolver.resolve(
      first_hop.host, first_hop.port, std::min(std::chrono::steady_clock::now() + timeouts.connect, timeouts.deadline));
  if (t.tls) {
    c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex, impl.tls_context);
    // SNI names hosts, never addresses (RFC 6066, section 3); the certificate is checked either way.
    boost::system::error_code not_an_address;
    asio::ip::make_address(t.host, not_an_address);
    if (not_an_address && !SSL_set_tlsext_host_name(c->tls->native_handle(), t.host.c_str()))
      throw UpstreamFailure(UpstreamFailure::Kind::tls, "cannot set TLS server name");
    c->tls->set_verify_callback(ssl::host_name_verification(t.host));
  } else {
    c->plain = std::make_unique<beast::tcp_stream>(ex);
  }
  auto& tcp_stream = c->tcp();
  arm(tcp_stream, timeouts.connect, timeouts);
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    if (cec == beast::error::timeout)
      throw UpstreamFailure(UpstreamFailure::Kind::timeout, "upstream connect timed out");
    throw UpstreamFailure(UpstreamFailure::Kind::connect, "cannot connect to the upstream: " + cec.message());
  }
  tcp_stream.socket().set_option(tcp::no_delay(true));
  if (proxy && t.tls) co_await open_tunnel(tcp_stream, t, *proxy, timeouts);
  if (c->tls) {
    arm(tcp_stream, timeouts.connect, timeouts);
    auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
    if (hec)
      throw UpstreamFailure(UpstreamFailure::Kind::tls, "TLS handshake with the upstream failed: " + hec.message());
  }
  co_return c;
}

using ResponseParser = ArenaParser<false, bhttp::buffer_body>;

class PooledResponse final : public UpstreamResponse {
 public:
  PooledResponse(std::shared_ptr<UpstreamClient::Impl> impl, std::unique_ptr<Connection> conn,
                 std::unique_ptr<ResponseParser> parser, UpstreamTimeouts timeouts)
      : impl_(std::move(impl)), conn_(std::move(conn)), parser_(std::move(parser)), timeouts_(timeouts) {
    events_ = header("content-type").starts_with("text/event-stream");
  }

  ~PooledResponse() override {
    if (usable_ && parser_->is_done() && parser_->get().keep_alive()) impl_->give_back(std::move(conn_));
  }

  int status() const override { return static_cast<int>(parser_->get().result_int()); }

  std::string_view header(std::string_view name) const override {
    const auto& fields = parser_->get();
    auto it = fields.find(name);  // names compare without case
    return it == fields.end() ? std::string_view() : std::string_view(it->value());
  }

  asio::awaitable<std::optional<std::string>> read_some() override {
    if (!usable_) throw UpstreamFailure(UpstreamFailure::Kind::closed, "upstream request cancelled");
    auto& body = parser_->get().body();
    while (!parser_->is_done()) {
      // A stream may wait a long time for its next event: not with the head's large read buffer
      // (what is left in it is at most a chunk's trailing line break).
      if (events_ && conn_->buffer.capacity() >= kHeadRead && conn_->buffer.size() <= 64) conn_->buffer.shrink_to_fit();
      if (conn_->buffer.size() > 0) {
        // What is buffered (a short answer comes whole with its head; an event with the read that
        // found it) is parsed here, into a piece as large as what came (at most kReadPiece): an
        // asynchronous read would only go round the event loop to do the same.
        std::string piece(std::min(kReadPiece, conn_->buffer.size()), '\0');
        body.data = piece.data();
        body.size = piece.size();
        beast::error_code ec;
        std::size_t used = parser_->put(conn_->buffer.data(), ec);
        conn_->buffer.consume(used);
        std::size_t got = piece.size() - body.size;
        body.data = nullptr;
        body.size = 0;
        if (ec && ec != bhttp::error::need_buffer && ec != bhttp::error::need_more) {
          usable_ = false;
          fail_io(ec, "streaming the body");
        }
        if (got > 0) {
          piece.resize(got);
          co_return piece;
        }
        if (used > 0 && ec != bhttp::error::need_more) continue;  // framing only: parse on
      }
      // Nothing (more) to parse yet: the read waits with no body memory at all (the parser stops with
      // need_buffer once bytes arrive, and the loop parses them above). A stalled stream holds only
      // the connection's small read buffer.
      body.data = nullptr;
      body.size = 0;
      arm(conn_->tcp(), timeouts_.idle, timeouts_);
      auto [ec, n] = co_await conn_->visit([&](auto& s) {
        return bhttp::async_read_some(s, conn_->buffer, *parser_, asio::as_tuple(asio::use_awaitable));
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        usable_ = false;
        fail_io(ec, "streaming the body");
      }
    }
    co_return std::nullopt;
  }

  // Closing the socket makes a pending read complete with an error; the connection itself (its
  // buffer is in use by that read) lives until this response is destroyed.
  void cancel() override {
    if (!usable_ || parser_->is_done()) return;  // a finished body leaves the connection reusable
    usable_ = false;
    beast::error_code ec;
    conn_->tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    conn_->tcp().socket().close(ec);
  }

 private:
  std::shared_ptr<UpstreamClient::Impl> impl_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<ResponseParser> parser_;
  UpstreamTimeouts timeouts_;
  bool usable_ = true;   // false once cancelled or broken: never read again, never pooled
  bool events_ = false;  // a server-sent event stream
};

}  // namespace

asio::awaitable<std::string> UpstreamResponse::read_all(std::size_t limit) {
  std::string body;
  while (auto piece = co_await read_some()) {
    if (body.empty())
      body = std::move(*piece);  // a short answer is one piece
    else
      body += *piece;
    if (body.size() > limit) {
      cancel();
      throw UpstreamFailure(UpstreamFailure::Kind::protocol, "upstream response is too large");
    }
  }
  co_return body;
}

UpstreamClient::UpstreamClient() : impl_(std::make_shared<Impl>()) {}
UpstreamClient::~UpstreamClient() = default;

std::size_t UpstreamClient::idle_connections() const {
  std::lock_guard lock(impl_->mutex);
  std::size_t n = 0;
  for (const auto& [loop, by_key] : impl_->idle)
    for (const auto& [k, q] : by_key) n += q.size();
  return n;
}

void UpstreamClient::close_idle() {
  std::lock_guard lock(impl_->mutex);
  impl_->idle.clear();
}

namespace {

// What a request's URL and proxy come to: where to connect, the pool's key and the request line's
// target. A relay sends to the same few URLs (one per channel) again and again.
struct Route {
  Target target;
  std::optional<Target> proxy;
  std::string pool_key;
  std::string request_target;
};

std::shared_ptr<const Route> route_for(const std::string& url, const std::string& proxy_url) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const Route>> cache;
  std::string cache_key = url + '\n' + proxy_url;
  if (auto it = cache.find(cache_key); it != cache.end()) return it->second;
  auto r = std::make_shared<Route>();
  r->target = parse_target(url);
  if (!proxy_url.empty()) {
    r->proxy = parse_target(proxy_url);
    if (r->proxy->tls) throw UpstreamFailure(UpstreamFailure::Kind::protocol, "the proxy must be an http:// URL");
    if (auto u = parse_url(proxy_url); u && u->has_userinfo())
      r->proxy->authorization = "Basic " + crypto::base64(u->user() + ":" + u->password());
  }
  r->pool_key = r->target.key() + (r->proxy ? "|" + r->proxy->key() : "");
  // Through a proxy, a plain request names the whole URL; a tunnelled (TLS) one does not.
  r->request_target = r->proxy && !r->target.tls ? "http://" + r->target.authority() + r->target.path : r->target.path;
  if (cache.size() >= 256) cache.clear();  // URLs of channels since deleted or edited
  cache.emplace(std::move(cache_key), r);
  return r;
}

}  // namespace

asio::awaitable<std::unique_ptr<UpstreamResponse>> UpstreamClient::send(UpstreamRequest request) {
  auto route = route_for(request.url, request.proxy);
  const void* loop = &asio::query(co_await asio::this_coro::executor, asio::execution::context);
  const Target& t = route->target;
  // The head in one string, sent with the body in one write (see http/wire.hpp). The request's own
  // headers take the place of the defaults they name.
  auto named = [&](std::string_view field) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const auto& h) { return beast::iequals(h.first, field); });
  };
  std::string head;
  head.reserve(256 + request.headers.size() * 64);
  head.append(request.method).append(" ").append(route->request_target).append(" HTTP/1.1\r\n");
  if (!named("host")) append_field(head, "Host", t.authority(/*omit_default_port=*/true));
  if (!named("user-agent")) append_field(head, "User-Agent", "plaza");
  // A plain request goes to the proxy itself (a tunnel's CONNECT carried the credentials instead).
  if (route->proxy && !t.tls && !route->proxy->authorization.empty())
    append_field(head, "Proxy-Authorization", route->proxy->authorization);
  for (const auto& [name, value] : request.headers)
    if (!beast::iequals(name, "content-length") && !beast::iequals(name, "transfer-encoding"))
      append_field(head, name, value);
  bool has_body = !request.body.empty() || (request.method != "GET" && request.method != "HEAD");
  if (has_body) append_field(head, "Content-Length", std::to_string(request.body.size()));
  head += "\r\n";
  std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(request.body)};

  // A pooled connection may have been closed by the upstream while idle: if it fails before any
  // byte of a response arrives, try once more on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    auto conn = attempt == 0 ? impl_->take(loop, route->pool_key) : nullptr;
    bool reused = conn != nullptr;
    if (!conn) conn = co_await connect(*impl_, t, route->proxy, request.timeouts);
    arm(conn->tcp(), request.timeouts.first_byte, request.timeouts);
    auto [wec, wn] = co_await conn->visit(
        [&](auto& s) { return asio::async_write(s, message, asio::as_tuple(asio::use_awaitable)); });
    if (wec) {
      if (reused) continue;
      fail_io(wec, "sending the request");
    }
    auto parser = std::make_unique<ResponseParser>();
    parser->body_limit(boost::none);
    parser->header_limit(64 * 1024);
    arm(conn->tcp(), request.timeouts.first_byte, request.timeouts);
    conn->buffer.reserve(kHeadRead);
    auto [rec, rn] = co_await conn->visit([&](auto& s) {
      return bhttp::async_read_header(s, conn->buffer, *parser, asio::as_tuple(asio::use_awaitable));
    });
    if (rec) {
      if (reused &&
          (rec == bhttp::error::end_of_stream || rec == asio::error::connection_reset || rec == asio::error::eof)) {
        continue;
      }
      fail_io(rec, "waiting for the response");
    }
    co_return std::make_unique<PooledResponse>(impl_, std::move(conn), std::move(parser), request.timeouts);
  }
}

}  // namespace plaza::http
