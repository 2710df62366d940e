#include "store/group_writer.hpp"

#include <stdexcept>

namespace plaza::store {

GroupWriter::GroupWriter(Database& db, std::size_t max_batch, std::size_t lanes) : db_(db), max_batch_(max_batch) {
  if (lanes == 0) lanes = db.dialect() == Dialect::sqlite ? 1 : 4;
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>());
  for (auto& lane : lanes_) lane->thread = std::thread([this, l = lane.get()] { run(*l); });
}

GroupWriter::~GroupWriter() {
  stop();
}

void GroupWriter::submit(int64_t lane_key, std::function<void(Conn&)> write,
                         std::function<void(std::exception_ptr)> done) {
  auto& lane = *lanes_[static_cast<uint64_t>(lane_key) % lanes_.size()];
  {
    std::lock_guard lock(lane.mutex);
    if (!lane.stopping) {
      lane.queue.push_back({std::move(write), std::move(done), nullptr});
      lane.cv.notify_one();
      return;
    }
  }
  done(std::make_exception_ptr(std::runtime_error("the database writer has stopped")));
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
      lane.cv.wait(lock, [&] { return lane.stopping || !lane.queue.empty(); });
      if (lane.queue.empty()) return;  // stopping, and everything queued is written
      while (!lane.queue.empty() && batch.size() < max_batch_) {
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
        for (auto& item : batch) {
          c.exec_script(open ? "RELEASE SAVEPOINT group_write; SAVEPOINT group_write" : "SAVEPOINT group_write");
          open = true;
          auto deltas = c.deferred_balance_deltas;  // a failed write takes its deferred deltas with it
          try {
            item.write(c);
          } catch (...) {
            item.error = std::current_exception();
            c.deferred_balance_deltas = std::move(deltas);
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
