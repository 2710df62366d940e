#include "billing/price_book.hpp"

#include <gtest/gtest.h>

#include "support/test_database.hpp"

namespace plaza::billing {
namespace {

class PriceBookTest : public test::BackendTest {};
PLAZA_INSTANTIATE_FOR_BACKENDS(PriceBookTest);

TEST_P(PriceBookTest, OneCallerReloadsAStaleBookWhileTheOthersPriceWithIt) {
  PriceBook book(std::chrono::milliseconds(0));  // stale as soon as it is loaded
  EXPECT_TRUE(book.claim_reload());
  EXPECT_TRUE(book.claim_reload()) << "nothing loaded yet: everyone who needs it loads it";
  db().read_sync([&](store::Conn& c) { book.reload(c); });
  EXPECT_TRUE(book.claim_reload());
  EXPECT_FALSE(book.claim_reload()) << "one reload at a time";
  book.end_reload();
  EXPECT_TRUE(book.claim_reload()) << "an ended claim lets the next caller reload";
  EXPECT_FALSE(book.claim_reload());
  book.end_reload();  // a reload that never ran (the database unreachable) ends its claim too
  EXPECT_TRUE(book.claim_reload());
}

}  // namespace
}  // namespace plaza::billing
