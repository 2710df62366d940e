#include "billing/price_book.hpp"

#include <gtest/gtest.h>

#include "support/test_database.hpp"

namespace plaza::billing {
namespace {

class PriceBookTest : public test::BackendTest {};
PLAZA_INSTANTIATE_FOR_BACKENDS(PriceBookTest);

TEST_P(PriceBookTest, OneCallerReloadsAStaleBookWhileTheOthersPriceWithIt) {
  PriceBook book(std::chrono::milliseconds(0));  // stale as soon as it is loaded
  auto first = book.claim_reload();
  EXPECT_TRUE(first);
  EXPECT_TRUE(book.claim_reload()) << "nothing loaded yet: everyone who needs it loads it";
  db().read_sync([&](store::Conn& c) { book.reload(c); });
  first.reset();
  auto reloading = book.claim_reload();
  EXPECT_TRUE(reloading);
  EXPECT_FALSE(book.claim_reload()) << "one reload at a time";
  db().read_sync([&](store::Conn& c) { book.reload(c); });
  reloading.reset();
  auto never_ran = book.claim_reload();
  EXPECT_TRUE(never_ran) << "the claim ended with its holder";
  never_ran.reset();  // a reload that never ran (the database unreachable) ends its claim too
  EXPECT_TRUE(book.claim_reload());
}

}  // namespace
}  // namespace plaza::billing
