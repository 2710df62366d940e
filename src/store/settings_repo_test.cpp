#include "store/settings_repo.hpp"

#include <gtest/gtest.h>

#include "support/test_database.hpp"

namespace plaza::store {
namespace {

class SettingsRepoTest : public test::BackendTest {
 protected:
  std::optional<std::string> get(const std::string& key) {
    return db().read_sync([&](Conn& c) { return settings::get(c, key); });
  }
  void put(const std::string& key, const std::string& value, int64_t now = 1) {
    db().write_sync([&](Conn& c) { settings::put(c, key, value, now); });
  }
};
PLAZA_INSTANTIATE_FOR_BACKENDS(SettingsRepoTest);

TEST_P(SettingsRepoTest, MissingKeyIsNothing) {
  EXPECT_EQ(get("absent"), std::nullopt);
}

TEST_P(SettingsRepoTest, PutThenGet) {
  put("site_name", "Plaza");
  put("empty", "");
  EXPECT_EQ(get("site_name"), "Plaza");
  EXPECT_EQ(get("empty"), "") << "an empty value is still a value";
  EXPECT_EQ(get("SITE_NAME"), std::nullopt) << "keys are case-sensitive";
}

TEST_P(SettingsRepoTest, PutReplacesTheValue) {
  put("k", "one", 1);
  put("k", "two", 2);
  EXPECT_EQ(get("k"), "two");
  auto rows = db().read_sync(
      [](Conn& c) { return c.query("SELECT value, updated_at FROM settings WHERE key = $1", {std::string("k")}); });
  ASSERT_EQ(rows.rows.size(), 1u) << "an upsert, not a second row";
  EXPECT_EQ(rows.rows[0].i64(1), 2);
}

TEST_P(SettingsRepoTest, RemoveDeletesOnlyThatKey) {
  put("a", "1");
  put("b", "2");
  db().write_sync([](Conn& c) { settings::remove(c, "a"); });
  EXPECT_EQ(get("a"), std::nullopt);
  EXPECT_EQ(get("b"), "2");
  db().write_sync([](Conn& c) { settings::remove(c, "a"); });  // removing twice is harmless
}

TEST_P(SettingsRepoTest, LargeAndUnusualValuesRoundTrip) {
  std::string big(100'000, 'x');
  std::string json = R"({"a":[1,2,"$1 ? ' \" \\"],"b":"中文 😀"})";
  put("big", big);
  put("json", json);
  EXPECT_EQ(get("big"), big);
  EXPECT_EQ(get("json"), json);
}

TEST_P(SettingsRepoTest, AuditRecordsWithAndWithoutAnActor) {
  db().write_sync([](Conn& c) {
    audit::record(c, std::nullopt, "cli.admin_created", "user:1", "root", 10);
    audit::record(c, int64_t{1}, "key.created", "key:5", "x'); DROP TABLE audit_log;--", 11);
  });
  auto rows = db().read_sync([](Conn& c) {
    return c.query("SELECT actor_id, action, target, detail, created_at FROM audit_log ORDER BY id");
  });
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(rows.rows[0].opt_i64(0), std::nullopt);
  EXPECT_EQ(rows.rows[0].str(1), "cli.admin_created");
  EXPECT_EQ(rows.rows[1].opt_i64(0), 1);
  EXPECT_EQ(rows.rows[1].str(3), "x'); DROP TABLE audit_log;--");
  EXPECT_EQ(rows.rows[1].i64(4), 11);
}

}  // namespace
}  // namespace plaza::store
