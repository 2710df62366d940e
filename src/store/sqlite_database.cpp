// SQLite backend: WAL, one writer connection (SQLite allows one writer at a time anyway), a pool
// of read-only connections that read concurrently with it, and a checkpointer thread.
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/database.hpp"

namespace plaza::store {

namespace {

// Turns $N placeholders into SQLite's ?N, leaving string literals alone.
std::string to_sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_string = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') in_string = !in_string;
    if (!in_string && c == '$' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out.push_back('?');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

class SqliteConn final : public Conn {
 public:
  SqliteConn(const std::string& path, bool read_only) {
    // No memory statistics (nothing reads them): with them on, every allocation SQLite makes takes a
    // process-wide mutex, which the usage writer's inserts contend for with every reader. It must
    // come before SQLite initialises, i.e. before the first connection.
    static const int no_memory_stats = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)no_memory_stats;
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw DatabaseError("cannot open SQLite database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    // A 16 MB page cache per connection and the file mapped: the square's reads touch much of the
    // apps table, which should come from memory rather than a read() per page.
    exec_script("PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384; PRAGMA mmap_size=268435456");
    if (!read_only) exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
    // The writer's temporary files in memory: a savepoint keeps the pages its statements change in
    // a statement journal, which past 64 KiB went to a file created, written and deleted per group
    // commit (the group writer's runs of settlements pass that): billing cost a fifth more. The
    // price: a big sort on the writer (an index built by a migration) is held in memory too.
    if (!read_only) exec_script("PRAGMA temp_store=MEMORY");
  }
  ~SqliteConn() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Dialect dialect() const override { return Dialect::sqlite; }
  sqlite3* handle() { return db_; }

  Result query(std::string_view sql, const std::vector<Value>& params) override {
    sqlite3_stmt* stmt = prepare(sql);
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    for (std::size_t i = 0; i < params.size(); ++i) bind(stmt, static_cast<int>(i + 1), params[i]);
    Result result;
    int columns = sqlite3_column_count(stmt);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(rc, sql);
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) values.push_back(column(stmt, c));
      result.rows.emplace_back(std::move(values));
    }
    result.affected = sqlite3_changes64(db_);
    return result;
  }

  void exec_script(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw DatabaseError("SQLite: " + msg);
    }
  }

 private:
  sqlite3_stmt* prepare(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxStatements) {  // a bound, should some caller build texts without end
      for (auto& [text, stmt] : statements_) sqlite3_finalize(stmt);
      statements_.clear();
    }
    std::string text = to_sqlite_placeholders(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc =
        sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, sql);
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  static void bind(sqlite3_stmt* stmt, int index, const Value& v) {
    if (auto p = std::get_if<int64_t>(&v))
      sqlite3_bind_int64(stmt, index, *p);
    else if (auto p = std::get_if<double>(&v))
      sqlite3_bind_double(stmt, index, *p);
    else if (auto p = std::get_if<std::string>(&v))
      sqlite3_bind_text64(stmt, index, p->data(), p->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    else
      sqlite3_bind_null(stmt, index);
  }

  static Value column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(stmt, c));
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, c);
      case SQLITE_NULL:
        return kNull;
      default: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt, c));
        return std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
      }
    }
  }

  [[noreturn]] void fail(int rc, std::string_view sql) {
    std::string msg = sqlite3_errmsg(db_);
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE ||
        sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY)
      throw UniqueViolation(msg);
    throw DatabaseError("SQLite error " + std::to_string(rc) + ": " + msg + " in: " + std::string(sql.substr(0, 200)));
  }

  sqlite3* db_ = nullptr;
  static constexpr std::size_t kMaxStatements = 1000;  // Plaza has a few hundred statements
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, int readers, int threads) : Database(threads) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    writer_ = std::make_unique<SqliteConn>(path, false);
    for (int i = 0; i < readers; ++i) idle_readers_.push_back(std::make_unique<SqliteConn>(path, true));
    size_ = readers + 1;
    checkpoint_conn_ = std::make_unique<SqliteConn>(path, false);
    sqlite3_wal_hook(writer_->handle(), &SqliteDatabase::on_commit, this);  // replaces the automatic checkpoint
    checkpointer_ = std::thread([this] { run_checkpoints(); });
  }

  ~SqliteDatabase() override {
    stop_pool();  // pool threads may still hold connections
    {
      std::lock_guard lock(checkpoint_mutex_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    checkpointer_.join();
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  PoolStats stats() const override {
    std::lock_guard lock(mutex_);
    return {size_, in_use_, waits_};
  }

 protected:
  // IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading read locks.
  std::string_view begin_sql() const override { return "BEGIN IMMEDIATE"; }

  Lease acquire(bool for_write) override {
    std::unique_lock lock(mutex_);
    if (for_write) {
      if (writer_busy_) ++waits_;
      cv_.wait(lock, [&] { return !writer_busy_; });
      writer_busy_ = true;
      ++in_use_;
      return Lease(writer_.get(), LeaseDeleter{this});
    }
    if (idle_readers_.empty()) ++waits_;
    cv_.wait(lock, [&] { return !idle_readers_.empty(); });
    auto conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    ++in_use_;
    return Lease(conn.release(), LeaseDeleter{this});
  }

  void release(Conn* conn) override {
    {
      std::lock_guard lock(mutex_);
      --in_use_;
      if (conn == writer_.get())
        writer_busy_ = false;
      else
        idle_readers_.emplace_back(static_cast<SqliteConn*>(conn));
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::unique_ptr<SqliteConn> writer_;
  bool writer_busy_ = false;
  std::vector<std::unique_ptr<SqliteConn>> idle_readers_;
  int size_ = 0;
  int in_use_ = 0;
  uint64_t waits_ = 0;

  // Checkpoints (copying the WAL back into the database file, with its fsyncs) would otherwise run
  // inside whichever commit crosses the threshold, stalling every write queued behind it: they run
  // on a thread and connection of their own instead, concurrently with the writer (PASSIVE).
  static constexpr int kCheckpointPages = 1000;         // SQLite's own default threshold
  static constexpr int kWriterCheckpointPages = 10000;  // far behind (40 MB): the writer helps, bounding the WAL
  static int on_commit(void* self, sqlite3* db, const char*, int wal_pages) {
    auto* me = static_cast<SqliteDatabase*>(self);
    if (wal_pages >= kWriterCheckpointPages) {
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (wal_pages >= kCheckpointPages) {
      {
        std::lock_guard lock(me->checkpoint_mutex_);
        me->checkpoint_due_ = true;
      }
      me->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }
  void run_checkpoints() {
    std::unique_lock lock(checkpoint_mutex_);
    for (;;) {
      checkpoint_cv_.wait(lock, [&] { return checkpoint_due_ || stopping_; });
      if (stopping_) return;
      checkpoint_due_ = false;
      lock.unlock();
      // The writer appends while a checkpoint copies; going again for what it added until the copy
      // catches up lets the next write start the WAL over from its beginning.
      // A reader still on an old snapshot stops the copy short of the end: then nothing advances,
      // and the next commit past the threshold tries again.
      int before = -1;
      for (int pass = 0; pass < 20; ++pass) {
        int log = 0, copied = 0;
        if (sqlite3_wal_checkpoint_v2(checkpoint_conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) !=
                SQLITE_OK ||
            copied >= log || copied == before)
          break;
        before = copied;
      }
      lock.lock();
    }
  }
  std::unique_ptr<SqliteConn> checkpoint_conn_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_due_ = false;
  bool stopping_ = false;
  std::thread checkpointer_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, int readers, int threads) {
  return std::make_unique<SqliteDatabase>(path, readers, threads);
}

}  // namespace plaza::store
