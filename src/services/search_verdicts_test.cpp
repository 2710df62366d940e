#include "services/search_verdicts.hpp"

#include <gtest/gtest.h>

namespace plaza::services {
namespace {

store::apps::Filter filter(const std::string& q, const std::string& tag = "", const std::string& category = "") {
  store::apps::Filter f;
  f.q = q;
  f.tag = tag;
  f.category = category;
  return f;
}

TEST(SearchVerdicts, AreKeptForAMinuteAndForgottenWhenTheClockGoesBack) {
  SearchVerdicts v;
  const auto key = SearchVerdicts::key(filter("翻译"));
  EXPECT_EQ(v.find(key, 1000), std::nullopt);
  v.remember(key, true, 1000);
  EXPECT_EQ(v.find(key, 1000), true);
  EXPECT_EQ(v.find(key, 1000 + SearchVerdicts::kKeepSeconds - 1), true);
  EXPECT_EQ(v.find(key, 1000 + SearchVerdicts::kKeepSeconds), std::nullopt);
  EXPECT_EQ(v.find(key, 999), std::nullopt) << "a clock set back";
  v.remember(key, false, 2000);
  EXPECT_EQ(v.find(key, 2000), false);
}

TEST(SearchVerdicts, TellSearchesApartByWordsAndFiltersButNotByCase) {
  EXPECT_EQ(SearchVerdicts::key(filter("Plan A Trip")), SearchVerdicts::key(filter("plan a trip")));
  EXPECT_NE(SearchVerdicts::key(filter("plan", "t7")), SearchVerdicts::key(filter("plan", "", "t7")));
  EXPECT_NE(SearchVerdicts::key(filter("plan")), SearchVerdicts::key(filter("plan", "t7")));
  auto owned = filter("");
  owned.owner_id = 7;
  EXPECT_NE(SearchVerdicts::key(owned), SearchVerdicts::key(filter("")));
}

TEST(SearchVerdicts, HoldAtMostTheirBound) {
  SearchVerdicts v;
  for (std::size_t i = 0; i < SearchVerdicts::kMaxSearches; ++i) v.remember("w" + std::to_string(i), true, 1);
  EXPECT_EQ(v.find("w0", 1), true);
  v.remember("one more", true, 1);  // past the bound: starts again
  EXPECT_EQ(v.find("w0", 1), std::nullopt);
  EXPECT_EQ(v.find("one more", 1), true);
}

}  // namespace
}  // namespace plaza::services
