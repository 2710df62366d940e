// The square's search on both backends, against the same query written plainly: a rare phrase
// (its matches collected and sorted) and a common one (SQLite walks the sort order instead once the
// phrase matches the capped count), with and without a filter, first and late pages.
#include "store/apps_repo.hpp"

#include <gtest/gtest.h>

#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::store {
namespace {

constexpr int kApps = 1500;  // two in three say "common phrase": 1,000 matches, the capped count

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
        if (c.dialect() == Dialect::sqlite)
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
  apps::Page search(const std::string& q, const std::string& category, int64_t offset) {
    return db().read_sync([&](Conn& c) {
      apps::Filter f;
      f.q = q;
      f.category = category;
      f.offset = offset;
      return apps::search(c, f);
    });
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

}  // namespace
}  // namespace plaza::store
