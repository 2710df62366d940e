#pragma once
// Group commit: small writes that would each cost a trip to the database pool and a commit of their
// own (usage events, holds and settlements) are queued and run by a writer thread, many to a
// transaction. One failing write fails alone: each write runs inside a savepoint of its own, or a run
// of lazy writes inside one savepoint, and if one of them fails, they all go again one by one.
//
// Writes carry a lane key (the user they concern): one lane per writer thread, and a key always maps
// to the same lane, so one user's writes stay in order and never contend with each other across
// writers. SQLite has one writer anyway (one lane); PostgreSQL runs several lanes in parallel.
//
// A write nobody waits for (the usage event of a call that moved no money) is queued lazily: it
// waits up to `linger` for company, so at a moderate rate the writer wakes and commits once per
// many requests instead of once per request. A waited-for write takes the queued lazy ones along.
#include <chrono>
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
  explicit GroupWriter(Database& db, std::size_t max_batch = 256, std::size_t lanes = 0,
                       std::chrono::milliseconds linger = std::chrono::milliseconds(10));
  ~GroupWriter();
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  // `done` is called on a writer thread once `write` committed (nullptr) or failed.
  void submit(int64_t lane_key, std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done);
  void submit(std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done) {
    submit(0, std::move(write), std::move(done));
  }
  // Queues a write nobody waits for; `done` is still called on a writer thread (to log a failure).
  // It may run more than once before it commits, so running it again must start from scratch: it
  // changes nothing that a rolled-back savepoint would not undo (the database, Conn::deferred) but
  // what it resets itself.
  void submit_lazy(int64_t lane_key, std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done);
  // The key's lane has more than two batches queued: its writer is behind, and a caller that could
  // queue lazily waits instead, so that the backlog (and what a crash loses) stays bounded.
  bool behind(int64_t lane_key);
  // Finishes what is queued and stops the threads; later submissions fail at once.
  void stop();

 private:
  struct Item {
    std::function<void(Conn&)> write;
    std::function<void(std::exception_ptr)> done;
    std::exception_ptr error;
    bool waited_for = true;
  };
  struct Lane {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Item> queue;
    std::size_t waited_for = 0;                        // queued writes someone waits for: the batch goes at once
    std::chrono::steady_clock::time_point lazy_since;  // when the queue last went from empty to not
    bool stopping = false;
    std::thread thread;
  };
  void run(Lane& lane);
  void write_batch(Conn& c, std::vector<Item>& batch);
  void enqueue(int64_t lane_key, Item item);

  Database& db_;
  std::size_t max_batch_;
  std::chrono::milliseconds linger_;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace plaza::store
