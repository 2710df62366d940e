#pragma once
// Group commit: small writes that would each cost a trip to the database pool and a commit of their
// own (usage events, and settlements later) are queued and run by one writer thread, many to a
// transaction. Each write runs inside its own savepoint, so one failing write fails alone.
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "store/database.hpp"

namespace plaza::store {

class GroupWriter {
 public:
  explicit GroupWriter(Database& db, std::size_t max_batch = 256);
  ~GroupWriter();
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  // `done` is called on the writer thread once `write` committed (nullptr) or failed.
  void submit(std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done);
  // Finishes what is queued and stops the thread; later submissions fail at once.
  void stop();

 private:
  struct Item {
    std::function<void(Conn&)> write;
    std::function<void(std::exception_ptr)> done;
    std::exception_ptr error;
  };
  void run();

  Database& db_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace plaza::store
