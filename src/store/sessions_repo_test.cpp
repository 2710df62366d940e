#include "store/sessions_repo.hpp"

#include <gtest/gtest.h>

#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::store {
namespace {

class SessionsRepoTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    alice_ = db().write_sync([](Conn& c) { return users::create(c, {"alice", "a@example.com", "h"}, 1); });
    bob_ = db().write_sync([](Conn& c) { return users::create(c, {"bob", {}, "h"}, 1); });
  }
  void add(const std::string& hash, int64_t user_id, int64_t expires_at = 5000) {
    db().write_sync([&](Conn& c) {
      sessions::create(c, hash, user_id, "csrf-" + hash, 1000, expires_at, "10.0.0.1", "test-agent");
    });
  }
  bool exists(const std::string& hash) {
    return db().read_sync([&](Conn& c) { return sessions::find(c, hash).has_value(); });
  }

  User alice_, bob_;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(SessionsRepoTest);

TEST_P(SessionsRepoTest, FindReturnsTheSessionAndItsUser) {
  add("h1", alice_.id, 4242);
  auto s = db().read_sync([](Conn& c) { return sessions::find(c, "h1"); });
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->csrf_token, "csrf-h1");
  EXPECT_EQ(s->expires_at, 4242);
  EXPECT_EQ(s->user.id, alice_.id);
  EXPECT_EQ(s->user.username, "alice");
  EXPECT_EQ(s->user.email, "a@example.com");
  EXPECT_EQ(s->user.role, "user");
  EXPECT_FALSE(s->user.banned);
}

TEST_P(SessionsRepoTest, FindUnknownIsNothing) {
  add("h1", alice_.id);
  EXPECT_FALSE(exists("h2"));
  EXPECT_FALSE(exists(""));
  EXPECT_FALSE(exists("H1")) << "hashes are compared exactly";
}

TEST_P(SessionsRepoTest, SessionSeesTheUsersCurrentState) {
  add("h1", alice_.id);
  db().write_sync([&](Conn& c) { users::set_banned(c, alice_.id, true, 2); });
  auto s = db().read_sync([](Conn& c) { return sessions::find(c, "h1"); });
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->user.banned);
}

TEST_P(SessionsRepoTest, DuplicateIdIsAUniqueViolation) {
  add("h1", alice_.id);
  EXPECT_THROW(add("h1", bob_.id), UniqueViolation);
  EXPECT_EQ(db().read_sync([](Conn& c) { return sessions::find(c, "h1")->user.id; }), alice_.id);
}

TEST_P(SessionsRepoTest, SessionNeedsAnExistingUser) {
  EXPECT_THROW(add("h1", alice_.id + bob_.id + 100), DatabaseError);
  EXPECT_FALSE(exists("h1"));
}

TEST_P(SessionsRepoTest, RemoveEndsOneSession) {
  add("h1", alice_.id);
  add("h2", alice_.id);
  db().write_sync([](Conn& c) { sessions::remove(c, "h1"); });
  EXPECT_FALSE(exists("h1"));
  EXPECT_TRUE(exists("h2"));
  db().write_sync([](Conn& c) { sessions::remove(c, "h1"); });  // removing twice is harmless
}

TEST_P(SessionsRepoTest, RemoveAllForUserKeepsTheKeptOne) {
  add("a1", alice_.id);
  add("a2", alice_.id);
  add("a3", alice_.id);
  add("b1", bob_.id);
  int64_t removed = db().write_sync([&](Conn& c) { return sessions::remove_all_for_user(c, alice_.id, "a2"); });
  EXPECT_EQ(removed, 2);
  EXPECT_FALSE(exists("a1"));
  EXPECT_TRUE(exists("a2"));
  EXPECT_FALSE(exists("a3"));
  EXPECT_TRUE(exists("b1")) << "other users keep their sessions";
}

TEST_P(SessionsRepoTest, RemoveAllForUserWithoutKeepEndsEveryOne) {
  add("a1", alice_.id);
  add("a2", alice_.id);
  add("b1", bob_.id);
  EXPECT_EQ(db().write_sync([&](Conn& c) { return sessions::remove_all_for_user(c, alice_.id, ""); }), 2);
  EXPECT_FALSE(exists("a1"));
  EXPECT_FALSE(exists("a2"));
  EXPECT_TRUE(exists("b1"));
}

TEST_P(SessionsRepoTest, RemoveExpiredRemovesThoseDueAtOrBeforeNow) {
  add("past", alice_.id, 999);
  add("now", alice_.id, 1000);
  add("future", bob_.id, 1001);
  EXPECT_EQ(db().write_sync([](Conn& c) { return sessions::remove_expired(c, 1000); }), 2);
  EXPECT_FALSE(exists("past"));
  EXPECT_FALSE(exists("now"));
  EXPECT_TRUE(exists("future"));
  EXPECT_EQ(db().write_sync([](Conn& c) { return sessions::remove_expired(c, 1000); }), 0);
}

}  // namespace
}  // namespace plaza::store
