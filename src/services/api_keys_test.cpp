#include "services/api_keys.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "store/users_repo.hpp"
#include "support/run_sync.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

using test::error_of;
using test::run_sync;

const std::string kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

class ApiKeysTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    alice_ = db().write_sync([](store::Conn& c) { return store::users::create(c, {"alice", {}, "h"}, 1); });
    bob_ = db().write_sync([](store::Conn& c) { return store::users::create(c, {"bob", {}, "h"}, 1); });
    keys_.emplace(db(), clock_);
  }
  void TearDown() override {
    keys_.reset();
    BackendTest::TearDown();
  }

  CreatedKey create(int64_t user_id, std::optional<int64_t> expires_at = {}, std::vector<std::string> models = {}) {
    return run_sync(keys_->create(user_id, "my key", expires_at, std::move(models)));
  }
  bool accepted(const std::string& secret) { return run_sync(keys_->authenticate(secret)).has_value(); }
  void set_banned(int64_t user_id, bool banned) {
    db().write_sync([&](store::Conn& c) { store::users::set_banned(c, user_id, banned, 2); });
  }

  ManualClock clock_{test::kStartMs};
  store::User alice_, bob_;
  std::optional<ApiKeys> keys_;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(ApiKeysTest);

TEST_P(ApiKeysTest, CreateReturnsAnSkSecretOf48Base62Characters) {
  CreatedKey k = create(alice_.id, {}, {"gpt-4o", "claude"});
  ASSERT_EQ(k.secret.size(), 3 + kKeySecretChars);
  EXPECT_TRUE(k.secret.starts_with("sk-"));
  std::string body = k.secret.substr(3);
  EXPECT_EQ(body.find_first_not_of(kBase62), std::string::npos) << body;
  EXPECT_EQ(k.key.secret_start, body.substr(0, 4));
  EXPECT_EQ(k.key.secret_end, body.substr(body.size() - 4));
  EXPECT_EQ(k.key.user_id, alice_.id);
  EXPECT_EQ(k.key.name, "my key");
  EXPECT_EQ(k.key.models, (std::vector<std::string>{"gpt-4o", "claude"}));
  EXPECT_EQ(k.key.created_at, clock_.now_s());
  EXPECT_NE(create(alice_.id).secret, k.secret);
}

TEST_P(ApiKeysTest, AuthenticateFindsTheKeyAndOwner) {
  CreatedKey k = create(bob_.id);
  auto found = run_sync(keys_->authenticate(k.secret));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->key.id, k.key.id);
  EXPECT_EQ(found->user.id, bob_.id);
  EXPECT_EQ(found->user.username, "bob");
}

TEST_P(ApiKeysTest, WrongSecretsAreRefused) {
  CreatedKey k = create(alice_.id);
  std::string altered = k.secret;
  altered.back() = altered.back() == 'a' ? 'b' : 'a';
  EXPECT_FALSE(accepted(altered));
  EXPECT_FALSE(accepted(""));
  EXPECT_FALSE(accepted("sk-"));
  EXPECT_FALSE(accepted(k.secret.substr(0, k.secret.size() - 1)));
  EXPECT_FALSE(accepted(k.secret + "x"));
  EXPECT_FALSE(accepted("pk-" + k.secret.substr(3)));
  EXPECT_FALSE(accepted(k.secret.substr(3) + "abc"));
  EXPECT_TRUE(accepted(k.secret));
}

TEST_P(ApiKeysTest, RevokedKeyIsRefusedAtOnce) {
  CreatedKey k = create(alice_.id);
  CreatedKey other = create(alice_.id);
  ASSERT_TRUE(accepted(k.secret));
  run_sync(keys_->revoke(alice_.id, k.key.id));
  EXPECT_FALSE(accepted(k.secret));
  EXPECT_TRUE(accepted(other.secret));

  auto again = error_of(keys_->revoke(alice_.id, k.key.id));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->code(), ErrorCode::not_found);
  auto not_theirs = error_of(keys_->revoke(bob_.id, other.key.id));
  ASSERT_TRUE(not_theirs.has_value());
  EXPECT_EQ(not_theirs->code(), ErrorCode::not_found);
  EXPECT_TRUE(accepted(other.secret)) << "another user cannot revoke it";
}

TEST_P(ApiKeysTest, ExpiredKeyIsRefused) {
  CreatedKey k = create(alice_.id, clock_.now_s() + 60);
  EXPECT_TRUE(accepted(k.secret));
  clock_.advance_ms(59'000);
  EXPECT_TRUE(accepted(k.secret));
  clock_.advance_ms(1'000);
  EXPECT_FALSE(accepted(k.secret));
}

TEST_P(ApiKeysTest, BannedOwnersKeysAreRefused) {
  CreatedKey k = create(alice_.id);
  set_banned(alice_.id, true);
  EXPECT_FALSE(accepted(k.secret));
  set_banned(alice_.id, false);
  EXPECT_TRUE(accepted(k.secret)) << "keys work again after the ban is lifted";
}

TEST_P(ApiKeysTest, AKnownKeyIsTrustedForTheCacheTimeThenReadAgain) {
  CreatedKey k = create(alice_.id);
  ASSERT_TRUE(accepted(k.secret));
  set_banned(alice_.id, true);  // as another instance would: nothing tells this one
  EXPECT_TRUE(accepted(k.secret)) << "within api_key_cache_ms the key is not read again";
  clock_.advance_ms(ApiKeysOptions{}.cache_ms);
  EXPECT_FALSE(accepted(k.secret)) << "after api_key_cache_ms the ban applies";
}

TEST_P(ApiKeysTest, AStaleKeyIsReadAgainByOneRequestWhileTheOthersGoOn) {
  CreatedKey k = create(alice_.id);
  ASSERT_TRUE(accepted(k.secret));
  set_banned(alice_.id, true);
  clock_.advance_ms(ApiKeysOptions{}.cache_ms);
  // Two requests at once: the first reads the key again, the second meanwhile goes on with the
  // entry as it was instead of reading it too.
  boost::asio::io_context io;
  auto first = boost::asio::co_spawn(io, keys_->authenticate(k.secret), boost::asio::use_future);
  auto second = boost::asio::co_spawn(io, keys_->authenticate(k.secret), boost::asio::use_future);
  io.run();
  EXPECT_FALSE(first.get().has_value());
  EXPECT_TRUE(second.get().has_value());
  EXPECT_FALSE(accepted(k.secret)) << "once read again, the ban applies to every request";
}

TEST_P(ApiKeysTest, ARequestThatWentOnWithTheOldEntryDoesNotPutItBack) {
  // A cache longer than the touch interval: the request that goes on with the old entry also
  // writes a touch, and keeps what it used afterwards.
  ApiKeys keys(db(), clock_, ApiKeysOptions{100'000});
  CreatedKey k = create(alice_.id);
  ASSERT_TRUE(run_sync(keys.authenticate(k.secret)).has_value());
  set_banned(alice_.id, true);
  clock_.advance_ms(100'000);
  boost::asio::io_context io;
  auto rereads = boost::asio::co_spawn(io, keys.authenticate(k.secret), boost::asio::use_future);
  auto goes_on = boost::asio::co_spawn(io, keys.authenticate(k.secret), boost::asio::use_future);
  io.run();
  EXPECT_FALSE(rereads.get().has_value());
  EXPECT_TRUE(goes_on.get().has_value());
  // The ban was read: two more requests at once both see it (an entry put back would let the
  // second go on with it again while the first reads).
  io.restart();
  auto third = boost::asio::co_spawn(io, keys.authenticate(k.secret), boost::asio::use_future);
  auto fourth = boost::asio::co_spawn(io, keys.authenticate(k.secret), boost::asio::use_future);
  io.run();
  EXPECT_FALSE(third.get().has_value());
  EXPECT_FALSE(fourth.get().has_value());
}

TEST_P(ApiKeysTest, AnEntryUnusedForTwoCachePeriodsIsNeverUsed) {
  CreatedKey k = create(alice_.id);
  ASSERT_TRUE(accepted(k.secret));
  set_banned(alice_.id, true);
  clock_.advance_ms(2 * ApiKeysOptions{}.cache_ms);
  boost::asio::io_context io;
  auto first = boost::asio::co_spawn(io, keys_->authenticate(k.secret), boost::asio::use_future);
  auto second = boost::asio::co_spawn(io, keys_->authenticate(k.secret), boost::asio::use_future);
  io.run();
  EXPECT_FALSE(first.get().has_value());
  EXPECT_FALSE(second.get().has_value()) << "too old to go on with while the key is read";
}

TEST_P(ApiKeysTest, ABanOnThisInstanceAppliesAtOnce) {
  CreatedKey k = create(alice_.id);
  CreatedKey bobs = create(bob_.id);
  ASSERT_TRUE(accepted(k.secret));
  ASSERT_TRUE(accepted(bobs.secret));
  set_banned(alice_.id, true);
  set_banned(bob_.id, true);
  keys_->forget_user(alice_.id);
  EXPECT_FALSE(accepted(k.secret));
  EXPECT_TRUE(accepted(bobs.secret)) << "only the named user's keys are read again";
}

TEST_P(ApiKeysTest, WithoutACacheEveryRequestReadsTheKey) {
  ApiKeys uncached(db(), clock_, ApiKeysOptions{0});
  CreatedKey k = create(alice_.id);
  ASSERT_TRUE(run_sync(uncached.authenticate(k.secret)).has_value());
  set_banned(alice_.id, true);
  EXPECT_FALSE(run_sync(uncached.authenticate(k.secret)).has_value());
}

TEST_P(ApiKeysTest, AuthenticateRecordsUseAtMostOncePerMinute) {
  CreatedKey k = create(alice_.id);
  int64_t first = clock_.now_s();
  ASSERT_TRUE(accepted(k.secret));
  auto last_used = [&] { return run_sync(keys_->list(alice_.id)).at(0).last_used_at; };
  EXPECT_EQ(last_used(), first);
  clock_.advance_ms(30'000);
  ASSERT_TRUE(accepted(k.secret));
  EXPECT_EQ(last_used(), first) << "no write for every request";
  clock_.advance_ms(30'000);
  ASSERT_TRUE(accepted(k.secret));
  EXPECT_EQ(last_used(), first + 60);
}

TEST_P(ApiKeysTest, ACachedKeyKeepsItsLastTouch) {
  // A cache that outlives the touch interval: the touch is written through to the cached entry, or
  // every request after the first minute would write again.
  ApiKeys cached(db(), clock_, ApiKeysOptions{600'000});
  CreatedKey k = create(alice_.id);
  auto use = [&] { ASSERT_TRUE(run_sync(cached.authenticate(k.secret)).has_value()); };
  auto last_used = [&] { return run_sync(cached.list(alice_.id)).at(0).last_used_at; };
  int64_t first = clock_.now_s();
  use();
  clock_.advance_ms(61'000);
  use();
  EXPECT_EQ(last_used(), first + 61) << "a minute on, from the cache";
  clock_.advance_ms(29'000);
  use();
  EXPECT_EQ(last_used(), first + 61) << "the cached entry knows of the touch";
}

// A key's spending limit is set, raised, lowered (below what it spent: it spends nothing more) and
// removed after the key is made; each change is audited and applies at once on this instance.
TEST_P(ApiKeysTest, TheSpendingLimitCanBeChangedAfterTheKeyIsMade) {
  CreatedKey k = create(alice_.id);
  ASSERT_FALSE(run_sync(keys_->authenticate(k.secret))->key.spend_limit) << "cached without a limit";
  db().write_sync([&](store::Conn& c) { c.exec("UPDATE api_keys SET spent = 300 WHERE id = $1", {k.key.id}); });
  EXPECT_EQ(run_sync(keys_->set_spend_limit(alice_.id, k.key.id, 1000)).spend_limit, 1000);
  EXPECT_EQ(run_sync(keys_->authenticate(k.secret))->key.spend_limit, 1000) << "the cached key was dropped";
  EXPECT_EQ(run_sync(keys_->set_spend_limit(alice_.id, k.key.id, 5000)).spend_limit, 5000);
  auto lowered = run_sync(keys_->set_spend_limit(alice_.id, k.key.id, 100));
  EXPECT_EQ(lowered.spend_limit, 100) << "below what it spent is allowed";
  EXPECT_EQ(lowered.spent, 300);
  EXPECT_FALSE(run_sync(keys_->set_spend_limit(alice_.id, k.key.id, std::nullopt)).spend_limit);
  EXPECT_FALSE(run_sync(keys_->list(alice_.id))[0].spend_limit);
  EXPECT_EQ(error_of(keys_->set_spend_limit(alice_.id, k.key.id, -1))->code(), ErrorCode::invalid_request);
  EXPECT_EQ(error_of(keys_->set_spend_limit(bob_.id, k.key.id, 1))->code(), ErrorCode::not_found) << "not bob's";
  db().read_sync([&](store::Conn& c) {
    auto rows = c.query("SELECT actor_id, detail FROM audit_log WHERE action = 'key.spend_limit' ORDER BY id");
    ASSERT_EQ(rows.rows.size(), 4u);
    EXPECT_EQ(rows.rows[0].i64(0), alice_.id);
    EXPECT_EQ(rows.rows[0].str(1), "my key: no limit -> 0.001 credits (spent 0.0003)");
    EXPECT_EQ(rows.rows[3].str(1), "my key: 0.0001 credits -> no limit (spent 0.0003)");
  });
  run_sync(keys_->revoke(alice_.id, k.key.id));
  EXPECT_EQ(error_of(keys_->set_spend_limit(alice_.id, k.key.id, 1))->code(), ErrorCode::not_found) << "revoked";
}

TEST_P(ApiKeysTest, ListShowsTheMaskedFormOnly) {
  CreatedKey k = create(alice_.id);
  create(bob_.id);
  auto listed = run_sync(keys_->list(alice_.id));
  ASSERT_EQ(listed.size(), 1u);
  const store::ApiKey& key = listed[0];
  std::string body = k.secret.substr(3);
  std::string masked = ApiKeys::masked(key);
  EXPECT_EQ(masked, "sk-" + body.substr(0, 4) + "…" + body.substr(body.size() - 4));
  EXPECT_EQ(masked.find(body.substr(4, 40)), std::string::npos);
  for (const std::string& field : {key.name, key.secret_start, key.secret_end}) {
    EXPECT_LE(field.size(), 8u) << field;
    EXPECT_EQ(field.find(body.substr(4, 8)), std::string::npos) << "the secret's middle never leaves";
  }
}

TEST_P(ApiKeysTest, StoresOnlyAHashOfTheSecret) {
  CreatedKey k = create(alice_.id);
  auto stored = db().read_sync([](store::Conn& c) { return c.query("SELECT * FROM api_keys"); });
  ASSERT_EQ(stored.rows.size(), 1u);
  for (std::size_t i = 0; i < stored.rows[0].size(); ++i) {
    if (stored.rows[0].is_null(i)) continue;
    EXPECT_EQ(stored.rows[0].str(i).find(k.secret.substr(3, 20)), std::string::npos) << "column " << i;
  }
}

TEST_P(ApiKeysTest, CreateValidatesItsInput) {
  auto field_of = [&](std::string name, std::optional<int64_t> expires, std::vector<std::string> models) {
    auto err = error_of(keys_->create(alice_.id, std::move(name), expires, std::move(models)));
    EXPECT_TRUE(err.has_value());
    EXPECT_EQ(err ? err->code() : ErrorCode::internal, ErrorCode::invalid_request);
    return err ? err->field() : std::string("(none)");
  };
  EXPECT_EQ(field_of("", {}, {}), "name");
  EXPECT_EQ(field_of("bad\nname", {}, {}), "name");
  EXPECT_EQ(field_of("k", clock_.now_s(), {}), "expires_at");
  EXPECT_EQ(field_of("k", clock_.now_s() - 10, {}), "expires_at");
  EXPECT_EQ(field_of("k", {}, {""}), "models");
  EXPECT_EQ(field_of("k", {}, {std::string(129, 'm')}), "models");
  EXPECT_EQ(field_of("k", {}, std::vector<std::string>(kMaxKeyModels + 1, "m")), "models");
  EXPECT_TRUE(run_sync(keys_->list(alice_.id)).empty()) << "refused keys leave nothing behind";
}

}  // namespace
}  // namespace plaza::services
