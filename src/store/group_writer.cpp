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

namespace {

// One savepoint open at a time: the previous one is released as the next opens, and COMMIT
// releases the last. A failed step rolls back to its savepoint, taking its deferred changes along.
class Savepoints {
 public:
  explicit Savepoints(Conn& c) : c_(c) {}
  void open() {
    if (c_.dialect() == Dialect::postgres) {  // one round trip for both
      c_.exec_script(open_ ? "RELEASE SAVEPOINT group_write; SAVEPOINT group_write" : "SAVEPOINT group_write");
    } else {  // no round trips to save on SQLite: prepared once, unlike a script
      if (open_) c_.exec("RELEASE SAVEPOINT group_write");
      c_.exec("SAVEPOINT group_write");
    }
    open_ = true;
    c_.deferred.begin_write();
  }
  void roll_back() {
    c_.deferred.undo_write();
    c_.exec("ROLLBACK TO SAVEPOINT group_write");
  }

 private:
  Conn& c_;
  bool open_ = false;
};

}  // namespace

// A savepoint per write costs: SQLite copies every page a write changes into its statement journal
// once per savepoint, and PostgreSQL takes a round trip. A run of lazy writes
// (which may run again: they change only the database and Conn::deferred) shares one savepoint;
// if one of them fails, the run is rolled back and each of its writes goes again alone, so that
// only the failing one fails. Other writes keep one savepoint each: they may have done more than
// their transaction could undo.
void GroupWriter::write_batch(Conn& c, std::vector<Item>& batch) {
  Savepoints savepoints(c);
  std::size_t since_yield = 0;
  auto pace = [&] {
    // A batch of a few hundred writes is a millisecond or more of CPU: a thread that answers
    // requests and wakes on this core meanwhile should not wait for all of it.
    if (++since_yield == kWritesBetweenYields) {
      since_yield = 0;
      std::this_thread::yield();
    }
  };
  for (std::size_t first = 0; first < batch.size();) {
    std::size_t end = first + 1;
    if (!batch[first].waited_for)
      while (end < batch.size() && !batch[end].waited_for) ++end;
    if (end - first > 1) {
      savepoints.open();
      try {
        for (std::size_t i = first; i < end; ++i) {
          pace();
          batch[i].write(c);
        }
        first = end;
        continue;
      } catch (...) {
        savepoints.roll_back();  // and below, each write of the run alone
      }
    }
    for (std::size_t i = first; i < end; ++i) {
      pace();
      savepoints.open();
      try {
        batch[i].write(c);
      } catch (...) {
        batch[i].error = std::current_exception();
        savepoints.roll_back();
      }
    }
    first = end;
  }
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
      db_.write_sync([&](Conn& c) { write_batch(c, batch); });
    } catch (...) {
      batch_error = std::current_exception();  // the commit failed: nothing of the batch is written
    }
    for (auto& item : batch) item.done(batch_error ? batch_error : item.error);
  }
}

}  // namespace plaza::store
