#pragma once
// Periodic background jobs (the channel probe now; settlement and the hold reaper later), run as
// coroutines on the server's io_context and stopped when the server drains.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace plaza::jobs {

using Job = std::function<boost::asio::awaitable<void>()>;

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();
  // Runs `job` every `interval` (the first run after one interval); a job that throws is logged
  // and runs again next time.
  void every(std::string name, std::chrono::milliseconds interval, Job job);
  void start(boost::asio::any_io_executor executor);
  void stop();  // thread-safe; jobs in progress finish, no new run starts

  struct Entry;

 private:
  std::vector<std::shared_ptr<Entry>> entries_;
};

}  // namespace plaza::jobs
