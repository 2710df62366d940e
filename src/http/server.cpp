#include "http/server.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/error.hpp"
#include "http/arena_parser.hpp"
#include "http/stream.hpp"
#include "http/wire.hpp"

namespace plaza::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kRequestRead = 4 * 1024;

namespace {

// Per-connection handle the drain uses to close idle connections on their own event loop.
struct ConnHandle {
  asio::any_io_executor loop;
  beast::tcp_stream* stream = nullptr;  // valid while the session runs; touched only on its loop
  bool busy = false;
};

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out.push_back(c);
    }
  }
  return out;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

// Each loop is run by one thread (concurrency hint 1); other threads still post to it (the
// database pool and the group writer hand results back).
std::vector<std::unique_ptr<asio::io_context>> make_loops(int n) {
  std::vector<std::unique_ptr<asio::io_context>> loops;
  for (int i = 0; i < n; ++i) loops.push_back(std::make_unique<asio::io_context>(1));
  return loops;
}
}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, const Router& r, Metrics& m)
      : options(std::move(o)),
        router(r),
        metrics(m),
        loops(make_loops(options.threads > 0 ? options.threads
                                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))),
        acceptor(*loops[0]),
        grace_timer(*loops[0]),
        signals(*loops[0], SIGINT, SIGTERM) {
    // Loops other than the first have no work of their own until a connection comes.
    for (std::size_t i = 1; i < loops.size(); ++i) keep_running.emplace_back(loops[i]->get_executor());
    std::random_device rd;
    id_prefix = fmt::format("{:08x}", rd());
  }

  ServerOptions options;
  const Router& router;
  Metrics& metrics;
  // One event loop per I/O thread, and each connection on one loop for its whole life: no strands,
  // no lock that every step of every connection takes, and the upstream connections a loop opens
  // are reused on that loop (see UpstreamClient).
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;  // until shutdown ends
  std::size_t next_loop = 0;  // the accept loop's round robin
  tcp::acceptor acceptor;
  asio::steady_timer grace_timer;
  asio::signal_set signals;
  std::atomic<bool> stopping{false};
  std::mutex conns_mutex;
  std::unordered_map<uint64_t, std::shared_ptr<ConnHandle>> conns;
  uint64_t next_conn_id = 0;
  std::string id_prefix;
  std::atomic<uint64_t> request_counter{0};

  std::string new_request_id() { return fmt::format("{}-{:x}", id_prefix, ++request_counter); }

  std::vector<std::function<void()>> shutdown_hooks;

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    for (auto& hook : shutdown_hooks) hook();
    spdlog::info("shutting down: no new connections, {}s for requests in flight", options.shutdown_grace.count());
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ec;
      acceptor.close(ec);
    });
    // Forget the signals: a second SIGTERM or Ctrl-C then ends the process at once.
    beast::error_code sec;
    signals.clear(sec);
    std::vector<std::shared_ptr<ConnHandle>> all;
    {
      std::lock_guard lock(conns_mutex);
      for (auto& [id, h] : conns) all.push_back(h);
    }
    for (auto& h : all) {
      asio::post(h->loop, [h] {
        if (h->stream && !h->busy) h->stream->socket().close();
      });
    }
    grace_timer.expires_after(options.shutdown_grace);
    grace_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;  // everything finished in time
      spdlog::warn("grace period over: closing the remaining connections");
      for (auto& loop : loops) loop->stop();
    });
    maybe_finish();
  }

  void maybe_finish() {
    if (!stopping) return;
    std::lock_guard lock(conns_mutex);
    if (!conns.empty()) return;
    // grace_timer belongs to the first loop: cancelled there, as this may run on any.
    asio::post(*loops[0], [this] { grace_timer.cancel(); });
    keep_running.clear();  // the other loops end once their last work is done
  }

  std::shared_ptr<ConnHandle> register_conn(asio::any_io_executor loop, uint64_t& id) {
    auto h = std::make_shared<ConnHandle>(ConnHandle{std::move(loop)});
    std::lock_guard lock(conns_mutex);
    id = ++next_conn_id;
    conns.emplace(id, h);
    return h;
  }
  void unregister_conn(uint64_t id) {
    {
      std::lock_guard lock(conns_mutex);
      conns.erase(id);
    }
    maybe_finish();
  }
};

namespace {

using Impl = Server::Impl;

using RequestParser = ArenaParser<true, bhttp::string_body>;

Request to_request(bhttp::request<bhttp::string_body, ArenaFields>&& in, std::string client_ip) {
  Request r;
  r.method = std::string(in.method_string());
  std::string_view target = in.target();
  auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  r.headers.reserve(16);
  for (const auto& f : in) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  r.body = std::move(in.body());
  r.client_ip = std::move(client_ip);
  return r;
}

// A streamed response (server-sent events, never rendered as a page) carries these,
constexpr std::string_view kStreamHeaders =
    "Server: plaza\r\n"
    "X-Content-Type-Options: nosniff\r\n";
// every whole response these too.
const std::string kSecurityHeaders =
    std::string(kStreamHeaders) +
    "Referrer-Policy: same-origin\r\n"
    "X-Frame-Options: DENY\r\n"
    "Content-Security-Policy: default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'\r\n";

// Calls from pages of other sites (a browser app calling the API with its user's own key) are let
// through on the paths under ServerOptions::open_cors_prefix: those take a bearer key, never a
// cookie, so no page can borrow a signed-in visitor's rights through them. Fixed text, like the
// headers above: the relay's answers carry it without building it each time.
constexpr std::string_view kCrossOriginHeaders =
    "Access-Control-Allow-Origin: *\r\n"
    "Access-Control-Expose-Headers: X-Request-Id, Retry-After\r\n";
const std::string kStreamCrossOriginHeaders = std::string(kStreamHeaders) + std::string(kCrossOriginHeaders);
const std::string kSecurityCrossOriginHeaders = kSecurityHeaders + std::string(kCrossOriginHeaders);

// The browser's question before such a call: any method the API has, with the headers it names
// (SDKs send their own, such as X-Stainless-Os), when they are header names at all.
Response cross_origin_preflight(const Request& req) {
  Response r{204, {}, {}};
  std::string_view asked = req.header("access-control-request-headers");
  bool names_only =
      asked.size() <= 2000 && std::all_of(asked.begin(), asked.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ',' || c == ' ';
      });
  r.header("Access-Control-Allow-Methods", "GET, POST");
  r.header("Access-Control-Allow-Headers",
           names_only && !asked.empty() ? std::string(asked) : std::string("Authorization, Content-Type"));
  r.header("Access-Control-Max-Age", "86400");
  return r;
}

// Before a request line was read whole: no path to choose the error's shape by.
Response error_response(int status, std::string_view code, std::string_view message) {
  return Response::error("", status, code, message);
}

asio::awaitable<Response> call_handler(const Route& route, Request& req) {
  try {
    co_return co_await route.handler(req);
  } catch (const plaza::Error& e) {
    co_return Response::error(req.path, http_status(e.code()), to_string(e.code()), json_escape(e.what()));
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.path, e.what());
    co_return Response::error(req.path, 500, "internal", "internal error (request id " + req.request_id + ")");
  }
}

// Writes a response with the caller's keep-alive decision; false when the write failed.
asio::awaitable<bool> write_response(beast::tcp_stream& stream, Impl& s, Response r, unsigned version, bool keep_alive,
                                     bool head, const std::string& request_id, bool cross_origin = false) {
  if (!request_id.empty()) r.headers.emplace_back("X-Request-Id", request_id);
  bool bodiless = head || bodiless_status(r.status);  // HEAD: the GET's length, no body
  std::string head_text =
      format_response_head(ResponseHead{r.status, version, keep_alive, r.body.size()},
                           cross_origin ? kSecurityCrossOriginHeaders : kSecurityHeaders, r.headers);
  std::array<asio::const_buffer, 2> message{asio::buffer(head_text),
                                            asio::buffer(r.body.data(), bodiless ? 0 : r.body.size())};
  stream.expires_after(s.options.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream, message, kTuple);
  co_return !ec;
}

// Access lines are JSON objects on their own, without spdlog's prefix, so log shippers parse them.
spdlog::logger& access_logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    // Buffered (a write per line would be a system call per request); flushed every second and
    // at exit, see flush_access_log().
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cout, false);
    auto l = std::make_shared<spdlog::logger>("access", sink);
    spdlog::register_logger(l);
    l->set_pattern("%v");
    return l;
  }();
  return *logger;
}

void access_log(const Impl& s, const Request& req, int status, double seconds, std::size_t bytes) {
  if (!s.options.access_log) return;
  access_logger().info(
      R"({{"type":"access","request_id":"{}","method":"{}","path":"{}","route":"{}","status":{},"ms":{:.3f},"bytes":{},"ip":"{}","ua":"{}"}})",
      req.request_id, req.method, json_escape(req.path), req.route, status, seconds * 1000.0, bytes, req.client_ip,
      json_escape(req.header("user-agent").substr(0, 200)));
}

// Chunked responses written by streaming handlers, on the connection's loop.
class BeastResponseStream final : public ResponseStream {
 public:
  BeastResponseStream(beast::tcp_stream& stream, beast::flat_buffer& read_buffer, Impl& s, unsigned version,
                      std::string request_id, bool cross_origin)
      : stream_(stream),
        read_buffer_(read_buffer),
        s_(s),
        version_(version),
        cross_origin_(cross_origin),
        request_id_(std::move(request_id)) {}

  asio::awaitable<bool> start(int status, Headers headers) override {
    if (started_) co_return false;
    started_ = true;
    // A stream may be held open for minutes: it keeps no read buffer meanwhile (one holding a
    // pipelined request stays).
    if (read_buffer_.size() == 0) read_buffer_.shrink_to_fit();
    status_ = status;
    headers.emplace_back("X-Request-Id", request_id_);
    std::string head = format_response_head(ResponseHead{status, version_, !s_.stopping, 0, true},
                                            cross_origin_ ? kStreamCrossOriginHeaders : kStreamHeaders, headers);
    stream_.expires_after(s_.options.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
    ok_ = !ec;
    co_return ok_;
  }

  asio::awaitable<bool> write(std::string data) override {
    if (!ok_ || data.empty()) co_return ok_;
    stream_.expires_after(s_.options.write_timeout);
    // The chunk's framing around the data: three buffers, one write.
    char size_line[20];
    int size_len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
    std::array<asio::const_buffer, 3> chunk{asio::buffer(size_line, static_cast<std::size_t>(size_len)),
                                            asio::buffer(data), asio::buffer("\r\n", 2)};
    auto [ec, n] = co_await asio::async_write(stream_, chunk, asio::as_tuple(asio::use_awaitable));
    bytes_ += data.size();
    ok_ = !ec;
    co_return ok_;
  }

  asio::awaitable<bool> finish() override {
    if (!ok_) co_return false;
    stream_.expires_after(s_.options.write_timeout);
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kLastChunk.data(), kLastChunk.size()),
                                              asio::as_tuple(asio::use_awaitable));
    ok_ = !ec;
    finished_ = ok_;
    co_return ok_;
  }

  void watch_close(asio::cancellation_slot stop, std::weak_ptr<void> owner, std::function<void()> gone) override {
    stream_.socket().async_wait(
        tcp::socket::wait_read,
        asio::bind_cancellation_slot(stop, [this, stop, owner, gone = std::move(gone)](beast::error_code ec) mutable {
          if (ec == asio::error::operation_aborted) return;  // stopped
          if (owner.expired()) return;                       // the watcher has gone (and this stream may have too)
          auto& socket = stream_.socket();
          beast::error_code aec;
          if (ec || socket.available(aec) == 0 || aec) {  // EOF or error: the client is gone
            gone();
            return;
          }
          // A pipelined request is waiting; the client is still there. Look again a little later.
          auto timer = std::make_shared<asio::steady_timer>(socket.get_executor(), std::chrono::milliseconds(100));
          timer->async_wait(asio::bind_cancellation_slot(
              stop, [this, stop, owner, timer, gone = std::move(gone)](beast::error_code tec) mutable {
                if (tec || owner.expired()) return;
                watch_close(stop, std::move(owner), std::move(gone));
              }));
        }));
  }

  void abort() override {
    beast::error_code ec;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ec);
    stream_.socket().close(ec);
    ok_ = false;
  }

  bool started() const override { return started_; }
  bool finished() const { return finished_; }
  int status() const { return status_; }
  std::size_t bytes() const override { return bytes_; }

 private:
  beast::tcp_stream& stream_;
  beast::flat_buffer& read_buffer_;
  Impl& s_;
  unsigned version_;
  bool cross_origin_;
  std::string request_id_;
  bool started_ = false;
  bool ok_ = true;
  bool finished_ = false;
  int status_ = 0;
  std::size_t bytes_ = 0;
};

asio::awaitable<void> run_session(Impl* s, tcp::socket socket) {
  uint64_t conn_id = 0;
  auto handle = s->register_conn(socket.get_executor(), conn_id);
  beast::tcp_stream stream(std::move(socket));
  handle->stream = &stream;
  s->metrics.connection_opened();
  std::string peer;
  {
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) peer = ep.address().to_string();
  }
  beast::flat_buffer buffer;
  bool first = true;

  for (;;) {
    handle->busy = false;
    if (s->stopping) break;
    auto parser_owner = std::make_unique<RequestParser>();
    RequestParser::Parser& parser = *parser_owner;
    parser.header_limit(static_cast<std::uint32_t>(s->options.max_header_bytes));
    parser.body_limit(boost::none);  // set from the route once the head has been read
    // The first request's head must arrive within header_timeout (slowloris); a kept-alive
    // connection may idle longer between requests, then its head has the same limit.
    stream.expires_after(first ? s->options.header_timeout
                               : std::chrono::duration_cast<std::chrono::milliseconds>(s->options.idle_timeout));
    // A whole API request's head (and usually its body) in one read, where Beast's first read is
    // 512 bytes. Kept between requests (a new one each time costs more); a stream gives it back.
    buffer.reserve(kRequestRead);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (ec == bhttp::error::header_limit) {
      co_await write_response(stream, *s, error_response(431, "invalid_request", "request headers are too large"), 11,
                              false, false, "");
      break;
    }
    if (ec) {
      // A malformed head gets an answer; a closed, reset or timed-out connection does not.
      bool malformed = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                       ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
      if (malformed) {
        co_await write_response(stream, *s, error_response(400, "invalid_request", "malformed HTTP request"), 11, false,
                                false, "");
      }
      break;
    }
    first = false;
    handle->busy = true;
    auto started = std::chrono::steady_clock::now();
    s->metrics.request_started();
    auto& head = parser.get();
    std::string_view target = head.target();
    auto q = target.find('?');
    auto match = s->router.match(head.method_string(), target.substr(0, q));
    const Route& route = match.route ? *match.route : s->router.fallback();

    Response response;
    bool keep_alive = head.keep_alive();
    bool body_ok = true;
    int64_t limit = route.body_limit;
    if (parser.content_length() && *parser.content_length() > static_cast<uint64_t>(limit)) {
      response = Response::error(target.substr(0, q), 413, "payload_too_large",
                                 fmt::format("request body exceeds {} bytes", limit));
      body_ok = false;
    } else if (!parser.is_done()) {
      parser.body_limit(static_cast<uint64_t>(limit));
      if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, head.version()};
        stream.expires_after(s->options.write_timeout);
        co_await bhttp::async_write(stream, cont, kTuple);
      }
      stream.expires_after(s->options.body_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (bec == bhttp::error::body_limit) {
        response = Response::error(target.substr(0, q), 413, "payload_too_large",
                                   fmt::format("request body exceeds {} bytes", limit));
        body_ok = false;
      } else if (bec) {
        s->metrics.request_finished();
        break;  // the client went away or was too slow: nobody to answer
      }
    }

    unsigned version = head.version();
    Request req = to_request(parser.release(), peer);
    parser_owner.reset();  // the head is copied out: a held stream keeps none of it
    if (s->options.trust_proxy) {
      // Several header lines are one list: the last line holds the entry the site's proxy appended.
      std::string_view forwarded_for;
      for (const auto& [name, value] : req.headers)
        if (name == "x-forwarded-for") forwarded_for = value;
      if (auto forwarded = forwarded_client_ip(forwarded_for)) req.client_ip = std::move(*forwarded);
    }
    auto incoming_id = req.header("x-request-id");
    req.request_id_from_client = valid_request_id(incoming_id);
    req.request_id = req.request_id_from_client ? std::string(incoming_id) : s->new_request_id();
    req.route = route.pattern;
    req.params = std::move(match.params);

    bool cross_origin = !s->options.open_cors_prefix.empty() && req.path.starts_with(s->options.open_cors_prefix);
    BeastResponseStream streamer(stream, buffer, *s, version, req.request_id, cross_origin);
    req.stream = &streamer;
    if (body_ok) {
      if (cross_origin && req.method == "OPTIONS") {
        response = cross_origin_preflight(req);
      } else if (!match.route && match.wrong_method) {
        response = Response::error(req.path, 405, "method_not_allowed", "method not allowed for this path");
        response.headers.emplace_back("Allow", match.allowed);
      } else {
        response = co_await call_handler(route, req);
      }
    } else {
      keep_alive = false;  // the unread body is still on the wire
    }
    if (s->stopping) keep_alive = false;
    int status = response.status;
    std::size_t bytes = response.body.size();
    bool ok;
    if (streamer.started() || response.was_streamed) {
      // The handler wrote its own response; reuse the connection only if it ended cleanly.
      status = streamer.started() ? streamer.status() : 0;
      bytes = streamer.bytes();
      ok = streamer.finished();
    } else {
      ok = co_await write_response(stream, *s, std::move(response), version, keep_alive, req.method == "HEAD",
                                   req.request_id, cross_origin);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    s->metrics.observe(route.index, status, seconds);
    s->metrics.request_finished();
    access_log(*s, req, status, seconds, bytes);
    if (!ok || !keep_alive) break;
  }

  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
  handle->stream = nullptr;
  s->metrics.connection_closed();
  s->unregister_conn(conn_id);
}

asio::awaitable<void> accept_loop(Impl* s) {
  for (;;) {
    // Connections are dealt to the loops in turn; each stays on its loop.
    asio::any_io_executor ex = s->loops[s->next_loop++ % s->loops.size()]->get_executor();
    auto [ec, socket] = co_await s->acceptor.async_accept(ex, kTuple);
    if (ec) {
      if (s->stopping || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    if (s->stopping) {  // accepted as the drain began: its loop may have finished already
      beast::error_code cec;
      socket.close(cec);
      co_return;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(ex, run_session(s, std::move(socket)), asio::detached);
  }
}

}  // namespace

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() = default;

uint16_t Server::listen() {
  auto& s = *impl_;
  tcp::endpoint ep(asio::ip::make_address(s.options.host), s.options.port);
  s.acceptor.open(ep.protocol());
  s.acceptor.set_option(asio::socket_base::reuse_address(true));
  s.acceptor.bind(ep);
  s.acceptor.listen(asio::socket_base::max_listen_connections);
  return s.acceptor.local_endpoint().port();
}

void Server::run() {
  auto& s = *impl_;
  s.signals.async_wait([&s](beast::error_code ec, int) {
    if (!ec) s.begin_shutdown();
  });
  asio::co_spawn(s.acceptor.get_executor(), accept_loop(&s), asio::detached);
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < s.loops.size(); ++i) workers.emplace_back([&s, i] { s.loops[i]->run(); });
  s.loops[0]->run();
  for (auto& t : workers) t.join();
}

void Server::on_shutdown(std::function<void()> hook) {
  impl_->shutdown_hooks.push_back(std::move(hook));
}

asio::any_io_executor Server::executor() {
  return impl_->loops[0]->get_executor();
}

void Server::stop() {
  asio::post(*impl_->loops[0], [s = impl_.get()] { s->begin_shutdown(); });
}

}  // namespace plaza::http
