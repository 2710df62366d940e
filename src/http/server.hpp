#pragma once
// The HTTP/1.1 server: Beast over Asio coroutines, one event loop per I/O thread (one per core)
// with each connection on one loop for its life, keep-alive, header and body limits, re-armed
// timeouts and graceful shutdown.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/metrics.hpp"
#include "http/router.hpp"

namespace plaza::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 0;  // 0: one per core
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds shutdown_grace{10};
  bool access_log = true;
  bool trust_proxy = false;
  // Paths under it answer browsers' cross-origin calls (bearer-key APIs only: never cookie routes).
  std::string open_cors_prefix;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();

  // Binds and listens; returns the port (useful with port 0).
  uint16_t listen();
  // Serves until SIGTERM/SIGINT or stop(), then drains: stops accepting, closes idle connections,
  // lets requests in flight finish within the grace period, and returns.
  void run();
  // Starts the same drain from any thread.
  void stop();
  // Called once when the drain starts (stop background jobs there, or they keep the server alive).
  void on_shutdown(std::function<void()> hook);
  boost::asio::any_io_executor executor();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace plaza::http
