#pragma once
// A fresh database of either backend for each test: a SQLite file in a temporary folder, or a new
// database on the PostgreSQL test server (tests/store/pg_harness.hpp). Store and service tests are
// parameterised over both, so every query is proven on both dialects.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace plaza::test {

inline constexpr int64_t kStartMs = 1'700'000'000'000;  // ManualClock start for tests

class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend);  // "sqlite" or "postgres"
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  store::Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // Closes the connections and opens the same database again.
  void reopen();

 private:
  std::string backend_;
  std::string url_;
  std::filesystem::path dir_;  // SQLite only
  std::unique_ptr<store::Database> db_;
};

// A test parameterised by backend name, with a fresh database (migrated unless the test says not).
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  explicit BackendTest(bool migrated = true) : migrated_(migrated) {}
  void SetUp() override;
  void TearDown() override { database_.reset(); }
  store::Database& db() { return database_->db(); }
  TestDatabase& database() { return *database_; }

 private:
  bool migrated_;
  std::optional<TestDatabase> database_;
};

// PostgreSQL only: waits (polling, up to `timeout`) until some session waits on a lock, as a
// transaction a test started in another thread should; false if none came to wait.
bool some_session_waits_on_a_lock(store::Database& db, std::chrono::seconds timeout = std::chrono::seconds(10));

}  // namespace plaza::test

// Runs every TEST_P of `suite` once on SQLite and once on PostgreSQL.
#define PLAZA_INSTANTIATE_FOR_BACKENDS(suite)                                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values(std::string("sqlite"), std::string("postgres")), \
                           [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })
