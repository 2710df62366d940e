#pragma once
// Runs a service's awaitable to completion on a private io_context, so tests read like plain calls.
// The awaitable itself is spawned, never a capturing coroutine lambda (g++ 12 double-frees those,
// asio#858); service methods take their arguments by value, so the frame owns everything it needs.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <optional>
#include <ostream>

#include "core/error.hpp"

namespace plaza {
// So that gtest prints "conflict" rather than a byte dump when a code comparison fails.
inline void PrintTo(ErrorCode code, std::ostream* os) {
  *os << to_string(code);
}
}  // namespace plaza

namespace plaza::test {

template <class T>
T run_sync(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return result.get();
}

// The plaza::Error the awaitable ends with, or nothing when it succeeds. Other exceptions propagate.
template <class T>
std::optional<Error> error_of(boost::asio::awaitable<T> task) {
  try {
    run_sync(std::move(task));
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace plaza::test
