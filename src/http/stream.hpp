#pragma once
// Streaming a response body (server-sent events) from a handler: the head goes out with chunked
// transfer encoding and each write is one chunk, finished before the next starts — the natural
// backpressure of the relay.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "http/request.hpp"

namespace plaza::http {

class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Each returns false when the client is gone (the write failed or timed out).
  virtual boost::asio::awaitable<bool> start(int status, Headers headers) = 0;
  virtual boost::asio::awaitable<bool> write(std::string data) = 0;
  virtual boost::asio::awaitable<bool> finish() = 0;
  // Completes when the client closes its side of the connection; run it alongside the work whose
  // result the client is waiting for, so that work can be cancelled the moment nobody waits.
  virtual boost::asio::awaitable<void> client_closed() = 0;
  // Resets the connection without finishing the response (fault injection in the fake upstream).
  virtual void abort() = 0;
  virtual bool started() const = 0;
};

}  // namespace plaza::http
