#include "billing/price_book.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

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

TEST_P(PriceBookTest, AnEditMadeWhileAReloadReadsLeavesTheBookStale) {
  if (GetParam() != "postgres") GTEST_SKIP() << "a reader that waits on a writer: PostgreSQL's table lock";
  PriceBook book(std::chrono::minutes(10));
  db().read_sync([&](store::Conn& c) { book.reload(c); });
  ASSERT_FALSE(book.claim_reload()) << "fresh";
  // A writer holds the prices table; a reload started now waits for it, after taking its place.
  std::promise<void> locked, release;
  std::thread writer([&] {
    db().write_sync([&](store::Conn& c) {
      c.exec("LOCK TABLE model_prices IN ACCESS EXCLUSIVE MODE");
      locked.set_value();
      release.get_future().wait();
    });
  });
  locked.get_future().wait();
  std::thread reloader([&] { db().read_sync([&](store::Conn& c) { book.reload(c); }); });
  bool waiting = test::some_session_waits_on_a_lock(db());
  ASSERT_TRUE(waiting) << "the reload waits on the lock";
  book.invalidate();  // the edit, committed by another instance, heard now
  release.set_value();
  writer.join();
  reloader.join();
  EXPECT_TRUE(book.claim_reload()) << "what the reload read may predate the edit: the next call reloads";
}

}  // namespace
}  // namespace plaza::billing
