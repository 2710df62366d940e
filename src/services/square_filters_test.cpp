#include "services/square_filters.hpp"

#include <gtest/gtest.h>

namespace plaza::services {
namespace {

SquareFilters with_category(const std::string& name, int64_t count) {
  SquareFilters f;
  f.categories.push_back({name, count});
  return f;
}

TEST(SquareFiltersCache, KeepsWhatWasReadForAMinuteUnlessTheClockGoesBack) {
  SquareFiltersCache cache;
  uint64_t generation = 0;
  EXPECT_FALSE(cache.find(1000, generation));
  cache.keep(with_category("writing", 3), 1000, generation);
  auto kept = cache.find(1000 + SquareFiltersCache::kKeepSeconds - 1, generation);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->categories.at(0).name, "writing");
  EXPECT_EQ(kept->categories.at(0).count, 3);
  EXPECT_FALSE(cache.find(1000 + SquareFiltersCache::kKeepSeconds, generation)) << "a minute old";
  EXPECT_FALSE(cache.find(999, generation)) << "a clock set back";
}

TEST(SquareFiltersCache, ForgetsOnAListingChangeAndRefusesAReadThatStartedBeforeIt) {
  SquareFiltersCache cache;
  uint64_t generation = 0;
  EXPECT_FALSE(cache.find(1000, generation));
  cache.keep(with_category("writing", 3), 1000, generation);
  cache.forget();
  uint64_t before_change = 0;
  EXPECT_FALSE(cache.find(1001, before_change));
  cache.forget();  // a listing changes while that read is under way
  cache.keep(with_category("writing", 3), 1002, before_change);
  uint64_t after_change = 0;
  EXPECT_FALSE(cache.find(1002, after_change)) << "the older read is not kept";
  cache.keep(with_category("writing", 4), 1003, after_change);
  auto kept = cache.find(1003, after_change);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->categories.at(0).count, 4);
}

}  // namespace
}  // namespace plaza::services
