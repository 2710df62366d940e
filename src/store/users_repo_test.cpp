#include "store/users_repo.hpp"

#include <gtest/gtest.h>

#include "support/test_database.hpp"

namespace plaza::store {
namespace {

class UsersRepoTest : public test::BackendTest {
 protected:
  User create(const std::string& name, std::optional<std::string> email = {}, const std::string& role = "user",
              int64_t now = 100) {
    return db().write_sync([&](Conn& c) { return users::create(c, {name, email, "hash-of-" + name, role}, now); });
  }
  std::vector<std::string> names(const std::string& query, int64_t offset = 0, int64_t limit = 100) {
    std::vector<std::string> out;
    for (const auto& u : db().read_sync([&](Conn& c) { return users::list(c, query, offset, limit); }))
      out.push_back(u.username);
    return out;
  }
  int64_t count(const std::string& query) {
    return db().read_sync([&](Conn& c) { return users::count(c, query); });
  }
};
PLAZA_INSTANTIATE_FOR_BACKENDS(UsersRepoTest);

using Names = std::vector<std::string>;

TEST_P(UsersRepoTest, CreateReturnsTheStoredUser) {
  User u = create("Alice", "alice@example.com", "user", 1234);
  EXPECT_GT(u.id, 0);
  EXPECT_EQ(u.username, "Alice") << "the name keeps its case";
  EXPECT_EQ(u.email, "alice@example.com");
  EXPECT_EQ(u.role, "user");
  EXPECT_EQ(u.group, "default");
  EXPECT_FALSE(u.banned);
  EXPECT_FALSE(u.is_admin());
  EXPECT_EQ(u.created_at, 1234);

  User b = create("bob");
  EXPECT_GT(b.id, u.id);
  EXPECT_EQ(b.email, std::nullopt);
}

TEST_P(UsersRepoTest, FindById) {
  User u = create("alice");
  auto found = db().read_sync([&](Conn& c) { return users::find(c, u.id); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->created_at, u.created_at);
  EXPECT_EQ(db().read_sync([&](Conn& c) { return users::find(c, u.id + 1000); }), std::nullopt);
}

TEST_P(UsersRepoTest, FindByUsernameIgnoresCase) {
  User u = create("MixedCase");
  for (const char* name : {"MixedCase", "mixedcase", "MIXEDCASE"}) {
    auto found = db().read_sync([&](Conn& c) { return users::find_by_username(c, name); });
    ASSERT_TRUE(found.has_value()) << name;
    EXPECT_EQ(found->id, u.id);
    EXPECT_EQ(found->username, "MixedCase");
  }
  EXPECT_EQ(db().read_sync([](Conn& c) { return users::find_by_username(c, "mixed"); }), std::nullopt);
}

TEST_P(UsersRepoTest, CredentialsAndPasswordHash) {
  User u = create("alice");
  auto cred = db().read_sync([](Conn& c) { return users::find_credentials(c, "ALICE"); });
  ASSERT_TRUE(cred.has_value());
  EXPECT_EQ(cred->first.id, u.id);
  EXPECT_EQ(cred->second, "hash-of-alice");
  EXPECT_EQ(db().read_sync([](Conn& c) { return users::find_credentials(c, "nobody"); }), std::nullopt);

  db().write_sync([&](Conn& c) { users::set_password_hash(c, u.id, "new-hash", 200); });
  EXPECT_EQ(db().read_sync([&](Conn& c) { return users::password_hash(c, u.id); }), "new-hash");
  EXPECT_EQ(db().read_sync([&](Conn& c) { return users::password_hash(c, u.id + 1); }), std::nullopt);
}

TEST_P(UsersRepoTest, SettersChangeOnlyTheirUser) {
  User a = create("alice", "a@example.com");
  User b = create("bob", "b@example.com");
  db().write_sync([&](Conn& c) {
    users::set_email(c, a.id, std::nullopt, 200);
    users::set_role(c, a.id, "admin", 200);
    users::set_group(c, a.id, "vip", 200);
    users::set_banned(c, a.id, true, 200);
  });
  auto after = db().read_sync([&](Conn& c) { return std::make_pair(*users::find(c, a.id), *users::find(c, b.id)); });
  EXPECT_EQ(after.first.email, std::nullopt);
  EXPECT_TRUE(after.first.is_admin());
  EXPECT_EQ(after.first.group, "vip");
  EXPECT_TRUE(after.first.banned);
  EXPECT_EQ(after.second.email, "b@example.com");
  EXPECT_EQ(after.second.role, "user");
  EXPECT_EQ(after.second.group, "default");
  EXPECT_FALSE(after.second.banned);

  db().write_sync([&](Conn& c) {
    users::set_banned(c, a.id, false, 300);
    users::set_email(c, a.id, "new@example.com", 300);
  });
  auto a2 = db().read_sync([&](Conn& c) { return *users::find(c, a.id); });
  EXPECT_FALSE(a2.banned);
  EXPECT_EQ(a2.email, "new@example.com");
}

TEST_P(UsersRepoTest, RoleIsCheckedByTheSchema) {
  User a = create("alice");
  auto make_root = [&](Conn& c) { users::set_role(c, a.id, "root", 200); };
  EXPECT_THROW(db().write_sync(make_root), DatabaseError);
  EXPECT_EQ(db().read_sync([&](Conn& c) { return users::find(c, a.id)->role; }), "user");
}

TEST_P(UsersRepoTest, CountsAdmins) {
  EXPECT_EQ(db().read_sync([](Conn& c) { return users::count_admins(c); }), 0);
  create("root", {}, "admin");
  create("alice");
  create("admin2", {}, "admin");
  EXPECT_EQ(db().read_sync([](Conn& c) { return users::count_admins(c); }), 2);
}

TEST_P(UsersRepoTest, ListIsNewestFirstWithPaging) {
  for (const char* n : {"u1", "u2", "u3", "u4", "u5"}) create(n);
  EXPECT_EQ(names(""), (Names{"u5", "u4", "u3", "u2", "u1"}));
  EXPECT_EQ(names("", 0, 2), (Names{"u5", "u4"}));
  EXPECT_EQ(names("", 2, 2), (Names{"u3", "u2"}));
  EXPECT_EQ(names("", 4, 2), (Names{"u1"}));
  EXPECT_EQ(names("", 10, 2), Names{});
  EXPECT_EQ(count(""), 5);
}

TEST_P(UsersRepoTest, ListMatchesSubstringsWhateverTheCase) {
  for (const char* n : {"Alice", "malicious", "bob", "ALI"}) create(n);
  EXPECT_EQ(names("ali"), (Names{"ALI", "malicious", "Alice"}));
  EXPECT_EQ(names("LIC"), (Names{"malicious", "Alice"}));
  EXPECT_EQ(count("ali"), 3);
  EXPECT_EQ(names("zzz"), Names{});
  EXPECT_EQ(count("zzz"), 0);
}

TEST_P(UsersRepoTest, ListTreatsLikeWildcardsAsText) {
  // The repository stores whatever it is given; these names exercise the LIKE escaping.
  for (const char* n : {"a_c", "abc", "a%c", "axxc", "a\\c", "a\\\\c"}) create(n);
  EXPECT_EQ(names("_"), (Names{"a_c"})) << "'_' must not match any one character";
  EXPECT_EQ(names("%"), (Names{"a%c"})) << "'%' must not match everything";
  EXPECT_EQ(names("a_c"), (Names{"a_c"}));
  EXPECT_EQ(names("a%c"), (Names{"a%c"}));
  EXPECT_EQ(names("\\"), (Names{"a\\\\c", "a\\c"}));
  EXPECT_EQ(names("\\\\"), (Names{"a\\\\c"}));
  EXPECT_EQ(count("_"), 1);
  EXPECT_EQ(count("%"), 1);
}

}  // namespace
}  // namespace plaza::store
