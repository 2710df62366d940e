#pragma once
// Group commit: small writes that would each cost a trip to the database pool and a commit of their
// own (usage events, holds and settlements) are queued and run by a writer thread, many to a
// transaction. Each write runs inside its own savepoint, so one failing write fails alone.
//
// Writes carry a lane key (the user they concern): one lane per writer thread, and a key always maps
// to the same lane, so one user's writes stay in order and never contend with each other across
// writers. SQLite has one writer anyway (one lane); PostgreSQL runs several lanes in parallel.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/database.hpp"

namespace plaza::store {

class GroupWriter {
 public:
  // lanes 0: one for SQLite, four for PostgreSQL.
  explicit GroupWriter(Database& db, std::size_t max_batch = 256, std::size_t lanes = 0);
  ~GroupWriter();
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  // `done` is called on a writer thread once `write` committed (nullptr) or failed.
  void submit(int64_t lane_key, std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done);
  void submit(std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done) {
    submit(0, std::move(write), std::move(done));
  }
  // Finishes what is queued and stops the threads; later submissions fail at once.
  void stop();

 private:
  struct Item {
    std::function<void(Conn&)> write;
    std::function<void(std::exception_ptr)> done;
    std::exception_ptr error;
  };
  struct Lane {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Item> queue;
    bool stopping = false;
    std::thread thread;
  };
  void run(Lane& lane);

  Database& db_;
  std::size_t max_batch_;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace plaza::store
