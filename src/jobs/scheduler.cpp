#include "jobs/scheduler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <optional>

namespace plaza::jobs {

namespace asio = boost::asio;

struct Scheduler::Entry {
  std::string name;
  std::chrono::milliseconds interval;
  Job job;
  std::optional<asio::steady_timer> timer;
  std::atomic<bool> stopped{false};
};

namespace {

asio::awaitable<void> run_entry(std::shared_ptr<Scheduler::Entry> e) {
  while (!e->stopped) {
    e->timer->expires_after(e->interval);
    auto [ec] = co_await e->timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || e->stopped) co_return;
    try {
      co_await e->job();
    } catch (const std::exception& ex) {
      spdlog::error("job {} failed: {}", e->name, ex.what());
    }
  }
}

}  // namespace

Scheduler::Scheduler() = default;
Scheduler::~Scheduler() = default;

void Scheduler::every(std::string name, std::chrono::milliseconds interval, Job job) {
  auto e = std::make_shared<Entry>();
  e->name = std::move(name);
  e->interval = interval;
  e->job = std::move(job);
  entries_.push_back(std::move(e));
}

void Scheduler::start(asio::any_io_executor executor) {
  for (auto& e : entries_) {
    e->timer.emplace(asio::make_strand(executor));
    asio::co_spawn(e->timer->get_executor(), run_entry(e), asio::detached);
  }
}

void Scheduler::stop() {
  for (auto& e : entries_) {
    e->stopped = true;
    if (e->timer) asio::post(e->timer->get_executor(), [e] { e->timer->cancel(); });
  }
}

}  // namespace plaza::jobs
