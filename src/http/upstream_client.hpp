#pragma once
// The client for upstream model APIs: keep-alive connection pools per host, TLS verified against the
// system CAs with SNI and host-name checks, and connect / first-byte / idle-between-chunks timeouts.
// The body is read piece by piece so a relay can forward a stream with backpressure.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/request.hpp"

namespace plaza::http {

struct UpstreamTimeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds first_byte{60'000};  // from the request sent to the response head
  std::chrono::milliseconds idle{60'000};        // between two pieces of the body
  // The whole exchange ends by then, whatever the timeouts above allow (a request's time limit: an
  // upstream that trickles a byte now and then would otherwise hold it forever).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct UpstreamRequest {
  std::string method = "POST";
  std::string url;  // http://host[:port]/path or https://...
  Headers headers;
  std::string body;
  UpstreamTimeouts timeouts;
  // An HTTP proxy, http://host:port: plain requests are sent to it in absolute form, TLS goes
  // through a CONNECT tunnel (certificates are still checked against the upstream's name).
  std::string proxy;
};

// Why an upstream exchange failed. `before_response` failures (connect, TLS, timeouts before the
// head) are safe to retry on another channel.
class UpstreamFailure : public std::runtime_error {
 public:
  enum class Kind { connect, tls, timeout, closed, protocol };
  UpstreamFailure(Kind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class UpstreamResponse {
 public:
  virtual ~UpstreamResponse() = default;
  virtual int status() const = 0;
  virtual std::string_view header(std::string_view lower_name) const = 0;
  // The next piece of the body, or nothing at its end. Throws UpstreamFailure.
  virtual boost::asio::awaitable<std::optional<std::string>> read_some() = 0;
  // The whole (remaining) body; throws UpstreamFailure(protocol) past `limit` bytes.
  boost::asio::awaitable<std::string> read_all(std::size_t limit);
  // Closes the connection now (the client went away); the connection is not reused.
  virtual void cancel() = 0;
};

class UpstreamClient {
 public:
  UpstreamClient();
  ~UpstreamClient();
  // Sends the request and reads the response head. Throws UpstreamFailure.
  boost::asio::awaitable<std::unique_ptr<UpstreamResponse>> send(UpstreamRequest request);
  // Idle pooled connections (for metrics and tests).
  std::size_t idle_connections() const;
  // Closes the pooled connections; call before the io_context they belong to is destroyed.
  void close_idle();
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace plaza::http
