// The storage layer on both backends: migrations, transactions, errors and value round trips.
#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <tuple>

#include "store/billing_repo.hpp"
#include "store/database.hpp"
#include "store/earnings_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/migrations.hpp"
#include "store/relay_repo.hpp"
#include "store/reports_repo.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::store {
namespace {

using test::BackendTest;

class MigrationTest : public BackendTest {
 protected:
  MigrationTest() : BackendTest(/*migrated=*/false) {}
};
PLAZA_INSTANTIATE_FOR_BACKENDS(MigrationTest);

class DatabaseTest : public BackendTest {};
PLAZA_INSTANTIATE_FOR_BACKENDS(DatabaseTest);

// How the database describes the index (its CREATE INDEX statement).
std::string index_definition(Conn& c, const std::string& name) {
  return c.dialect() == Dialect::postgres
             ? c.query_one("SELECT indexdef FROM pg_indexes WHERE indexname = $1", {name})->str(0)
             : c.query_one("SELECT sql FROM sqlite_schema WHERE name = $1", {name})->str(0);
}

int64_t count_users(Database& db) {
  return db.read_sync([](Conn& c) { return c.query_one("SELECT COUNT(*) FROM users")->i64(0); });
}

TEST(Migrations, AreNumberedInOrderAndWrittenForBothDialects) {
  int previous = 0;
  for (const auto& m : migrations()) {
    EXPECT_EQ(m.version, previous + 1) << m.name;
    EXPECT_FALSE(m.sqlite.empty());
    EXPECT_FALSE(m.postgres.empty());
    EXPECT_EQ(m.sqlite.find("@ID@"), std::string::npos);
    EXPECT_EQ(m.postgres.find("@ID@"), std::string::npos);
    previous = m.version;
  }
  EXPECT_EQ(latest_schema_version(), previous);
}

TEST_P(MigrationTest, AppliesEverythingOnceThenNothing) {
  EXPECT_EQ(schema_version(db()), 0);
  EXPECT_EQ(migrate(db()), static_cast<int>(migrations().size()));
  EXPECT_EQ(schema_version(db()), latest_schema_version());
  EXPECT_EQ(count_users(db()), 0);
  EXPECT_EQ(migrate(db()), 0);
  database().reopen();
  EXPECT_EQ(migrate(db()), 0) << "the version is kept in the database";
  EXPECT_EQ(schema_version(db()), latest_schema_version());
}

// v28 counts the count packs each user bought before it (their user_packs, less those redeemed from
// codes), so a per-user limit set later on a trial pack holds for those who already had it.
TEST_P(MigrationTest, UpgradingTo28CountsThePacksBoughtBefore) {
  ASSERT_EQ(migrate(db(), 27), 27);
  db().write_sync([](Conn& c) {
    int64_t alice = users::create(c, {"alice", {}, "h"}, 1).id;
    int64_t bob = users::create(c, {"bob", {}, "h"}, 1).id;
    int64_t pack = c.query_one(
                        "INSERT INTO packs (name, kind, price, calls, models, created_at, updated_at) "
                        "VALUES ('Trial', 'count', 0, 5, '[\"m\"]', 1, 1) RETURNING id")
                       ->i64(0);
    for (int64_t user : {alice, alice, alice, bob})
      c.exec(
          "INSERT INTO user_packs (user_id, pack_id, name, models, total, remaining, created_at) "
          "VALUES ($1, $2, 'Trial', '[\"m\"]', 5, 5, 1)",
          {user, pack});
    int64_t batch = c.query_one(
                         "INSERT INTO redeem_batches (name, kind, pack_id, count, created_by, created_at) "
                         "VALUES ('b', 'count_pack', $1, 2, $2, 1) RETURNING id",
                         {pack, alice})
                        ->i64(0);
    c.exec(
        "INSERT INTO redeem_codes (code, batch_id, redeemed_by, redeemed_at) VALUES ('A', $1, $2, 1), ('B', $1, $3, 1)",
        {batch, alice, bob});
  });
  EXPECT_EQ(migrate(db()), latest_schema_version() - 27);
  db().read_sync([](Conn& c) {
    auto rows = c.query("SELECT u.username, p.bought FROM pack_purchases p JOIN users u ON u.id = p.user_id");
    ASSERT_EQ(rows.rows.size(), 1u) << "bob's only pack came from a code";
    EXPECT_EQ(rows.rows[0].str(0), "alice");
    EXPECT_EQ(rows.rows[0].i64(1), 2);
    EXPECT_TRUE(c.query_one("SELECT per_user_limit FROM packs")->is_null(0));
  });
}

// A successful web call of app 42, as the usage writer records it.
UsageEvent app_call(std::string request_id, std::string day, int64_t user) {
  UsageEvent e;
  e.request_id = std::move(request_id);
  e.created_at = 1;
  e.day = std::move(day);
  e.user_id = user;
  e.surface = "web";
  e.model = "m";
  e.status = "ok";
  e.app_id = 42;
  e.app_owner_id = 1;
  e.app_kind = "user";
  return e;
}

TEST_P(MigrationTest, UpgradingFromVersion6KeepsTheUsageEventsAndNarrowsTheAppIndex) {
  ASSERT_EQ(migrate(db(), 6), 6);
  db().write_sync([](Conn& c) {
    int64_t user = users::create(c, {"old", {}, "h"}, 1).id;
    for (int i = 0; i < 6; ++i)
      c.exec(
          "INSERT INTO usage_events (request_id, created_at, day, user_id, surface, model, status, app_id) "
          "VALUES ($1, 1, '2026-11-28', $2, 'api', 'm', 'ok', $3)",
          {"r" + std::to_string(i), user, i % 2 ? Value(int64_t{42}) : Value(std::monostate{})});
  });
  EXPECT_EQ(migrate(db()), latest_schema_version() - 6);
  EXPECT_EQ(schema_version(db()), latest_schema_version());
  db().read_sync([](Conn& c) {
    EXPECT_EQ(c.query_one("SELECT COUNT(*) FROM usage_events")->i64(0), 6);
    EXPECT_EQ(c.query_one("SELECT COUNT(*) FROM usage_events WHERE app_id = $1", {int64_t{42}})->i64(0), 3);
    EXPECT_NE(index_definition(c, "usage_events_app_day").find("IS NOT NULL"), std::string::npos);
  });
}

TEST_P(MigrationTest, UpgradingFromVersion7RollsUpTheAppCallsAlreadyMade) {
  ASSERT_EQ(migrate(db(), 7), 7);
  auto [alice, bob] = db().write_sync([](Conn& c) {
    int64_t a = users::create(c, {"alice", {}, "h"}, 1).id, b = users::create(c, {"bob", {}, "h"}, 1).id;
    // alice: two calls on one day and one the next, one failed; bob: one call. One model call.
    int n = 0;
    for (const auto& [user, day, status, app] : std::vector<std::tuple<int64_t, std::string, std::string, Value>>{
             {a, "2026-11-27", "ok", int64_t{42}},
             {a, "2026-11-27", "ok", int64_t{42}},
             {a, "2026-11-28", "ok", int64_t{42}},
             {a, "2026-11-28", "error", int64_t{42}},
             {b, "2026-11-28", "ok", int64_t{42}},
             {b, "2026-11-28", "ok", std::monostate{}}})
      c.exec(
          "INSERT INTO usage_events (request_id, created_at, day, user_id, surface, model, status, app_id) "
          "VALUES ($1, 1, $2, $3, 'api', 'm', $4, $5)",
          {"r" + std::to_string(++n), day, user, status, app});
    return std::pair{a, b};
  });
  EXPECT_EQ(migrate(db()), latest_schema_version() - 7);
  auto rows = [&](const std::string& sql) {  // the first column a text, the others integers
    return db().read_sync([&](Conn& c) {
      std::vector<std::string> out;
      for (const auto& r : c.query(sql).rows) {
        std::string line = r.str(0);
        for (std::size_t i = 1; i < r.size(); ++i) line += " " + std::to_string(r.i64(i));
        out.push_back(line);
      }
      return out;
    });
  };
  auto id = [](int64_t v) { return std::to_string(v); };
  EXPECT_EQ(rows("SELECT day, app_id, user_id, calls FROM app_user_days ORDER BY day, user_id"),
            (std::vector<std::string>{"2026-11-27 42 " + id(alice) + " 2", "2026-11-28 42 " + id(alice) + " 1",
                                      "2026-11-28 42 " + id(bob) + " 1"}));
  EXPECT_EQ(rows("SELECT CAST(app_id AS TEXT), user_id, calls FROM app_users ORDER BY user_id"),
            (std::vector<std::string>{"42 " + id(alice) + " 3", "42 " + id(bob) + " 1"}));
  // And a call made after the upgrade is added.
  db().write_sync([&](Conn& c) { usage::insert(c, app_call("after", "2026-11-28", bob)); });
  EXPECT_EQ(rows("SELECT CAST(app_id AS TEXT), user_id, calls FROM app_users ORDER BY user_id"),
            (std::vector<std::string>{"42 " + id(alice) + " 3", "42 " + id(bob) + " 2"}));
}

TEST_P(MigrationTest, UpgradingFromVersion11CountsThePaidAppCallsAlreadyMade) {
  ASSERT_EQ(migrate(db(), 11), 11);
  auto [alice, bob] = db().write_sync([](Conn& c) {
    int64_t a = users::create(c, {"alice", {}, "h"}, 1).id, b = users::create(c, {"bob", {}, "h"}, 1).id;
    // alice pays on one day (paid credits, then a subscription) and not the next; bob pays a
    // surcharge from paid credits once. A failed paid call and a paid model call count for nothing.
    int n = 0;
    for (const auto& [user, day, status, app, paid, surcharge_paid, subscription] :
         std::vector<std::tuple<int64_t, std::string, std::string, Value, int64_t, int64_t, Value>>{
             {a, "2026-11-27", "ok", int64_t{42}, 5, 0, std::monostate{}},
             {a, "2026-11-27", "ok", int64_t{42}, 0, 0, int64_t{9}},
             {a, "2026-11-27", "ok", int64_t{42}, 0, 0, std::monostate{}},
             {a, "2026-11-28", "ok", int64_t{42}, 0, 0, std::monostate{}},
             {a, "2026-11-28", "error", int64_t{42}, 5, 0, std::monostate{}},
             {b, "2026-11-28", "ok", int64_t{42}, 0, 3, std::monostate{}},
             {b, "2026-11-28", "ok", std::monostate{}, 5, 0, std::monostate{}}})
      c.exec(
          "INSERT INTO usage_events (request_id, created_at, day, user_id, surface, model, status, app_id, paid_uc, "
          "surcharge_paid_uc, subscription_id) VALUES ($1, 1, $2, $3, 'api', 'm', $4, $5, $6, $7, $8)",
          {"r" + std::to_string(++n), day, user, status, app, paid, surcharge_paid, subscription});
    return std::pair{a, b};
  });
  EXPECT_EQ(migrate(db()), latest_schema_version() - 11);
  auto rows = [&] {
    return db().read_sync([&](Conn& c) {
      std::vector<std::string> out;
      for (const auto& r :
           c.query("SELECT day, user_id, calls, paying_calls FROM app_user_days ORDER BY day, user_id").rows)
        out.push_back(r.str(0) + " " + std::to_string(r.i64(1)) + " " + std::to_string(r.i64(2)) + " " +
                      std::to_string(r.i64(3)));
      return out;
    });
  };
  auto id = [](int64_t v) { return std::to_string(v); };
  EXPECT_EQ(rows(), (std::vector<std::string>{"2026-11-27 " + id(alice) + " 3 2", "2026-11-28 " + id(alice) + " 1 0",
                                              "2026-11-28 " + id(bob) + " 1 1"}));
  // Calls made after the upgrade are counted, the paying ones as such: from a subscription, paid
  // credits or a surcharge paid from them.
  db().write_sync([&](Conn& c) {
    auto call = [&](const char* request_id, int64_t user, auto paid) {
      auto e = app_call(request_id, "2026-11-28", user);
      paid(e);
      usage::insert(c, e);
    };
    call("after-subscribed", alice, [](UsageEvent& e) { e.subscription_id = 9; });
    call("after-credits", alice, [](UsageEvent& e) { e.paid_uc = 5; });
    call("after-free", bob, [](UsageEvent&) {});
    call("after-surcharge", bob, [](UsageEvent& e) { e.surcharge_paid_uc = 3; });
    call("after-gift", bob, [](UsageEvent& e) { e.gift_uc = 7; });
  });
  EXPECT_EQ(rows(), (std::vector<std::string>{"2026-11-27 " + id(alice) + " 3 2", "2026-11-28 " + id(alice) + " 3 2",
                                              "2026-11-28 " + id(bob) + " 4 2"}));
}

TEST_P(MigrationTest, UpgradingFromVersion13TellsCodeDaysFromBoughtOnes) {
  ASSERT_EQ(migrate(db(), 13), 13);
  auto ids = db().write_sync([](Conn& c) {
    int64_t user = users::create(c, {"alice", {}, "h"}, 1).id;
    auto plan = [&](int64_t price) {
      return c
          .query_one(
              "INSERT INTO plans (name, level, period_days, price, created_at, updated_at) "
              "VALUES ('p', 1, 30, $1, 1, 1) RETURNING id",
              {price})
          ->i64(0);
    };
    int64_t priced = plan(3'000'000), free = plan(0);
    std::vector<int64_t> subs;
    // Before v14 a code's days were the subscriptions of a priced plan stored at price 0.
    for (const auto& [plan_id, price] :
         std::vector<std::pair<int64_t, int64_t>>{{priced, 0}, {priced, 3'000'000}, {free, 0}})
      subs.push_back(c.query_one("INSERT INTO subscriptions (user_id, plan_id, level, price, period_days, daily_value, "
                                 "allowances, started_at, ends_at, created_at) "
                                 "VALUES ($1, $2, 1, $3, 30, 0, '[]', 1, 2, 1) RETURNING id",
                                 {user, plan_id, price})
                         ->i64(0));
    return subs;
  });
  EXPECT_EQ(migrate(db()), latest_schema_version() - 13);
  auto sources = db().read_sync([&](Conn& c) {
    std::vector<std::string> out;
    for (int64_t id : ids) out.push_back(c.query_one("SELECT source FROM subscriptions WHERE id = $1", {id})->str(0));
    return out;
  });
  EXPECT_EQ(sources, (std::vector<std::string>{"code", "bought", "bought"}));
}

TEST_P(MigrationTest, UpgradingFromVersion25LeavesEveryChannelANameOfItsOwn) {
  ASSERT_EQ(migrate(db(), 25), 25);
  const std::string forty_two(42, 'x');
  const std::vector<std::string> stored = {"A", " A\xC2\xA0", "A", "\xE3\x80\x80 ", "B ", forty_two, forty_two};
  auto ids = db().write_sync([&](Conn& c) {
    std::vector<int64_t> out;
    auto add = [&](const std::string& name) {
      Channel ch;
      ch.type = "openai";
      ch.name = name;
      ch.base_url = "http://up.example/v1";
      ch.models = {{"m", ""}};
      out.push_back(channels::create(c, ch, 1));
    };
    for (const auto& name : stored) add(name);
    add("A (channel " + std::to_string(out[2]) + ")");  // the name the third "A" would get: taken
    return out;
  });
  EXPECT_EQ(migrate(db()), latest_schema_version() - 25);
  auto names = db().read_sync([&](Conn& c) {
    std::vector<std::string> out;
    for (int64_t id : ids) out.push_back(channels::find(c, id)->name);
    return out;
  });
  auto id = [&](int i) { return std::to_string(ids[i]); };
  EXPECT_EQ(names, (std::vector<std::string>{"A", "A (channel " + id(1) + ")", "channel #" + id(2), "channel " + id(3),
                                             "B", forty_two, std::string(40, 'x') + " (channel " + id(6) + ")",
                                             "A (channel " + id(2) + ")"}));
  // From now on the database itself refuses a shared name, whichever instance writes it.
  EXPECT_THROW(db().write_sync([&](Conn& c) {
    auto ch = *channels::find(c, ids[4]);
    ch.name = "A";
    channels::update(c, ch, 2);
  }),
               UniqueViolation);
}

TEST_P(MigrationTest, RefusesADatabaseNewerThanTheBinary) {
  migrate(db());
  int newer = latest_schema_version() + 1;
  db().write_sync([&](Conn& c) {
    c.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)",
           {int64_t{newer}});
  });
  try {
    migrate(db());
    FAIL() << "migrate accepted schema version " << newer;
  } catch (const DatabaseError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("newer"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(newer)), std::string::npos) << msg;
  }
  EXPECT_EQ(schema_version(db()), newer) << "the refusal changes nothing";
  EXPECT_EQ(count_users(db()), 0);
}

TEST_P(MigrationTest, InstancesStartingTogetherApplyEachMigrationOnce) {
  auto other = open_database(database().url(), 2, 1);
  int applied_here = 0, applied_there = 0;
  std::thread t([&] { applied_there = migrate(*other); });
  applied_here = migrate(db());
  t.join();
  EXPECT_EQ(applied_here + applied_there, static_cast<int>(migrations().size()));
  EXPECT_EQ(schema_version(db()), latest_schema_version());
}

TEST_P(DatabaseTest, WriteCommitsAndReturnsTheResult) {
  int64_t id = db().write_sync([](Conn& c) { return users::create(c, {"alice", {}, "h"}, 10).id; });
  EXPECT_GT(id, 0);
  auto found = db().read_sync([&](Conn& c) { return users::find(c, id); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->username, "alice");
}

TEST_P(DatabaseTest, ASnapshotDoesNotSeeWritesCommittedDuringIt) {
  auto count = [](Conn& c) { return c.query_one("SELECT COUNT(*) FROM settings")->i64(0); };
  int64_t before = db().read_sync(count);
  auto [first, second] = db().snapshot_sync([&](Conn& c) {
    int64_t a = count(c);
    db().write_sync([](Conn& w) { settings::put(w, "during-snapshot", "x", 1); });
    return std::make_pair(a, count(c));
  });
  EXPECT_EQ(first, before);
  EXPECT_EQ(second, before) << "the snapshot's second read sees what its first saw";
  EXPECT_EQ(db().read_sync(count), before + 1);
}

TEST_P(DatabaseTest, WriteRollsBackWhenTheFunctionThrows) {
  auto change_then_throw = [](Conn& c) {
    users::create(c, {"alice", {}, "h"}, 10);
    settings::put(c, "k", "v", 10);
    throw std::logic_error("changed my mind");
  };
  EXPECT_THROW(db().write_sync(change_then_throw), std::logic_error);
  EXPECT_EQ(count_users(db()), 0);
  EXPECT_EQ(db().read_sync([](Conn& c) { return settings::get(c, "k"); }), std::nullopt);
  db().write_sync([](Conn& c) { users::create(c, {"alice", {}, "h"}, 10); });
  EXPECT_EQ(count_users(db()), 1) << "the connection is usable after the rollback";
}

TEST_P(DatabaseTest, FailedStatementRollsBackAndNamesTheSql) {
  try {
    db().write_sync([](Conn& c) {
      users::create(c, {"alice", {}, "h"}, 10);
      c.exec("INSERT INTO no_such_table (x) VALUES ($1)", {int64_t{1}});
    });
    FAIL() << "bad SQL was accepted";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count_users(db()), 0);
  db().write_sync([](Conn& c) { users::create(c, {"bob", {}, "h"}, 10); });
  EXPECT_EQ(count_users(db()), 1);
}

TEST_P(DatabaseTest, DuplicateUsernameIsAUniqueViolationWhateverTheCase) {
  db().write_sync([](Conn& c) { users::create(c, {"Alice", {}, "h"}, 10); });
  for (std::string name : {"Alice", "alice", "ALICE", "aLiCe"}) {
    auto create = [&](Conn& c) { users::create(c, users::NewUser{.username = name, .password_hash = "h"}, 11); };
    EXPECT_THROW(db().write_sync(create), UniqueViolation) << name;
  }
  EXPECT_EQ(count_users(db()), 1);
  db().write_sync([](Conn& c) { users::create(c, {"alicia", {}, "h"}, 12); });
  EXPECT_EQ(count_users(db()), 2);
}

TEST_P(DatabaseTest, ValuesRoundTripExactly) {
  const std::string text = "quote ' double \" back\\slash $1 ?1 %_ 中文 😀 \n\t";
  const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
  auto row = db().write_sync([&](Conn& c) {
    c.exec_script("CREATE TABLE round_trip (n BIGINT, s TEXT)");
    c.exec("INSERT INTO round_trip (n, s) VALUES ($1, $2), ($3, $4), ($5, $6)",
           {big, text, small, std::string(), kNull, kNull});
    return c.query("SELECT n, s FROM round_trip ORDER BY n");
  });
  ASSERT_EQ(row.rows.size(), 3u);
  // NULLs sort first on SQLite and last on PostgreSQL; find each row by content instead.
  int seen = 0;
  for (const auto& r : row.rows) {
    if (r.is_null(0)) {
      EXPECT_TRUE(r.is_null(1));
      EXPECT_EQ(r.opt_i64(0), std::nullopt);
      EXPECT_EQ(r.opt_str(1), std::nullopt);
      EXPECT_THROW(r.i64(0), DatabaseError);
      ++seen;
    } else if (r.i64(0) == big) {
      EXPECT_EQ(r.str(1), text);
      ++seen;
    } else if (r.i64(0) == small) {
      EXPECT_EQ(r.opt_str(1), std::string()) << "an empty string is not NULL";
      ++seen;
    }
  }
  EXPECT_EQ(seen, 3);
}

TEST_P(DatabaseTest, DoubleParametersKeepTheirPrecision) {
  // Compared with SQL literals, so a lossy conversion on the way in cannot hide behind the same loss.
  auto matches = db().write_sync([](Conn& c) {
    c.exec_script("CREATE TABLE reals (x DOUBLE PRECISION)");
    c.exec("INSERT INTO reals (x) VALUES ($1), ($2), ($3)", {0.1, 1e-10, 123456.789012345});
    return c.query_one("SELECT COUNT(*) FROM reals WHERE x = 0.1 OR x = 1e-10 OR x = 123456.789012345")->i64(0);
  });
  EXPECT_EQ(matches, 3);
}

TEST_P(DatabaseTest, SqlLookingTextIsStoredVerbatim) {
  const std::string evil = "x'); DROP TABLE users;--";
  auto user = db().write_sync([&](Conn& c) {
    settings::put(c, evil, evil, 1);
    return users::create(c, {"mallory", evil, evil}, 1);
  });
  EXPECT_EQ(user.email, evil);
  db().read_sync([&](Conn& c) {
    EXPECT_EQ(settings::get(c, evil), evil);
    EXPECT_EQ(users::password_hash(c, user.id), evil);
    EXPECT_EQ(users::find(c, user.id)->email, evil);
  });
  EXPECT_EQ(count_users(db()), 1) << "the users table is still there";
}

TEST_P(DatabaseTest, AnIdListIsOneParameter) {
  auto ids = db().write_sync([](Conn& c) {
    std::vector<int64_t> out;
    for (const char* name : {"ann", "bob", "cat", "dan"}) out.push_back(users::create(c, {name, {}, "h"}, 1).id);
    return out;
  });
  db().read_sync([&](Conn& c) {
    auto among_ids = [&](const std::vector<int64_t>& list) {
      std::vector<std::string> names;
      for (const auto& r : c.query("SELECT username FROM users WHERE " + among(c.dialect(), "id", "$1") +
                                       " AND username <> $2 ORDER BY username",
                                   {id_array(c.dialect(), list), std::string("dan")})
                               .rows)
        names.push_back(r.str(0));
      return names;
    };
    // What this connection has prepared: PostgreSQL shows it (SQLite keeps no such table).
    auto prepared = [&] {
      return c.dialect() == Dialect::postgres ? c.query_one("SELECT COUNT(*) FROM pg_prepared_statements")->i64(0)
                                              : int64_t{0};
    };
    EXPECT_EQ(among_ids({ids[2], ids[0], ids[3], 999'999}), (std::vector<std::string>{"ann", "cat"}));
    const int64_t before = prepared();
    EXPECT_EQ(among_ids({ids[1]}), std::vector<std::string>{"bob"});
    EXPECT_TRUE(among_ids({}).empty());
    EXPECT_EQ(prepared(), before) << "one statement whatever the list (a list in the text makes one per list)";
  });
}

TEST_P(DatabaseTest, StatementsBeyondTheCacheBoundStillRun) {
  // Each text is prepared and kept per connection up to a bound; past it the cache starts again.
  // PostgreSQL shows what a connection keeps; SQLite's statements are only seen to keep running.
  db().read_sync([&](Conn& c) {
    for (int64_t i = 0; i < 1100; ++i)
      ASSERT_EQ(c.query_one("SELECT " + std::to_string(i) + " + CAST($1 AS BIGINT)", {int64_t{1}})->i64(0), i + 1);
    EXPECT_EQ(c.query_one("SELECT 5 + CAST($1 AS BIGINT)", {int64_t{2}})->i64(0), 7) << "an early text again";
    if (c.dialect() == Dialect::postgres) {
      EXPECT_LE(c.query_one("SELECT COUNT(*) FROM pg_prepared_statements")->i64(0), 1000);
    }
  });
}

TEST_P(DatabaseTest, AStatementThatChangesManyPagesInsideATransactionCommits) {
  // Inside a transaction a statement keeps the pages it changes in a statement journal (SQLite),
  // which grows past any in-memory bound here: tens of megabytes of rows, then all of them updated.
  static constexpr int64_t kRows = 5000;  // 2 KB each: 10 MB
  db().write_sync([](Conn& c) {
    c.exec("CREATE TABLE wide (id INTEGER PRIMARY KEY, body TEXT NOT NULL, n BIGINT NOT NULL)");
    c.exec(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) "
        "INSERT INTO wide (id, body, n) SELECT i, CAST($2 AS TEXT), 0 FROM s",
        {kRows, std::string(2000, 'x')});
  });
  db().write_sync([](Conn& c) {
    c.exec("SAVEPOINT first");  // a statement journal is kept for statements inside a savepoint
    c.exec("UPDATE wide SET n = n + 1, body = body || 'y'");
    c.exec("RELEASE SAVEPOINT first");
  });
  EXPECT_EQ(db().read_sync([](Conn& c) { return c.query_one("SELECT SUM(n) FROM wide")->i64(0); }), kRows);
}

// How the database would run `query`: PostgreSQL's EXPLAIN lines, SQLite's EXPLAIN QUERY PLAN details.
// PostgreSQL is told not to scan whole tables: a test's tables are small enough that it would.
std::string query_plan(Database& db, const std::string& query, const std::vector<Value>& params) {
  return db.write_sync([&](Conn& c) {
    std::string out;
    if (c.dialect() == Dialect::postgres) {
      c.exec("SET LOCAL enable_seqscan = off");
      for (const auto& r : c.query("EXPLAIN " + query, params).rows) out += r.str(0) + "\n";
    } else {
      for (const auto& r : c.query("EXPLAIN QUERY PLAN " + query, params).rows) out += r.str(3) + "\n";
    }
    return out;
  });
}

TEST_P(DatabaseTest, AnAppsUsageIsFoundThroughTheAppIndexThatModelCallsStayOutOf) {
  // The index on (app_id, day) holds app calls only; a query for one app's calls must still use it.
  auto plan = query_plan(db(), "SELECT COUNT(DISTINCT user_id) FROM usage_events WHERE app_id = $1 AND status = 'ok'",
                         {int64_t{7}});
  EXPECT_NE(plan.find("usage_events_app_day"), std::string::npos) << plan;
  auto partial = db().read_sync([](Conn& c) { return index_definition(c, "usage_events_app_day"); });
  EXPECT_NE(partial.find("IS NOT NULL"), std::string::npos) << partial;
}

// A wallet operation's request id: filed once, then a retry of the same operation or another use,
// which the caller (the wallet service) tells apart; the store throws nothing.
TEST_P(DatabaseTest, AWalletRequestIdIsFiledWithItsOperation) {
  using wallet_ops::Claim;
  db().write_sync([](Conn& c) {
    EXPECT_EQ(wallet_ops::claim(c, "u1:r", "buy pack 1", 10), Claim::claimed);
    EXPECT_EQ(wallet_ops::claim(c, "u1:r", "buy pack 1", 11), Claim::same_operation);
    EXPECT_EQ(wallet_ops::claim(c, "u1:r", "buy pack 2", 12), Claim::different_operation);
    EXPECT_EQ(wallet_ops::claim(c, "u2:r", "buy pack 2", 13), Claim::claimed) << "another user's id";
  });
}

// The renewal job's one look-up per batch: the plans off sale.
TEST_P(DatabaseTest, ThePlansOffSaleAreListedById) {
  db().write_sync([](Conn& c) {
    Plan on{0, "On", 1, 30, 1, {}, true};
    Plan off{0, "Off", 2, 30, 1, {}, false};
    plans::create(c, on, 1);
    int64_t off_id = plans::create(c, off, 1);
    EXPECT_EQ(plans::off_sale_ids(c), std::set<int64_t>{off_id});
  });
}

TEST_P(DatabaseTest, AUsersUsagePageIsReadFromTheirIndexWithoutSorting) {
  // A page of a user's usage, newest first below an id, reads one page of the (user_id, id) index
  // instead of all of the user's events sorted.
  const std::string query =
      "SELECT id FROM usage_events WHERE id < $1 AND user_id = $2 AND status = $3 ORDER BY id DESC LIMIT $4";
  auto plan = query_plan(db(), query, {int64_t{1'000'000}, int64_t{7}, std::string("error"), int64_t{50}});
  EXPECT_NE(plan.find("usage_events_user_id"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
}

TEST_P(DatabaseTest, AUsersDailySpendIsReadFromTheirIndex) {
  // One user's spend chart reads that user's days, not every user's events of those days.
  db().write_sync([](Conn& c) {
    UsageEvent e;
    e.day = "2026-11-28";
    e.surface = "api";
    e.model = "m";
    e.status = "ok";
    e.cost = 5;
    for (int64_t user : {7, 7, 8}) {
      e.request_id = "r" + std::to_string(user) + "-" + std::to_string(e.created_at++);
      e.user_id = user;
      usage::insert(c, e);
    }
  });
  auto spend = db().read_sync([](Conn& c) { return reports::daily_spend(c, 7, "2026-11-01", "2026-11-30"); });
  ASSERT_EQ(spend.size(), 1u);
  EXPECT_EQ(spend[0].calls, 2);
  EXPECT_EQ(spend[0].cost, 10);
  auto everyone = db().read_sync([](Conn& c) { return reports::daily_spend(c, 0, "2026-11-01", "2026-11-30"); });
  ASSERT_EQ(everyone.size(), 1u);
  EXPECT_EQ(everyone[0].calls, 3);
  auto plan = query_plan(db(), reports::daily_spend_sql(true),
                         {std::string("2026-11-01"), std::string("2026-11-30"), int64_t{7}});
  EXPECT_NE(plan.find("usage_events_user_day"), std::string::npos) << plan;
}

TEST_P(DatabaseTest, TheMinuteJobsReadThroughTheirIndexes) {
  // The hold reaper and the renewal job run every minute on each instance; neither may read the
  // history (every hold, every subscription ever sold) to find the few that are due.
  auto reaper = query_plan(db(), ledger::kExpiredHoldsSql, {int64_t{1'000}, int64_t{100}});
  EXPECT_NE(reaper.find("holds_pending"), std::string::npos) << reaper;
  EXPECT_EQ(reaper.find("TEMP B-TREE"), std::string::npos) << reaper;
  EXPECT_EQ(reaper.find("Sort"), std::string::npos) << reaper;
  auto renewals = query_plan(db(), subscriptions::due_for_renewal_sql(false), {int64_t{1'000}, int64_t{100}});
  EXPECT_NE(renewals.find("subscriptions_renewal"), std::string::npos) << renewals;
}

TEST_P(DatabaseTest, TheRequestLogFilteredByAnAppReadsItsWindowByIdNotTheAppsCalls) {
  reports::UsageFilter f;
  f.app_id = 7;
  f.from_id = 900'000;
  auto [sql, params] = reports::usage_query(0, f, 50, 1'000'000);
  auto plan = query_plan(db(), sql, params);
  EXPECT_EQ(plan.find("usage_events_app_day"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
}

TEST_P(DatabaseTest, ACreatorsFrozenEarningsAreSummedFromThePendingOnes) {
  auto plan = query_plan(db(), earnings::frozen_sql(), {int64_t{7}});
  EXPECT_NE(plan.find("earnings_owner_pending"), std::string::npos) << plan;
}

TEST_P(DatabaseTest, TheRequestLogsWindowForOneUserIsFoundInTheirIndexWithoutSorting) {
  auto plan = query_plan(db(), reports::kUsageIdBackSql, {int64_t{7}, int64_t{1'000'000}, int64_t{99'999}});
  EXPECT_NE(plan.find("usage_events_user_id"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
  // And it counts back from `before`: the n-th newest below it, or 0 when there are fewer.
  int64_t user = db().write_sync([](Conn& c) {
    int64_t u = users::create(c, {"counted", {}, "h"}, 1).id;
    for (int i = 0; i < 5; ++i)
      c.exec(
          "INSERT INTO usage_events (request_id, created_at, day, user_id, surface, model, status) "
          "VALUES ($1, 1, '2026-11-28', $2, 'api', 'm', 'ok')",
          {"back-" + std::to_string(i), u});
    return u;
  });
  db().read_sync([&](Conn& c) {
    auto ids = c.query("SELECT id FROM usage_events WHERE user_id = $1 ORDER BY id", {user});
    ASSERT_EQ(ids.rows.size(), 5u);
    EXPECT_EQ(reports::usage_id_back(c, user, ids.rows[4].i64(0), 2), ids.rows[2].i64(0));
    EXPECT_EQ(reports::usage_id_back(c, user, INT64_MAX, 5), ids.rows[0].i64(0));
    EXPECT_EQ(reports::usage_id_back(c, user, INT64_MAX, 6), 0);
  });
}

TEST_P(DatabaseTest, ACreatorsAppCallsAreCountedFromTheRollUpOfTheirOwnApps) {
  // One row per user and day of the creator's apps, through the index by app: not one per call, and
  // not every app's days of the period.
  auto plan = query_plan(db(), earnings::app_calls_sql(), {int64_t{7}, std::string("2026-11-01")});
  EXPECT_NE(plan.find("app_user_days_app"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("usage_events"), std::string::npos) << plan;
}

TEST_P(DatabaseTest, AWalletsTransactionsAreReadWithoutTheCreatorsEarningsTransfers) {
  auto plan = query_plan(db(), ledger::kWalletTransfersSql,
                         {int64_t{7}, int64_t{1'000'000}, int64_t{50}, std::string("paid"), std::string("gift")});
  EXPECT_NE(plan.find("ledger_transfers_wallet"), std::string::npos) << plan;
}

TEST_P(DatabaseTest, AConversationsAnswerLeaseIsOneRequestsUntilGivenBackOrRunOut) {
  int64_t id = db().write_sync([](Conn& c) {
    int64_t user = users::create(c, {"talker", {}, "h"}, 1).id;
    return conversations::create(c, user, "t", "m", 1).id;
  });
  auto run = [&](auto f) { return db().write_sync([&](Conn& c) { return f(c); }); };
  using namespace conversations;
  EXPECT_TRUE(run([&](Conn& c) { return claim_answer(c, id, "first", 160, 100); }));
  EXPECT_FALSE(run([&](Conn& c) { return claim_answer(c, id, "second", 170, 110); })) << "held";
  EXPECT_TRUE(run([&](Conn& c) { return renew_answer(c, id, "first", 200); }));
  EXPECT_FALSE(run([&](Conn& c) { return claim_answer(c, id, "second", 230, 170); })) << "renewed";
  EXPECT_FALSE(run([&](Conn& c) { return release_answer(c, id, "second"); })) << "not its lease";
  EXPECT_TRUE(run([&](Conn& c) { return release_answer(c, id, "first"); }));
  EXPECT_TRUE(run([&](Conn& c) { return claim_answer(c, id, "second", 230, 170); })) << "given back";
  // Its holder died: the lease runs out, and a late renewal or release by it changes nothing.
  EXPECT_TRUE(run([&](Conn& c) { return claim_answer(c, id, "third", 290, 230); })) << "run out";
  EXPECT_FALSE(run([&](Conn& c) { return renew_answer(c, id, "second", 300); }));
  EXPECT_FALSE(run([&](Conn& c) { return release_answer(c, id, "second"); }));
  EXPECT_FALSE(run([&](Conn& c) { return claim_answer(c, id, "fourth", 300, 289); })) << "the third's";
}

TEST_P(DatabaseTest, AUsersConversationsArePagedMostRecentFirstAndSearchedByTitle) {
  auto [user, other] = db().write_sync([](Conn& c) {
    int64_t u = users::create(c, {"pager", {}, "h"}, 1).id, o = users::create(c, {"nosy", {}, "h"}, 1).id;
    // Two share an updated_at, so the id breaks the tie; the titles hold LIKE's own characters.
    const std::vector<std::pair<std::string, int64_t>> made{
        {"Recipes", 10}, {"100% sure_thing", 20}, {"Trip to 北京", 20}, {"recipe ideas", 30}, {"back\\slash", 40}};
    for (const auto& [title, at] : made) conversations::create(c, u, title, "m", at);
    conversations::create(c, o, "Recipes of another", "m", 50);
    return std::make_pair(u, o);
  });
  auto titles = [](const std::vector<Conversation>& list) {
    std::vector<std::string> out;
    for (const auto& c : list) out.push_back(c.title);
    return out;
  };
  auto page = [&](int64_t limit, std::optional<ConversationCursor> after, std::string part = "") {
    return db().read_sync([&](Conn& c) { return conversations::list(c, user, limit, after, part); });
  };
  auto first = page(2, std::nullopt);
  EXPECT_EQ(titles(first), (std::vector<std::string>{"back\\slash", "recipe ideas"}));
  auto second = page(2, ConversationCursor{first.back().updated_at, first.back().id});
  EXPECT_EQ(titles(second), (std::vector<std::string>{"Trip to 北京", "100% sure_thing"})) << "a tie goes by id";
  auto third = page(2, ConversationCursor{second.back().updated_at, second.back().id});
  EXPECT_EQ(titles(third), (std::vector<std::string>{"Recipes"}));
  EXPECT_TRUE(page(2, ConversationCursor{third.back().updated_at, third.back().id}).empty());

  EXPECT_EQ(titles(page(10, std::nullopt, "RECIPE")), (std::vector<std::string>{"recipe ideas", "Recipes"}))
      << "any case, the user's own only";
  EXPECT_EQ(titles(page(10, std::nullopt, "北京")), (std::vector<std::string>{"Trip to 北京"}));
  EXPECT_EQ(titles(page(10, std::nullopt, "0%")), (std::vector<std::string>{"100% sure_thing"}));
  EXPECT_TRUE(page(10, std::nullopt, "e_i").empty()) << "_ is a character, not a wildcard";
  EXPECT_EQ(titles(page(10, std::nullopt, "k\\s")), (std::vector<std::string>{"back\\slash"}));
  EXPECT_EQ(titles(page(1, ConversationCursor{30, first.back().id}, "recipe")), (std::vector<std::string>{"Recipes"}))
      << "a search is paged too";
  EXPECT_EQ(db().read_sync([&](Conn& c) { return conversations::list(c, other, 10).size(); }), 1u);
}

TEST_P(DatabaseTest, ReadersSeeCommittedWrites) {
  for (int i = 0; i < 10; ++i) {
    db().write_sync([&](Conn& c) { settings::put(c, "n", std::to_string(i), i); });
    EXPECT_EQ(db().read_sync([](Conn& c) { return settings::get(c, "n"); }), std::to_string(i));
  }
}

TEST_P(DatabaseTest, ConcurrentWritersAllCommit) {
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i)
        db().write_sync([&](Conn& c) { settings::put(c, std::to_string(t) + ":" + std::to_string(i), "v", 1); });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(db().read_sync([](Conn& c) { return c.query_one("SELECT COUNT(*) FROM settings")->i64(0); }),
            kThreads * kEach);
  EXPECT_EQ(db().stats().in_use, 0) << "every connection went back to the pool";
}

TEST(OpenDatabase, RefusesUnknownSchemesAndUnreachableServers) {
  EXPECT_THROW(open_database("mysql://localhost/x", 1, 1), DatabaseError);
  EXPECT_THROW(open_database("plaza.db", 1, 1), DatabaseError);
  try {
    open_database("postgresql://plaza@127.0.0.1:1/none?connect_timeout=5", 1, 1);
    FAIL() << "connected to a closed port";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("PostgreSQL"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace plaza::store
