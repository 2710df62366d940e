// plaza-loadgen: an open-loop HTTP load generator for the benchmarks. Requests fall due at a fixed
// rate whatever the server does, and each one's latency counts from the moment it was due — so a
// server that falls behind cannot hide its queue, as it can from a closed loop like wrk (which
// waits for an answer before it sends the next request). wrk has no fixed-rate mode and wrk2 is
// not packaged for Debian 12; this is the small part of wrk2 the relay benchmark needs.
//
//   plaza-loadgen --url http://127.0.0.1:8080/v1/chat/completions --rate 5000 --seconds 10
//                 --body '{"model":"bench",...}' --header 'Authorization: Bearer sk-...'
//
// Prints one line: `rate=… sent=… measured=… failed=… p50_ms=… p90_ms=… p99_ms=… p999_ms=… max_ms=…`.
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using DueChannel = asio::experimental::channel<void(boost::system::error_code, Clock::time_point)>;

namespace {

struct Options {
  std::string url;
  double rate = 1000;         // requests per second
  double seconds = 10;        // measured time
  double warmup_seconds = 2;  // sent at the same rate first, not measured
  int connections = 64;       // keep-alive connections the due requests are spread over
  std::string body;
  std::vector<std::string> headers;
};

struct Results {
  std::vector<int64_t> latency_us;  // measured requests only
  int64_t sent = 0;
  int64_t failed = 0;  // transport errors and non-2xx answers
};

struct Load {
  Options options;
  tcp::endpoint endpoint;
  std::string request;  // the whole HTTP request, formatted once
  Clock::time_point measure_from;
  Results results;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "plaza-loadgen: " << why
            << "\nusage: plaza-loadgen --url URL --rate N --seconds S [--warmup S] [--connections N]"
               " [--body TEXT] [--header 'Name: value']...\n";
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--url")
      o.url = value();
    else if (a == "--rate")
      o.rate = std::stod(value());
    else if (a == "--seconds")
      o.seconds = std::stod(value());
    else if (a == "--warmup")
      o.warmup_seconds = std::stod(value());
    else if (a == "--connections")
      o.connections = std::stoi(value());
    else if (a == "--body")
      o.body = value();
    else if (a == "--header")
      o.headers.push_back(value());
    else
      usage("unknown argument " + a);
  }
  if (o.url.empty()) usage("--url is required");
  if (o.rate <= 0 || o.seconds <= 0 || o.warmup_seconds < 0 || o.connections <= 0) usage("bad numbers");
  return o;
}

std::string format_request(const Options& o, const std::string& host, const std::string& target) {
  std::string r = (o.body.empty() ? "GET " : "POST ") + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& h : o.headers) r += h + "\r\n";
  if (!o.body.empty())
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(o.body.size()) + "\r\n";
  return r + "\r\n" + o.body;
}

// Hands out due times at the fixed rate; a connection that is free takes the next one. A due
// request that finds every connection busy waits in the channel, and that wait is its latency too.
asio::awaitable<void> schedule(Load& load, DueChannel& due) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto interval = std::chrono::duration<double>(1.0 / load.options.rate);
  auto total = static_cast<int64_t>(load.options.rate * (load.options.warmup_seconds + load.options.seconds));
  auto start = Clock::now();
  load.measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(load.options.warmup_seconds));
  for (int64_t i = 0; i < total;) {
    auto now = Clock::now();
    for (; i < total; ++i) {
      auto at = start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
      if (at > now) {
        timer.expires_at(at);
        break;
      }
      due.try_send(boost::system::error_code{}, at);
      ++load.results.sent;
    }
    if (i < total) co_await timer.async_wait(asio::use_awaitable);
  }
  due.close();
}

asio::awaitable<void> connection(Load& load, DueChannel& due) {
  auto ex = co_await asio::this_coro::executor;
  auto tuple = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    tcp::socket socket(ex);
    auto [cec] = co_await socket.async_connect(load.endpoint, tuple);
    if (cec) {
      std::cerr << "plaza-loadgen: connect: " << cec.message() << "\n";
      ++load.results.failed;  // and this connection is lost to the run: the run fails (exit 1)
      co_return;
    }
    socket.set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    for (;;) {
      auto [dec, at] = co_await due.async_receive(tuple);
      if (dec) co_return;  // the schedule is over
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(load.request), tuple);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      boost::system::error_code rec = wec;
      if (!wec) std::tie(rec, std::ignore) = co_await bhttp::async_read(socket, buffer, parser, tuple);
      bool ok = !rec && parser.get().result_int() / 100 == 2;
      if (!ok) ++load.results.failed;
      if (ok && at >= load.measure_from)
        load.results.latency_us.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - at).count());
      if (rec || !parser.get().keep_alive()) break;  // a new connection for the next request
    }
  }
}

double percentile_ms(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Load load{parse_args(argc, argv), {}, {}, {}, {}};
  auto url = boost::urls::parse_uri(load.options.url);
  if (!url || url->scheme() != "http") usage("--url must be an http:// URL");
  std::string host(url->host_address());
  std::string port = url->has_port() ? std::string(url->port()) : "80";
  std::string target(url->encoded_path());
  if (target.empty()) target = "/";
  load.request = format_request(load.options, host + ":" + port, target);

  asio::io_context ioc(1);
  tcp::resolver resolver(ioc);
  load.endpoint = *resolver.resolve(host, port).begin();
  auto capacity =
      static_cast<std::size_t>(load.options.rate * (load.options.warmup_seconds + load.options.seconds)) + 1;
  DueChannel due(ioc, capacity);
  for (int i = 0; i < load.options.connections; ++i) asio::co_spawn(ioc, connection(load, due), asio::detached);
  asio::co_spawn(ioc, schedule(load, due), asio::detached);
  ioc.run();

  auto& lat = load.results.latency_us;
  std::sort(lat.begin(), lat.end());
  std::printf(
      "rate=%.0f sent=%lld measured=%zu failed=%lld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
      load.options.rate, static_cast<long long>(load.results.sent), lat.size(),
      static_cast<long long>(load.results.failed), percentile_ms(lat, 0.50), percentile_ms(lat, 0.90),
      percentile_ms(lat, 0.99), percentile_ms(lat, 0.999), lat.empty() ? 0.0 : lat.back() / 1000.0);
  return load.results.failed > 0 || lat.empty() ? 1 : 0;
}
