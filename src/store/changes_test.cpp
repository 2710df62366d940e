#include "store/changes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_database.hpp"

namespace plaza::store {
namespace {

// What a listener heard, in order, read from the test's thread.
class Heard {
 public:
  void add(const std::string& topic) {
    std::lock_guard lock(mutex_);
    topics_.push_back(topic);
  }
  std::vector<std::string> topics() {
    std::lock_guard lock(mutex_);
    return topics_;
  }
  // Polls until `heard(topics)` holds, or the deadline passes (false).
  template <class Pred>
  bool wait_until(Pred heard) {
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(std::chrono::milliseconds(5)))
      if (heard(topics())) return true;
    return false;
  }
  bool wait_for(const std::string& topic) {
    return wait_until([&](const auto& t) { return std::find(t.begin(), t.end(), topic) != t.end(); });
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> topics_;
};

class ChangesTest : public test::BackendTest {};
PLAZA_INSTANTIATE_FOR_BACKENDS(ChangesTest);

TEST_P(ChangesTest, AnAnnouncementIsHeardWhenItsTransactionCommitsAndNeverWhenItRollsBack) {
  if (GetParam() != "postgres") {
    // One instance: nothing to tell, and announcing costs nothing.
    db().write_sync([](Conn& c) { announce(c, "channels"); });
    return;
  }
  Heard heard;
  ChangeListener listener(database().url(), [&heard](const std::string& t) { heard.add(t); });
  ASSERT_TRUE(heard.wait_for("*")) << "connected and listening";
  EXPECT_THROW(db().write_sync([](Conn& c) {
    announce(c, "rolled-back");
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  db().write_sync([](Conn& c) { announce(c, "user:42"); });
  ASSERT_TRUE(heard.wait_for("user:42"));
  // Notifications arrive in commit order: the one after a rollback came, the rolled-back one never will.
  auto topics = heard.topics();
  EXPECT_EQ(std::count(topics.begin(), topics.end(), "rolled-back"), 0);
  EXPECT_EQ(topics.back(), "user:42");
}

TEST_P(ChangesTest, AListenerWhoseConnectionIsKilledConnectsAgainAndHearsEverythingChanged) {
  if (GetParam() != "postgres") GTEST_SKIP() << "PostgreSQL only";
  Heard heard;
  ChangeListener listener(
      database().url(), [&heard](const std::string& t) { heard.add(t); }, std::chrono::milliseconds(10));
  ASSERT_TRUE(heard.wait_for("*"));
  int64_t killed = db().read_sync([](Conn& c) {
    return c
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE query = 'LISTEN plaza_changes' AND pid <> pg_backend_pid()")
        ->i64(0);
  });
  ASSERT_EQ(killed, 1) << "the listener's own connection";
  // Announced while it may be away: the second "*" stands for it.
  db().write_sync([](Conn& c) { announce(c, "prices"); });
  ASSERT_TRUE(heard.wait_until([](const auto& t) { return std::count(t.begin(), t.end(), "*") == 2; }))
      << "connected again";
  db().write_sync([](Conn& c) { announce(c, "channels"); });
  EXPECT_TRUE(heard.wait_for("channels")) << "and listening";
}

TEST_P(ChangesTest, AListenerWaitingToConnectAgainStopsAtOnce) {
  if (GetParam() != "postgres") GTEST_SKIP() << "PostgreSQL only";
  Heard heard;
  auto started = std::chrono::steady_clock::now();
  {
    // Refused at once, then waiting a minute to try again: the stop must not wait it out.
    ChangeListener listener(
        "postgresql://plaza@127.0.0.1:1/none", [&heard](const std::string& t) { heard.add(t); },
        std::chrono::seconds(60));
  }
  EXPECT_TRUE(heard.topics().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace plaza::store
