#include "store/api_keys_repo.hpp"

#include <gtest/gtest.h>

#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::store {
namespace {

class ApiKeysRepoTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    alice_ = db().write_sync([](Conn& c) { return users::create(c, {"alice", {}, "h"}, 1); });
    bob_ = db().write_sync([](Conn& c) { return users::create(c, {"bob", {}, "h"}, 1); });
  }
  ApiKey add(int64_t user_id, const std::string& hash, std::vector<std::string> models = {},
             std::optional<int64_t> expires_at = {}, const std::string& name = "key") {
    api_keys::NewKey k{user_id, name, hash, "abcd", "wxyz", std::move(models), expires_at};
    return db().write_sync([&](Conn& c) { return api_keys::create(c, k, 500); });
  }
  std::vector<ApiKey> list(int64_t user_id) {
    return db().read_sync([&](Conn& c) { return api_keys::list_for_user(c, user_id); });
  }
  std::optional<api_keys::KeyOwner> by_hash(const std::string& hash) {
    return db().read_sync([&](Conn& c) { return api_keys::find_by_hash(c, hash); });
  }
  bool revoke(int64_t user_id, int64_t key_id, int64_t now = 600) {
    return db().write_sync([&](Conn& c) { return api_keys::revoke(c, user_id, key_id, now); });
  }

  User alice_, bob_;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(ApiKeysRepoTest);

TEST_P(ApiKeysRepoTest, CreateReturnsWhatIsStored) {
  ApiKey k = add(alice_.id, "hash1", {"gpt-4o"}, 9999, "my key");
  EXPECT_GT(k.id, 0);
  auto listed = list(alice_.id);
  ASSERT_EQ(listed.size(), 1u);
  const ApiKey& l = listed[0];
  EXPECT_EQ(l.id, k.id);
  EXPECT_EQ(l.user_id, alice_.id);
  EXPECT_EQ(l.name, "my key");
  EXPECT_EQ(l.secret_start, "abcd");
  EXPECT_EQ(l.secret_end, "wxyz");
  EXPECT_EQ(l.models, std::vector<std::string>{"gpt-4o"});
  EXPECT_EQ(l.created_at, 500);
  EXPECT_EQ(l.expires_at, 9999);
  EXPECT_EQ(l.last_used_at, std::nullopt);
  EXPECT_EQ(l.revoked_at, std::nullopt);
  EXPECT_EQ(k.created_at, l.created_at);
  EXPECT_EQ(k.expires_at, l.expires_at);
}

TEST_P(ApiKeysRepoTest, ModelsRoundTripThroughJson) {
  std::vector<std::string> models = {"gpt-4o", "claude \"quoted\"", "back\\slash", "模型-😀", "a,b", "[not json]"};
  add(alice_.id, "hash1", models);
  add(alice_.id, "hash2", {});
  auto listed = list(alice_.id);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].models, std::vector<std::string>{}) << "no models means every model";
  EXPECT_EQ(listed[1].models, models);
  EXPECT_EQ(by_hash("hash1")->key.models, models);
}

TEST_P(ApiKeysRepoTest, ListIsPerUserNewestFirst) {
  ApiKey a1 = add(alice_.id, "h1");
  ApiKey b1 = add(bob_.id, "h2");
  ApiKey a2 = add(alice_.id, "h3");
  auto listed = list(alice_.id);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, a2.id);
  EXPECT_EQ(listed[1].id, a1.id);
  ASSERT_EQ(list(bob_.id).size(), 1u);
  EXPECT_EQ(list(bob_.id)[0].id, b1.id);
  EXPECT_TRUE(list(bob_.id + alice_.id + 100).empty());
}

TEST_P(ApiKeysRepoTest, RevokeOnlyOnceAndOnlyByTheOwner) {
  ApiKey k = add(alice_.id, "h1");
  EXPECT_FALSE(revoke(bob_.id, k.id)) << "another user's key";
  EXPECT_FALSE(revoke(alice_.id, k.id + 1000)) << "no such key";
  EXPECT_EQ(list(alice_.id)[0].revoked_at, std::nullopt);
  EXPECT_TRUE(revoke(alice_.id, k.id, 600));
  EXPECT_FALSE(revoke(alice_.id, k.id, 700)) << "already revoked";
  EXPECT_EQ(list(alice_.id)[0].revoked_at, 600) << "the first revocation time stays";
}

TEST_P(ApiKeysRepoTest, FindByHashReturnsTheKeyAndItsOwner) {
  ApiKey k = add(bob_.id, "secret-hash");
  auto found = by_hash("secret-hash");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->key.id, k.id);
  EXPECT_EQ(found->key.user_id, bob_.id);
  EXPECT_EQ(found->user.id, bob_.id);
  EXPECT_EQ(found->user.username, "bob");
  EXPECT_FALSE(found->user.banned);
  EXPECT_EQ(by_hash("secret-has"), std::nullopt);
  EXPECT_EQ(by_hash(""), std::nullopt);

  revoke(bob_.id, k.id, 650);
  db().write_sync([&](Conn& c) { users::set_banned(c, bob_.id, true, 2); });
  found = by_hash("secret-hash");
  ASSERT_TRUE(found.has_value()) << "the repository reports; the service decides";
  EXPECT_EQ(found->key.revoked_at, 650);
  EXPECT_TRUE(found->user.banned);
}

TEST_P(ApiKeysRepoTest, TouchRecordsTheLastUse) {
  ApiKey k = add(alice_.id, "h1");
  ApiKey other = add(alice_.id, "h2");
  db().write_sync([&](Conn& c) { api_keys::touch(c, k.id, 777); });
  EXPECT_EQ(by_hash("h1")->key.last_used_at, 777);
  EXPECT_EQ(by_hash("h2")->key.last_used_at, std::nullopt);
  db().write_sync([&](Conn& c) { api_keys::touch(c, k.id, 888); });
  EXPECT_EQ(by_hash("h1")->key.last_used_at, 888);
  (void)other;
}

TEST_P(ApiKeysRepoTest, SecretHashesAreUnique) {
  add(alice_.id, "same");
  EXPECT_THROW(add(bob_.id, "same"), UniqueViolation);
  EXPECT_TRUE(list(bob_.id).empty());
}

TEST_P(ApiKeysRepoTest, SqlLookingNameIsStoredVerbatim) {
  const std::string evil = "x'); DROP TABLE users;--";
  add(alice_.id, "h1", {evil}, {}, evil);
  auto listed = list(alice_.id);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, evil);
  EXPECT_EQ(listed[0].models, std::vector<std::string>{evil});
  EXPECT_EQ(by_hash("h1")->user.username, "alice");
}

}  // namespace
}  // namespace plaza::store
