// The square's search on both backends, against the same query written plainly: a rare phrase
// (its matches collected and sorted) and a common one (the page walks the sort order instead once the
// phrase matches the capped count), with and without a filter, first and late pages.
#include "store/apps_repo.hpp"

#include <gtest/gtest.h>
#include <thread>

#include <tuple>

#include "store/relay_repo.hpp"
#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::store {
namespace {

constexpr int kApps = 1500;  // two in three say "common phrase": 1,000 matches, the capped count

// A call as the relay records it: of an app, or of a model when `app_id` is empty.
UsageEvent call_event(std::string request_id, int64_t user, std::optional<int64_t> app_id, std::string day,
                      std::string status = "ok") {
  UsageEvent e;
  e.request_id = std::move(request_id);
  e.created_at = 1;
  e.day = std::move(day);
  e.user_id = user;
  e.surface = "api";
  e.model = "m";
  e.status = std::move(status);
  e.app_id = app_id;
  return e;
}

class AppSearchTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    db().write_sync([](Conn& c) {
      auto owner = users::create(c, {"maker", {}, "h"}, 1);
      for (int i = 1; i <= kApps; ++i) {
        std::string text = i % 3 ? "a helper with a common phrase, 翻译, number " + std::to_string(i)
                                 : "something else " + std::to_string(i);
        if (i == 3 || i == 300 || i == 1200) text += ", a rare thing, 绘画";
        auto row = c.query_one(
            "INSERT INTO apps (slug, owner_id, status, listed, search_text, category, trending, created_at, "
            "updated_at, published_at) VALUES ($1, $2, 'published', 1, $3, $4, $5, 1, 1, $6) RETURNING id",
            {"app-" + std::to_string(i), owner.id, text, std::string(i % 2 ? "odd" : "even"),
             int64_t{(i * 7919) % 1000}, int64_t{i}});
        if (c.dialect() == Dialect::sqlite)  // on PostgreSQL a trigger does this
          c.exec("INSERT INTO apps_search (rowid, search_text) VALUES ($1, $2)", {row->i64(0), text});
      }
    });
  }

  // The same question asked plainly: every match, sorted.
  std::vector<int64_t> expected(const std::string& words, const std::string& category, int64_t offset, int64_t limit) {
    return db().read_sync([&](Conn& c) {
      std::vector<int64_t> ids;
      for (const auto& r : c.query("SELECT id FROM apps WHERE listed = 1 AND search_text LIKE $1 AND "
                                   "($2 = '' OR category = $2) ORDER BY trending DESC, id DESC LIMIT $3 OFFSET $4",
                                   {"%" + words + "%", category, limit, offset})
                               .rows)
        ids.push_back(r.i64(0));
      return ids;
    });
  }
  int64_t matches(const std::string& words, const std::string& category) {
    return static_cast<int64_t>(expected(words, category, 0, kApps).size());
  }
  apps::Page search(const apps::Filter& f) {
    return db().read_sync([&](Conn& c) { return apps::search(c, f); });
  }
  apps::Page search(const std::string& q, const std::string& category, int64_t offset,
                    const std::string& sort = "trending", std::optional<int64_t> owner = std::nullopt,
                    std::optional<bool> many_matches = std::nullopt) {
    apps::Filter f;
    f.q = q;
    f.category = category;
    f.offset = offset;
    f.sort = sort;
    f.owner_id = owner;
    f.many_matches = many_matches;
    return search(f);
  }
};
PLAZA_INSTANTIATE_FOR_BACKENDS(AppSearchTest);

TEST_P(AppSearchTest, ARarePhraseIsFoundExactlyAndInOrder) {
  auto page = search("Rare Thing", "", 0);
  EXPECT_EQ(page.ids, expected("rare thing", "", 0, 24));
  EXPECT_EQ(page.ids.size(), 3u);
  EXPECT_EQ(page.total, 3);
}

TEST_P(AppSearchTest, ACommonPhrasePagesInSortOrderWithTheCappedCount) {
  ASSERT_EQ(matches("common phrase", ""), 1000);
  for (int64_t offset : {0, 24, 960, 990}) {
    auto page = search("common phrase", "", offset);
    EXPECT_EQ(page.ids, expected("common phrase", "", offset, 24)) << "offset " << offset;
    EXPECT_EQ(page.total, 1000);
  }
}

TEST_P(AppSearchTest, TwoChineseCharactersAreFoundRareOrCommon) {
  auto rare = search("绘画", "", 0);
  EXPECT_EQ(rare.ids, expected("绘画", "", 0, 24));
  EXPECT_EQ(rare.total, 3);
  for (int64_t offset : {0, 976}) {
    auto page = search("翻译", "", offset);
    EXPECT_EQ(page.ids, expected("翻译", "", offset, 24)) << "offset " << offset;
    EXPECT_EQ(page.total, 1000);
  }
  auto filtered = search("翻译", "even", 0);
  EXPECT_EQ(filtered.ids, expected("翻译", "even", 0, 24));
  EXPECT_EQ(filtered.total, matches("翻译", "even"));
}

TEST_P(AppSearchTest, ACommonPhraseWithAFilterCountsWhatTheFilterLeaves) {
  auto page = search("common phrase", "odd", 0);
  EXPECT_EQ(page.ids, expected("common phrase", "odd", 0, 24));
  EXPECT_EQ(page.total, matches("common phrase", "odd"));
  EXPECT_LT(page.total, 1000);
}

TEST_P(AppSearchTest, AVerdictFromAnEarlierSearchPicksTheWayNotThePages) {
  int64_t owner = db().read_sync([](Conn& c) { return c.query_one("SELECT MIN(owner_id) FROM apps")->i64(0); });
  EXPECT_EQ(search("common phrase", "", 0).many_matches, true);
  EXPECT_EQ(search("rare thing", "", 0).many_matches, false);
  EXPECT_EQ(search("", "odd", 0).many_matches, false);
  EXPECT_EQ(search("", "", 0, "newest", owner).many_matches, true);
  EXPECT_EQ(search("", "", 0).many_matches, std::nullopt) << "nothing narrows the list";
  auto with_verdict = [&](const std::string& q, const std::string& category, bool many, int64_t offset) {
    return search(q, category, offset, "trending", std::nullopt, many);
  };
  for (int64_t offset : {0, 980}) {  // taken as few: collected (exactly the cap)
    auto page = with_verdict("common phrase", "", false, offset);
    EXPECT_EQ(page.ids, expected("common phrase", "", offset, 24)) << offset;
    EXPECT_EQ(page.total, 1000);
    EXPECT_EQ(page.many_matches, true) << "found out";
  }
  ASSERT_EQ(matches("e", ""), kApps) << "in every app's text";
  for (int64_t offset : {0, 1300}) {  // taken as few: collected past the cap, then walked
    auto page = with_verdict("e", "", false, offset);
    EXPECT_EQ(page.ids, expected("e", "", offset, 24)) << offset;
    EXPECT_EQ(page.total, 1000);
    EXPECT_EQ(page.many_matches, true) << "found out";
  }
  auto rare = with_verdict("rare thing", "", true, 0);  // taken as many: walked
  EXPECT_EQ(rare.ids, expected("rare thing", "", 0, 24));
  EXPECT_EQ(rare.total, 1000) << "a stale verdict says the cap until forgotten";
  for (int64_t offset : {0, 740}) {
    auto filtered = with_verdict("", "odd", true, offset);
    EXPECT_EQ(filtered.ids, expected("", "odd", offset, 24)) << offset;
    EXPECT_EQ(filtered.total, 1000) << "taken as many: the cap";
    auto both = with_verdict("翻译", "even", true, offset);
    EXPECT_EQ(both.ids, expected("翻译", "even", offset, 24)) << offset;
  }
}

TEST_P(AppSearchTest, NonAsciiCapitalsAreMatchedTheSameWhicheverWayAPageIsRead) {
  db().write_sync([](Conn& c) {
    auto owner = c.query_one("SELECT MIN(owner_id) FROM apps")->i64(0);
    for (const char* text : {"über alles", "Über alles"}) {
      auto row = c.query_one(
          "INSERT INTO apps (slug, owner_id, status, listed, search_text, created_at, updated_at, published_at) "
          "VALUES ($1, $2, 'published', 1, $3, 1, 1, 1) RETURNING id",
          {std::string("u-") + text, owner, std::string(text)});
      if (c.dialect() == Dialect::sqlite)
        c.exec("INSERT INTO apps_search (rowid, search_text) VALUES ($1, $2)", {row->i64(0), std::string(text)});
    }
  });
  auto rare = search("über", "", 0);
  EXPECT_EQ(rare.ids, expected("über", "", 0, 24));
  EXPECT_EQ(rare.ids.size(), 1u);
  EXPECT_EQ(search("über", "", 0, "trending", std::nullopt, /*many_matches=*/true).ids, rare.ids);
}

TEST_P(AppSearchTest, AFilterAloneIsSortedInEitherOrderAndCounted) {
  // 750 in a category: collected and sorted in memory. All 1,500 of one owner: past the cap, walked.
  auto plain = [&](const std::string& where, const std::string& order, int64_t offset) {
    return db().read_sync([&](Conn& c) {
      std::vector<int64_t> ids;
      for (const auto& r : c.query("SELECT id FROM apps WHERE listed = 1 AND " + where + " ORDER BY " + order +
                                       " DESC, id DESC LIMIT 24 OFFSET $1",
                                   {offset})
                               .rows)
        ids.push_back(r.i64(0));
      return ids;
    });
  };
  int64_t owner = db().read_sync([](Conn& c) { return c.query_one("SELECT MIN(owner_id) FROM apps")->i64(0); });
  for (int64_t offset : {0, 24, 740}) {
    auto by_trend = search("", "odd", offset);
    EXPECT_EQ(by_trend.ids, plain("category = 'odd'", "trending", offset)) << offset;
    EXPECT_EQ(by_trend.total, 750);
    auto newest = search("", "odd", offset, "newest");
    EXPECT_EQ(newest.ids, plain("category = 'odd'", "published_at", offset)) << offset;
    auto owned = search("", "", offset, "newest", owner);
    EXPECT_EQ(owned.ids, plain("owner_id = " + std::to_string(owner), "published_at", offset)) << offset;
    EXPECT_EQ(owned.total, 1000) << "counted up to the cap";
  }
  EXPECT_TRUE(search("", "odd", 750).ids.empty());
  EXPECT_EQ(search("", "odd", 750).total, 750) << "past the last page the total still says how many";
}

TEST_P(AppSearchTest, StatsFollowTheUsageEventsAndFallBackWhenTheyAge) {
  auto stats = [&](int64_t id) {
    return db().read_sync([&](Conn& c) {
      auto r = c.query_one("SELECT trending, uses, users FROM apps WHERE id = $1", {id});
      return std::vector<int64_t>{r->i64(0), r->i64(1), r->i64(2)};
    });
  };
  auto [first, second] = db().write_sync([](Conn& c) {
    auto ids = c.query("SELECT id FROM apps ORDER BY id LIMIT 2").rows;
    int n = 0;
    for (const auto& [app, user, day] :
         std::vector<std::tuple<int64_t, int64_t, std::string>>{{ids[0].i64(0), 1, "2026-11-27"},
                                                                {ids[0].i64(0), 1, "2026-11-27"},
                                                                {ids[0].i64(0), 2, "2026-11-26"},
                                                                {ids[1].i64(0), 1, "2026-11-20"}}) {
      usage::insert(c, call_event("r" + std::to_string(++n), user, app, day));
    }
    return std::pair{ids[0].i64(0), ids[1].i64(0)};
  });
  // As the job runs it: read on a reader connection, then the changes written.
  auto refresh = [&](const std::vector<std::string>& last_days) {
    auto read = db().read_sync([&](Conn& c) { return apps::read_usage_stats(c, last_days); });
    db().write_sync([&](Conn& c) { apps::write_usage_stats(c, read); });
  };
  refresh({"2026-11-27", "2026-11-26"});
  EXPECT_EQ(stats(first), (std::vector<int64_t>{1000 + 500, 3, 2})) << "one user each day, the older day half";
  EXPECT_EQ(stats(second), (std::vector<int64_t>{0, 1, 1})) << "used, but not lately";
  refresh({"2026-11-29", "2026-11-28"});
  EXPECT_EQ(stats(first), (std::vector<int64_t>{0, 3, 2})) << "no longer trending";
  db().write_sync([](Conn& c) { c.exec_script("DELETE FROM app_user_days; DELETE FROM app_users"); });
  refresh({"2026-11-29"});
  EXPECT_EQ(stats(first), (std::vector<int64_t>{0, 0, 0})) << "nothing counted any more";
}

// The square's numbers come from the roll-up that usage::insert keeps (PostgreSQL's trigger, or its
// own statements on SQLite): only successful calls of an app, each once.
TEST_P(AppSearchTest, OnlyAnAppsSuccessfulCallsCountEachOnce) {
  auto [app, unlisted, alice, bob] = db().write_sync([](Conn& c) {
    auto ids = c.query("SELECT id FROM apps ORDER BY id LIMIT 2").rows;
    c.exec("UPDATE apps SET listed = 0 WHERE id = $1", {ids[1].i64(0)});
    return std::tuple{ids[0].i64(0), ids[1].i64(0), users::create(c, {"alice", {}, "h"}, 1).id,
                      users::create(c, {"bob", {}, "h"}, 1).id};
  });
  int n = 0;
  auto call = [&](int64_t user, std::optional<int64_t> app_id, const std::string& day, const std::string& status,
                  std::string request_id = "") {
    auto e = call_event(request_id.empty() ? "call-" + std::to_string(++n) : request_id, user, app_id, day, status);
    return db().write_sync([&](Conn& c) { return usage::insert(c, e); });
  };
  ASSERT_TRUE(call(alice, app, "2026-11-20", "ok", "once"));
  EXPECT_FALSE(call(alice, app, "2026-11-20", "ok", "once")) << "a settlement retried";
  call(alice, app, "2026-11-28", "ok");
  call(bob, app, "2026-11-28", "error");
  call(bob, app, "2026-11-28", "cancelled");
  call(bob, std::nullopt, "2026-11-28", "ok");  // a model, not an app
  call(bob, unlisted, "2026-11-28", "ok");
  call(bob, unlisted, "2026-11-28", "ok");
  db().read_sync([&](Conn& c) {
    EXPECT_TRUE(apps::has_used(c, app, alice));
    EXPECT_FALSE(apps::has_used(c, app, bob)) << "his calls failed";
    EXPECT_TRUE(apps::has_used(c, unlisted, bob));
    EXPECT_EQ(apps::distinct_users(c, app), 1);
    EXPECT_EQ(apps::distinct_users(c, unlisted, 0, 0), 1) << "past the bound and no stats yet: at least what was read";
    EXPECT_EQ(apps::distinct_users(c, unlisted, 40, 0), 40) << "past the bound: the stats job's count";
    EXPECT_EQ(apps::distinct_users(c, unlisted, 40, 1), 1) << "within the bound: counted now";
    auto boards = [](const std::vector<apps::Board>& rows) {
      std::vector<std::vector<int64_t>> out;
      for (const auto& b : rows) out.push_back({b.app_id, b.users, b.uses});
      return out;
    };
    EXPECT_EQ(boards(apps::leaderboard(c, std::string(apps::kAllTime), 10)),
              (std::vector<std::vector<int64_t>>{{app, 1, 2}}))
        << "the unlisted app has no place";
    EXPECT_EQ(boards(apps::leaderboard(c, "2026-11-21", 10)), (std::vector<std::vector<int64_t>>{{app, 1, 1}}));
    EXPECT_TRUE(apps::leaderboard(c, "2026-11-29", 10).empty());
    auto stats = apps::read_usage_stats(c, {"2026-11-28"});
    EXPECT_EQ(stats.uses_users[app], (std::pair<int64_t, int64_t>{2, 1}));
    EXPECT_EQ(stats.uses_users[unlisted], (std::pair<int64_t, int64_t>{2, 1}));
    EXPECT_EQ(stats.trending[app], 1000);
  });
}

TEST_P(AppSearchTest, TheRollUpRebuiltFromTheUsageEventsIsTheOneKeptAsTheyWereWritten) {
  auto [app, other, alice, bob] = db().write_sync([](Conn& c) {
    auto ids = c.query("SELECT id FROM apps ORDER BY id LIMIT 2").rows;
    return std::tuple{ids[0].i64(0), ids[1].i64(0), users::create(c, {"alice", {}, "h"}, 1).id,
                      users::create(c, {"bob", {}, "h"}, 1).id};
  });
  int n = 0;
  auto call = [&](int64_t user, int64_t app_id, const std::string& day, const std::string& status, int64_t paid) {
    auto e = call_event("call-" + std::to_string(++n), user, app_id, day, status);
    e.paid_uc = paid;
    db().write_sync([&](Conn& c) { usage::insert(c, e); });
  };
  call(alice, app, "2026-11-20", "ok", 0);
  call(alice, app, "2026-11-20", "ok", 500);
  call(alice, app, "2026-11-21", "ok", 0);
  call(bob, app, "2026-11-21", "error", 500);
  call(bob, other, "2026-11-21", "ok", 700);
  auto rollup = [&] {
    return db().read_sync([](Conn& c) {
      std::vector<std::string> out;
      for (const auto& r :
           c.query("SELECT day, app_id, user_id, calls, paying_calls FROM app_user_days ORDER BY day, app_id, user_id")
               .rows)
        out.push_back(r.str(0) + " " + std::to_string(r.i64(1)) + " " + std::to_string(r.i64(2)) + " " +
                      std::to_string(r.i64(3)) + " " + std::to_string(r.i64(4)));
      for (const auto& r : c.query("SELECT app_id, user_id, calls FROM app_users ORDER BY app_id, user_id").rows)
        out.push_back(std::to_string(r.i64(0)) + " " + std::to_string(r.i64(1)) + " " + std::to_string(r.i64(2)));
      return out;
    });
  };
  auto kept = rollup();
  ASSERT_EQ(kept.size(), 3u + 2u);
  // Calls written without the roll-up (an older server on a migrated SQLite file), and a row lost.
  db().write_sync([&](Conn& c) {
    c.exec("DELETE FROM app_user_days WHERE user_id = $1", {bob});
    c.exec("UPDATE app_users SET calls = 1 WHERE user_id = $1", {alice});
  });
  ASSERT_NE(rollup(), kept);
  EXPECT_EQ(db().write_sync([](Conn& c) { return apps::rebuild_rollup(c); }), 3);
  EXPECT_EQ(rollup(), kept);
}

TEST_P(AppSearchTest, OneUsersRatingsSentAtOnceCountOnce) {
  auto [app_id, rater] = db().write_sync([](Conn& c) {
    return std::pair{c.query_one("SELECT id FROM apps WHERE slug = 'app-1'")->i64(0),
                     users::create(c, {"rater", {}, "h"}, 1).id};
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] { db().write_sync([&](Conn& c) { apps::rate(c, app_id, rater, 4 + t % 2, 1); }); });
  for (auto& t : threads) t.join();
  auto [count, sum, stars] = db().read_sync([&](Conn& c) {
    auto r = c.query_one(
        "SELECT a.rating_count, a.rating_sum, r.stars FROM apps a JOIN app_ratings r ON r.app_id = a.id WHERE a.id = "
        "$1",
        {app_id});
    return std::tuple{r->i64(0), r->i64(1), r->i64(2)};
  });
  EXPECT_EQ(count, 1) << "one user, one rating";
  EXPECT_EQ(sum, stars);
}

}  // namespace
}  // namespace plaza::store
