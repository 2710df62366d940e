#include "store/group_writer.hpp"

#include <stdexcept>
#include <thread>

namespace plaza::store {

namespace {
constexpr std::size_t kWritesBetweenYields = 16;  // about 0.2 ms of SQLite inserts
}  // namespace

GroupWriter::GroupWriter(Database& db, std::size_t max_batch, std::size_t lanes, std::chrono::milliseconds linger)
    : db_(db), max_batch_(max_batch), linger_(linger) {
  if (lanes == 0) lanes = db.dialect() == Dialect::sqlite ? 1 : 4;
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>());
  for (auto& lane : lanes_) lane->thread = std::thread([this, l = lane.get()] { run(*l); });
}

GroupWriter::~GroupWriter() {
  stop();
}

void GroupWriter::submit(int64_t lane_key, std::function<void(Conn&)> write,
                         std::function<void(std::exception_ptr)> done) {
  enqueue(lane_key, Item{std::move(write), std::move(done), nullptr, true});
}

void GroupWriter::submit_lazy(int64_t lane_key, std::function<void(Conn&)> write,
                              std::function<void(std::exception_ptr)> done) {
  enqueue(lane_key, Item{std::move(write), std::move(done), nullptr, false});
}

bool GroupWriter::behind(int64_t lane_key) {
  auto& lane = *lanes_[static_cast<uint64_t>(lane_key) % lanes_.size()];
  std::lock_guard lock(lane.mutex);
  return lane.queue.size() > 2 * max_batch_;
}

void GroupWriter::enqueue(int64_t lane_key, Item item) {
  auto& lane = *lanes_[static_cast<uint64_t>(lane_key) % lanes_.size()];
  {
    std::lock_guard lock(lane.mutex);
    if (!lane.stopping) {
      bool was_empty = lane.queue.empty();
      if (was_empty) lane.lazy_since = std::chrono::steady_clock::now();
      if (item.waited_for) ++lane.waited_for;
      bool wake = item.waited_for || was_empty || lane.queue.size() + 1 >= max_batch_;
      lane.queue.push_back(std::move(item));
      if (wake) lane.cv.notify_one();
      return;
    }
  }
  item.done(std::make_exception_ptr(std::runtime_error("the database writer has stopped")));
}

void GroupWriter::stop() {
  for (auto& lane : lanes_) {
    std::lock_guard lock(lane->mutex);
    lane->stopping = true;
    lane->cv.notify_one();
  }
  for (auto& lane : lanes_)
    if (lane->thread.joinable()) lane->thread.join();
}

void GroupWriter::run(Lane& lane) {
  for (;;) {
    std::vector<Item> batch;
    {
      std::unique_lock lock(lane.mutex);
      for (;;) {
        if (lane.stopping || lane.waited_for > 0 || lane.queue.size() >= max_batch_) break;
        if (lane.queue.empty()) {
          lane.cv.wait(lock);
          continue;
        }
        // Only lazy writes are queued: they wait for company, at most linger_ from the first.
        if (lane.cv.wait_until(lock, lane.lazy_since + linger_) == std::cv_status::timeout) break;
      }
      if (lane.queue.empty()) return;  // stopping, and everything queued is written
      while (!lane.queue.empty() && batch.size() < max_batch_) {
        if (lane.queue.front().waited_for) --lane.waited_for;
        batch.push_back(std::move(lane.queue.front()));
        lane.queue.pop_front();
      }
    }
    std::exception_ptr batch_error;
    try {
      db_.write_sync([&](Conn& c) {
        // One round trip per write: the previous write's savepoint is released as the next one's
        // opens, and COMMIT releases the last.
        bool open = false;
        std::size_t since_yield = 0;
        for (auto& item : batch) {
          // A batch of a few hundred writes is a millisecond or more of CPU: a thread that answers
          // requests and wakes on this core meanwhile should not wait for all of it.
          if (++since_yield == kWritesBetweenYields) {
            since_yield = 0;
            std::this_thread::yield();
          }
          if (c.dialect() == Dialect::postgres) {
            c.exec_script(open ? "RELEASE SAVEPOINT group_write; SAVEPOINT group_write" : "SAVEPOINT group_write");
          } else {  // no round trips to save on SQLite: prepared once, unlike a script
            if (open) c.exec("RELEASE SAVEPOINT group_write");
            c.exec("SAVEPOINT group_write");
          }
          open = true;
          c.deferred.begin_write();  // a failed write takes its deferred changes with it
          try {
            item.write(c);
          } catch (...) {
            item.error = std::current_exception();
            c.deferred.undo_write();
            c.exec("ROLLBACK TO SAVEPOINT group_write");
          }
        }
      });
    } catch (...) {
      batch_error = std::current_exception();  // the commit failed: nothing of the batch is written
    }
    for (auto& item : batch) item.done(batch_error ? batch_error : item.error);
  }
}

}  // namespace plaza::store
