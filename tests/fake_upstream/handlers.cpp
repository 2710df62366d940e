#include "handlers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <stdexcept>

#include "dialect.hpp"
#include "http/stream.hpp"
#include "scenario.hpp"

namespace plaza::fake {

namespace {

namespace asio = boost::asio;
using http::Request;
using http::Response;
using std::chrono::milliseconds;

constexpr int64_t kBodyLimit = 32 * 1024 * 1024;
constexpr int64_t kMaxDelayMs = 600'000;
constexpr int64_t kMaxChunks = 1'000'000;

// How a scenario sends its answer, read from its parameters before anything goes out.
struct Plan {
  Kind kind = Kind::ok;
  milliseconds delay{0};  // before the head (delay) or between events (slow)
  std::size_t after = 0;  // pieces sent before the fault (stall, reset_mid_stream, malformed_sse)
  int status = 200;       // status scenario
  std::string message;
  std::string retry_after;
};

http::Headers sse_headers() {
  return {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
}

Response error(const Dialect& d, int status, std::string_view message) {
  return Response::json(status, d.error_body(status, message));
}

bool has_key(const FakeState& st, std::string_view key) {
  return std::find(st.options.require_keys.begin(), st.options.require_keys.end(), key) !=
         st.options.require_keys.end();
}

std::string_view bearer(const Request& req) {
  std::string_view h = req.header("authorization");
  if (h.size() < 7 || !(h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer ")) return {};
  return h.substr(7);
}

// The text of the default answer in n pieces: split once at startup for the usual count; repeated
// (space-separated) when more pieces are asked for than it has characters, so `long` has words.
std::vector<std::string> default_pieces(const FakeState& st, std::size_t n) {
  if (n == st.options.chunks) return st.default_pieces;
  std::string text = st.options.text;
  while (text.size() < n * 4 && !st.options.text.empty()) text += " " + st.options.text;
  return split_pieces(text, n);
}

Answer make_answer(FakeState& st, const Dialect& d, const Conversation& c, const Scenario& sc) {
  Answer a;
  a.id = std::string(d.id_prefix()) + std::to_string(++st.next_id);
  a.model = c.model;
  a.created = static_cast<int64_t>(std::time(nullptr));
  for (const auto& t : c.texts) a.prompt_tokens += count_words(t);
  // usage=0 drops the usage from any scenario (a tool call with no usage, say).
  a.usage = sc.kind != Kind::no_usage && sc.int_param("usage", 1, 0, 1) == 1;
  a.stream_usage = c.include_usage;
  a.tool_call = sc.kind == Kind::tool_call || !c.forced_tool.empty();
  a.tool_name = c.forced_tool.empty() ? std::string(kToolName) : c.forced_tool;
  int64_t fallback = sc.kind == Kind::long_answer ? 1000 : a.tool_call ? 4 : static_cast<int64_t>(st.options.chunks);
  auto chunks = static_cast<std::size_t>(sc.int_param("chunks", fallback, 1, kMaxChunks));
  if (a.tool_call) {
    a.pieces = split_pieces(sc.param("arguments").value_or(std::string(kToolArguments)), chunks);
  } else if (sc.kind == Kind::echo) {
    std::string text;
    for (const auto& t : c.texts) {
      if (!text.empty()) text += "\n";
      text += t;
    }
    a.pieces = split_pieces(text, chunks);
  } else if (auto text = sc.param("text")) {
    a.pieces = split_pieces(*text, chunks);
  } else {
    a.pieces = default_pieces(st, chunks);
  }
  return a;
}

Plan make_plan(const Scenario& sc, std::size_t pieces) {
  Plan p;
  p.kind = sc.kind;
  switch (sc.kind) {
    case Kind::slow:
      p.delay = milliseconds(sc.int_param("delay_ms", 50, 0, kMaxDelayMs));
      break;
    case Kind::delay:
      p.delay = milliseconds(sc.int_param("delay_ms", 1000, 0, kMaxDelayMs));
      break;
    case Kind::stall:
      p.after = static_cast<std::size_t>(sc.int_param("after", 1, 0, kMaxChunks));
      break;
    case Kind::reset_mid_stream:
      p.after = static_cast<std::size_t>(sc.int_param("after", 3, 0, kMaxChunks));
      break;
    case Kind::malformed_sse:
      p.after = static_cast<std::size_t>(sc.int_param("after", static_cast<int64_t>(pieces / 2), 0, kMaxChunks));
      break;
    case Kind::status:
      p.status = static_cast<int>(sc.int_param("code", 500, 400, 599));
      p.message = sc.param("message").value_or("fake upstream error " + std::to_string(p.status));
      p.retry_after = sc.param("retry_after").value_or(p.status == 429 ? "1" : "");
      break;
    default:
      break;
  }
  p.after = std::min(p.after, pieces);
  return p;
}

constexpr milliseconds kUntilGone = std::chrono::hours(24);  // a stall: held until the client leaves

// True when the time passed; false when the client went away first.
asio::awaitable<bool> wait_or_gone(http::ResponseStream* out, milliseconds d) {
  if (d.count() <= 0) co_return true;
  struct Watch {
    asio::cancellation_signal wake, stop;
    bool gone = false;
  };
  auto w = std::make_shared<Watch>();
  out->watch_close(w->stop.slot(), w, [p = w.get()] {
    p->gone = true;
    p->wake.emit(asio::cancellation_type::terminal);
  });
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::bind_cancellation_slot(w->wake.slot(), asio::as_tuple(asio::use_awaitable)));
  w->wake.slot().clear();  // the wait is over: a late departure must find nothing to cancel
  w->stop.emit(asio::cancellation_type::terminal);
  co_return !w->gone;
}

asio::awaitable<Response> send_stream(Request* req, FakeState* st, const Dialect* d, Answer a, Plan p) {
  http::ResponseStream* out = req->stream;
  Stats& stats = st->stats;
  ++stats.streams_started;
  GaugeGuard open(stats.open_streams);
  auto gone = [&] {
    ++stats.streams_client_closed;
    out->abort();
    return Response::streamed();
  };
  auto aborted = [&] {
    ++stats.streams_aborted;
    return Response::streamed();
  };

  if (p.kind == Kind::delay && !co_await wait_or_gone(out, p.delay)) co_return gone();
  StreamEvents ev = d->stream(a);
  if (!co_await out->start(200, sse_headers())) co_return gone();
  if (p.kind == Kind::close_after_headers) co_return aborted();
  std::size_t fault_at = ev.first_piece + p.after;
  for (std::size_t i = 0; i < ev.events.size(); ++i) {
    if (i == fault_at) {
      if (p.kind == Kind::reset_mid_stream) {
        out->abort();
        co_return aborted();
      }
      if (p.kind == Kind::stall) {
        co_await wait_or_gone(out, kUntilGone);
        ++stats.streams_client_closed;
        co_return Response::streamed();
      }
      if (p.kind == Kind::malformed_sse && !co_await out->write(d->malformed_event())) co_return gone();
    }
    if (p.kind == Kind::slow && i > 0 && !co_await wait_or_gone(out, p.delay)) co_return gone();
    if (!co_await out->write(std::move(ev.events[i]))) co_return gone();
  }
  if (!co_await out->finish()) co_return gone();
  ++stats.streams_completed;
  co_return Response::streamed();
}

asio::awaitable<Response> send_body(Request* req, FakeState* st, const Dialect* d, Answer a, Plan p) {
  http::ResponseStream* out = req->stream;
  Stats& stats = st->stats;
  auto gone = [&] {
    ++stats.responses_client_closed;
    out->abort();
    return Response::streamed();
  };
  milliseconds wait = p.kind == Kind::delay  ? p.delay
                      : p.kind == Kind::slow ? p.delay * static_cast<int64_t>(a.pieces.size())
                                             : milliseconds(0);
  if (!co_await wait_or_gone(out, wait)) co_return gone();
  std::string body = d->body(a);
  http::Headers json{{"Content-Type", "application/json"}};
  switch (p.kind) {
    case Kind::close_after_headers:
      co_await out->start(200, json);
      co_return Response::streamed();
    case Kind::reset_mid_stream:
      if (co_await out->start(200, json)) co_await out->write(body.substr(0, body.size() / 2));
      out->abort();
      co_return Response::streamed();
    case Kind::stall:
      if (!co_await out->start(200, json) || !co_await out->write(body.substr(0, body.size() / 2))) co_return gone();
      co_await wait_or_gone(out, kUntilGone);
      ++stats.responses_client_closed;
      co_return Response::streamed();
    case Kind::malformed_sse:
      co_return Response::json(200, body.substr(0, body.size() / 2));
    default:
      co_return Response::json(200, std::move(body));
  }
}

asio::awaitable<Response> handle_chat(Request* req, FakeState* st, const Dialect* d, bool anthropic) {
  st->recorder.record(*req);
  ++st->stats.requests;
  GaugeGuard in_flight(st->stats.in_flight);
  if (anthropic) {
    std::string_view key = req->header("x-api-key");
    if (key.empty()) co_return error(*d, 401, "x-api-key header is required");
    if (!st->options.require_keys.empty() && !has_key(*st, key)) co_return error(*d, 401, "invalid x-api-key");
    if (req->header("anthropic-version").empty()) co_return error(*d, 400, "anthropic-version: header is required");
  } else if (!st->options.require_keys.empty() && !has_key(*st, bearer(*req))) {
    co_return error(*d, 401, "Incorrect API key provided.");
  }

  boost::system::error_code ec;
  auto parsed = boost::json::parse(req->body, ec);
  if (ec || !parsed.is_object()) co_return error(*d, 400, "the request body is not a JSON object");
  Conversation c;
  Scenario sc;
  Answer a;
  Plan p;
  try {
    c = d->read(parsed.get_object());
    std::string_view header = req->header("x-fake-scenario");
    if (!header.empty())
      sc = parse_spec(header);
    else if (auto directive = find_directive(c.last_user_text))
      sc = parse_spec(*directive);
    a = make_answer(*st, *d, c, sc);
    p = make_plan(sc, a.pieces.size());
  } catch (const std::invalid_argument& e) {
    co_return error(*d, 400, e.what());
  }
  if (p.kind == Kind::status) {
    auto r = error(*d, p.status, p.message);
    if (!p.retry_after.empty()) r.header("Retry-After", p.retry_after);
    co_return r;
  }
  if (c.stream) co_return co_await send_stream(req, st, d, std::move(a), std::move(p));
  co_return co_await send_body(req, st, d, std::move(a), std::move(p));
}

asio::awaitable<Response> handle_models(Request* req, FakeState* st) {
  st->recorder.record(*req);
  ++st->stats.requests;
  if (!st->options.require_keys.empty() && !has_key(*st, bearer(*req)) && !has_key(*st, req->header("x-api-key")))
    co_return error(openai_dialect(), 401, "Incorrect API key provided.");
  co_return Response::json(200, st->models_body);
}

asio::awaitable<Response> handle_not_found(Request* req, FakeState* st) {
  if (req->path.rfind("/_fake/", 0) != 0) {
    st->recorder.record(*req);
    ++st->stats.requests;
  }
  co_return error(openai_dialect(), 404, "no such path on the fake upstream: " + req->path);
}

asio::awaitable<Response> handle_requests(FakeState* st) {
  co_return Response::json(200, st->recorder.to_json());
}

asio::awaitable<Response> handle_stats(FakeState* st) {
  co_return Response::json(200, st->stats.to_json());
}

asio::awaitable<Response> handle_reset(FakeState* st) {
  st->recorder.clear();
  st->stats.reset();
  co_return Response::json(200, R"({"ok":true})");
}

}  // namespace

// Plain lambdas that call free coroutine functions: a capturing coroutine lambda would be freed
// while its frame still runs (g++ 12, asio#858).
void register_routes(http::Router& router, FakeState* st) {
  router.add("POST", "/v1/chat/completions", kBodyLimit,
             [st](Request& r) { return handle_chat(&r, st, &openai_dialect(), false); });
  router.add("POST", "/v1/messages", kBodyLimit,
             [st](Request& r) { return handle_chat(&r, st, &anthropic_dialect(), true); });
  router.add("GET", "/v1/models", 0, [st](Request& r) { return handle_models(&r, st); });
  router.add("GET", "/_fake/requests", 0, [st](Request&) { return handle_requests(st); });
  router.add("GET", "/_fake/stats", 0, [st](Request&) { return handle_stats(st); });
  router.add("POST", "/_fake/reset", 1024, [st](Request&) { return handle_reset(st); });
  router.set_fallback(kBodyLimit, [st](Request& r) { return handle_not_found(&r, st); });
}

}  // namespace plaza::fake
