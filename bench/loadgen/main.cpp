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
//
// It shares the machine with the server it measures, so it is built to cost little: one thread, one
// epoll set, and per request one send, one receive and about one wait. The wait's timeout is the next
// due time in nanoseconds (epoll_pwait2), so there is no timer to set; a socket is read only when
// epoll reports it readable, so no read fails. (An Asio version made two timerfd_settime calls, three
// epoll_waits and two failing reads per request, and used a fifth of a core more at 12,700 req/s.)
#include <boost/url/parse.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  double rate = 1000;         // requests per second
  double seconds = 10;        // measured time
  double warmup_seconds = 2;  // sent at the same rate first, not measured
  int connections = 64;       // keep-alive connections the due requests are spread over
  std::string body;
  std::vector<std::string> headers;
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

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// How much of `in` one whole HTTP/1.1 response takes, once it has all arrived. Enough of HTTP for a
// server answering these requests: a body framed by Content-Length or chunked (trailers skipped);
// anything else (a body read to the connection's close, bad framing) is malformed, so that it fails
// its own request instead of the next one.
struct ResponseEnd {
  std::size_t bytes = 0;  // 0: not all of it yet
  int status = 0;
  bool keep_alive = true;
  bool malformed = false;
};

ResponseEnd parse_response(std::string_view in) {
  ResponseEnd r;
  auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    r.malformed = in.size() > 64 * 1024;
    return r;
  }
  std::string_view head = in.substr(0, head_end + 2);
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") {
    r.malformed = true;
    return r;
  }
  if (std::from_chars(head.data() + 9, head.data() + 12, r.status).ec != std::errc()) {
    r.malformed = true;
    return r;
  }
  std::optional<std::size_t> length;
  bool chunked = false;
  for (std::size_t at = head.find("\r\n") + 2; at < head.size();) {
    auto eol = head.find("\r\n", at);
    std::string_view line = head.substr(at, eol - at);
    at = eol + 2;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size()) {
        r.malformed = true;
        return r;
      }
      length = n;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = iequals(value, "chunked");
    } else if (iequals(name, "connection")) {
      r.keep_alive = !iequals(value, "close");
    }
  }
  std::size_t body = head_end + 4;
  if (!chunked) {
    bool no_body = r.status / 100 == 1 || r.status == 204 || r.status == 304;
    if (!length && !no_body) {
      r.malformed = true;  // read to the close: not what these servers send
      return r;
    }
    if (in.size() >= body + length.value_or(0)) r.bytes = body + length.value_or(0);
    return r;
  }
  for (std::size_t at = body;;) {  // chunk-size [;ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF
    auto eol = in.find("\r\n", at);
    if (eol == std::string_view::npos) return r;
    std::size_t size = 0;
    auto [end, ec] = std::from_chars(in.data() + at, in.data() + eol, size, 16);
    if (ec != std::errc() || (end != in.data() + eol && *end != ';')) {
      r.malformed = true;
      return r;
    }
    if (size == 0) {
      auto trailers_end = in.find("\r\n\r\n", eol);
      if (trailers_end != std::string_view::npos) r.bytes = trailers_end + 4;
      return r;
    }
    at = eol + 2 + size + 2;
    if (at > in.size()) return r;
    if (in.substr(at - 2, 2) != "\r\n") {
      r.malformed = true;
      return r;
    }
  }
}

struct Connection {
  int fd = -1;
  bool busy = false;
  Clock::time_point due;    // of the request in flight
  std::size_t written = 0;  // of the request in flight
  bool want_write = false;  // the socket buffer was full: the rest goes when it is writable
  std::string in;           // what arrived of its response
};

class Load {
 public:
  static constexpr std::chrono::seconds kLastAnswers{30};  // the longest wait for answers after the last request

  Load(Options options, sockaddr_storage address, socklen_t address_len, std::string request)
      : o_(std::move(options)), address_(address), address_len_(address_len), request_(std::move(request)) {}

  // Runs the schedule to its end and every answer in; false when a connection could not be made.
  bool run() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    connections_.resize(static_cast<std::size_t>(o_.connections));
    for (auto& c : connections_)
      if (!connect(c)) {
        ++failed_;
        return false;
      }
    auto interval = std::chrono::duration<double>(1.0 / o_.rate);
    auto total = static_cast<int64_t>(o_.rate * (o_.warmup_seconds + o_.seconds));
    auto start = Clock::now();
    measure_from_ =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.warmup_seconds));
    auto due_at = [&](int64_t i) {
      return start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
    };
    int64_t next = 0;
    std::vector<epoll_event> events(static_cast<std::size_t>(o_.connections));
    while (next < total || !waiting_.empty() || in_flight_ > 0) {
      auto now = Clock::now();
      for (; next < total && due_at(next) <= now; ++next) {
        waiting_.push_back(due_at(next));
        ++sent_;
      }
      send_waiting();
      // Until the next request is due; after the last one, until the last answers are in (or late).
      auto until = next < total ? due_at(next) : due_at(total) + kLastAnswers;
      if (next >= total && now >= until) {
        failed_ += in_flight_ + static_cast<int64_t>(waiting_.size());
        break;
      }
      auto ns = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(until - now).count());
      timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      int n = epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
      if (n < 0 && errno != EINTR) {
        std::perror("plaza-loadgen: epoll_pwait2");
        return false;
      }
      for (int k = 0; k < n && !broken_; ++k) {
        const auto& e = events[static_cast<std::size_t>(k)];
        on_ready(connections_[e.data.u32], e.events);
      }
      if (broken_) {  // a connection could not be made again: what is not answered fails
        failed_ += in_flight_ + static_cast<int64_t>(waiting_.size()) + (total - next);
        return false;
      }
    }
    return true;
  }

  std::vector<int64_t>& latency_us() { return latency_us_; }
  int64_t sent() const { return sent_; }
  int64_t failed() const { return failed_; }

 private:
  bool connect(Connection& c) {
    c = Connection{};
    c.fd = socket(address_.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&address_), address_len_) != 0) {
      std::perror("plaza-loadgen: connect");
      if (c.fd >= 0) close(c.fd);
      c.fd = -1;
      broken_ = true;  // the run ends: what is not answered by then fails
      return false;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Connected (on loopback at once), then non-blocking: a stalled server never stops the loop,
    // and a readiness event left over from a connection closed in the same round finds nothing.
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    watch(c, EPOLL_CTL_ADD, EPOLLIN);
    return true;
  }

  void watch(Connection& c, int op, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u32 = static_cast<uint32_t>(&c - connections_.data());
    epoll_ctl(epoll_, op, c.fd, &ev);
  }

  // Due requests go out on the free connections, oldest first.
  void send_waiting() {
    for (auto& c : connections_) {
      if (waiting_.empty() || broken_) return;
      if (c.busy || c.fd < 0) continue;
      c.busy = true;
      c.due = waiting_.front();
      waiting_.pop_front();
      ++in_flight_;
      send_rest(c);
    }
  }

  // Sends what is left of the request; a full socket buffer finishes it when epoll says writable.
  void send_rest(Connection& c) {
    while (c.written < request_.size()) {
      ssize_t n = ::send(c.fd, request_.data() + c.written, request_.size() - c.written, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (!c.want_write) watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
        c.want_write = true;
        return;
      }
      if (n <= 0) return fail(c);
      c.written += static_cast<std::size_t>(n);
    }
    c.written = 0;
    if (c.want_write) watch(c, EPOLL_CTL_MOD, EPOLLIN);
    c.want_write = false;
  }

  void on_ready(Connection& c, uint32_t events) {
    if (c.fd < 0) return;
    if ((events & EPOLLOUT) && c.want_write) return send_rest(c);
    char buffer[64 * 1024];
    ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0 || !c.busy) return fail(c);  // closed, broken, or an answer nobody asked for
    c.in.append(buffer, static_cast<std::size_t>(n));
    auto end = parse_response(c.in);
    if (end.malformed) return fail(c);
    if (end.bytes == 0) return;                   // more to come
    if (end.bytes < c.in.size()) return fail(c);  // more than one answer to one request
    bool ok = end.status / 100 == 2;
    if (!ok) ++failed_;
    if (ok && c.due >= measure_from_)
      latency_us_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.due).count());
    c.in.clear();
    c.busy = false;
    --in_flight_;
    if (!end.keep_alive) return reconnect(c);
    send_waiting();
  }

  // A transport or protocol failure fails the request in flight (once); the connection is made again.
  void fail(Connection& c) {
    if (c.busy) {
      ++failed_;
      --in_flight_;
      c.busy = false;
    }
    reconnect(c);
  }

  void reconnect(Connection& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    if (connect(c)) send_waiting();
  }

  Options o_;
  sockaddr_storage address_;
  socklen_t address_len_;
  std::string request_;
  int epoll_ = -1;
  std::vector<Connection> connections_;
  std::deque<Clock::time_point> waiting_;  // due, and every connection busy: that wait counts too
  int64_t in_flight_ = 0;
  bool broken_ = false;  // a connection could not be made
  Clock::time_point measure_from_;
  std::vector<int64_t> latency_us_;  // measured requests only
  int64_t sent_ = 0;
  int64_t failed_ = 0;  // transport errors and non-2xx answers
};

double percentile_ms(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_args(argc, argv);
  auto url = boost::urls::parse_uri(options.url);
  if (!url || url->scheme() != "http") usage("--url must be an http:// URL");
  std::string host(url->host_address());
  std::string port = url->has_port() ? std::string(url->port()) : "80";
  std::string target(url->encoded_path());
  if (target.empty()) target = "/";
  std::string request = format_request(options, host + ":" + port, target);

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) usage("cannot resolve " + host);
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  auto address_len = found->ai_addrlen;
  freeaddrinfo(found);

  // Wake-ups at the due times, not up to 50 µs later (the default slack of a timed wait).
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  Load load(options, address, address_len, std::move(request));
  bool ran = load.run();
  auto& lat = load.latency_us();
  std::sort(lat.begin(), lat.end());
  std::printf(
      "rate=%.0f sent=%lld measured=%zu failed=%lld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
      options.rate, static_cast<long long>(load.sent()), lat.size(), static_cast<long long>(load.failed()),
      percentile_ms(lat, 0.50), percentile_ms(lat, 0.90), percentile_ms(lat, 0.99), percentile_ms(lat, 0.999),
      lat.empty() ? 0.0 : lat.back() / 1000.0);
  return !ran || load.failed() > 0 || lat.empty() ? 1 : 0;
}
