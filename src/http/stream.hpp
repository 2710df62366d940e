#pragma once
// Streaming a response body (server-sent events) from a handler: the head goes out with chunked
// transfer encoding and each write is one chunk, finished before the next starts — the natural
// backpressure of the relay.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <cstddef>
#include <functional>
#include <memory>
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
  // Calls `gone` (on the stream's executor) once the client has closed its side of the connection,
  // so the work whose result it waited for can be cancelled the moment nobody waits. The watch ends
  // when `stop` is emitted, or silently once `owner` has expired. A callback rather than a
  // coroutine: thousands of held streams keep no frame for it.
  virtual void watch_close(boost::asio::cancellation_slot stop, std::weak_ptr<void> owner,
                           std::function<void()> gone) = 0;
  // Resets the connection without finishing the response (fault injection in the fake upstream).
  virtual void abort() = 0;
  virtual bool started() const = 0;
  // The body's bytes written so far.
  virtual std::size_t bytes() const = 0;
};

}  // namespace plaza::http
