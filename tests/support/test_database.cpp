#include "support/test_database.hpp"

#include <stdlib.h>

#include <stdexcept>
#include <thread>

#include "store/migrations.hpp"
#include "store/pg_harness.hpp"

namespace plaza::test {

namespace {
constexpr int kPoolSize = 4;
constexpr int kThreads = 2;
}  // namespace

TestDatabase::TestDatabase(const std::string& backend) : backend_(backend) {
  if (backend == "sqlite") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "plaza-sqlite-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary folder for SQLite");
    dir_ = tmpl;
    url_ = "sqlite:" + (dir_ / "plaza.db").string();
  } else if (backend == "postgres") {
    url_ = fresh_pg_database();
  } else {
    throw std::invalid_argument("unknown backend " + backend);
  }
  db_ = store::open_database(url_, kPoolSize, kThreads);
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (backend_ == "postgres") drop_pg_database(url_);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void TestDatabase::reopen() {
  db_.reset();
  db_ = store::open_database(url_, kPoolSize, kThreads);
}

void BackendTest::SetUp() {
  database_.emplace(GetParam());
  if (migrated_) store::migrate(database_->db());
}

bool some_session_waits_on_a_lock(store::Database& db, std::chrono::seconds timeout) {
  for (auto deadline = std::chrono::steady_clock::now() + timeout;;) {
    bool waiting = db.read_sync([](store::Conn& c) {
      return c.query_one("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")->i64(0) > 0;
    });
    if (waiting) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a poll interval, not a wait for the event
  }
}

}  // namespace plaza::test
