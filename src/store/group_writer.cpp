#include "store/group_writer.hpp"

#include <stdexcept>
#include <vector>

namespace plaza::store {

GroupWriter::GroupWriter(Database& db, std::size_t max_batch)
    : db_(db), max_batch_(max_batch), thread_([this] { run(); }) {}

GroupWriter::~GroupWriter() {
  stop();
}

void GroupWriter::submit(std::function<void(Conn&)> write, std::function<void(std::exception_ptr)> done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(write), std::move(done), nullptr});
      cv_.notify_one();
      return;
    }
  }
  done(std::make_exception_ptr(std::runtime_error("the database writer has stopped")));
}

void GroupWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void GroupWriter::run() {
  for (;;) {
    std::vector<Item> batch;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is written
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::exception_ptr batch_error;
    try {
      db_.write_sync([&](Conn& c) {
        for (auto& item : batch) {
          c.exec("SAVEPOINT group_write");
          try {
            item.write(c);
            c.exec("RELEASE SAVEPOINT group_write");
          } catch (...) {
            item.error = std::current_exception();
            c.exec("ROLLBACK TO SAVEPOINT group_write");
            c.exec("RELEASE SAVEPOINT group_write");
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
