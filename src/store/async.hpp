#pragma once
// Awaiting blocking database work from a coroutine: the work runs on the database thread pool and
// the coroutine resumes on its own executor. No database call ever runs on an I/O thread.
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>

#include "store/database.hpp"
#include "store/group_writer.hpp"

namespace plaza::store {

namespace asio = boost::asio;

// Database::post takes a std::function, which must be copyable; completion handlers are move-only.
template <class Task>
void post_move_only(Database& db, Task task) {
  auto shared = std::make_shared<Task>(std::move(task));
  db.post([shared] { (*shared)(); });
}

template <class F>
auto run_on_pool(Database& db, F f) -> asio::awaitable<std::invoke_result_t<F>> {
  using R = std::invoke_result_t<F>;
  if constexpr (std::is_void_v<R>) {
    co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
        [&db](auto handler, F work) {
          post_move_only(db, [handler = std::move(handler), work = std::move(work)]() mutable {
            std::exception_ptr error;
            try {
              work();
            } catch (...) {
              error = std::current_exception();
            }
            auto ex = asio::get_associated_executor(handler);
            asio::dispatch(ex, [handler = std::move(handler), error]() mutable { handler(error); });
          });
        },
        asio::use_awaitable, std::move(f));
  } else {
    auto result =
        co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, std::optional<R>)>(
            [&db](auto handler, F work) {
              post_move_only(db, [handler = std::move(handler), work = std::move(work)]() mutable {
                std::exception_ptr error;
                std::optional<R> value;
                try {
                  value.emplace(work());
                } catch (...) {
                  error = std::current_exception();
                }
                auto ex = asio::get_associated_executor(handler);
                asio::dispatch(ex, [handler = std::move(handler), error, value = std::move(value)]() mutable {
                  handler(error, std::move(value));
                });
              });
            },
            asio::use_awaitable, std::move(f));
    co_return std::move(*result);
  }
}

// co_await write(db, [&](Conn& c) { ... }) — one transaction on the writer.
template <class F>
auto write(Database& db, F f) -> asio::awaitable<decltype(f(std::declval<Conn&>()))> {
  co_return co_await run_on_pool(db, [&db, f = std::move(f)]() mutable { return db.write_sync(f); });
}

// co_await group_write(writer, user_id, [&](Conn& c) { ... }) — shares a transaction with other
// queued writes; the key picks the writer lane (writes with one key run in order).
template <class F>
asio::awaitable<void> group_write(GroupWriter& writer, int64_t lane_key, F f) {
  co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      [&writer, lane_key](auto handler, F work) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        writer.submit(lane_key, std::move(work), [shared](std::exception_ptr error) {
          auto ex = asio::get_associated_executor(*shared);
          asio::dispatch(ex, [shared, error]() mutable { (*shared)(error); });
        });
      },
      asio::use_awaitable, std::move(f));
}

template <class F>
asio::awaitable<void> group_write(GroupWriter& writer, F f) {
  int64_t any_lane = 0;
  co_await group_write(writer, any_lane, std::move(f));
}

template <class F>
auto read(Database& db, F f) -> asio::awaitable<decltype(f(std::declval<Conn&>()))> {
  co_return co_await run_on_pool(db, [&db, f = std::move(f)]() mutable { return db.read_sync(f); });
}

}  // namespace plaza::store
