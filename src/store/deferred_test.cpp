// A failed write's deferred changes are undone, and only its own.
#include "store/deferred.hpp"

#include <gtest/gtest.h>

namespace plaza::store {
namespace {

TEST(Deferred, UndoingAWriteRestoresWhatItChangedAndKeepsTheWritesBefore) {
  Deferred d;
  d.begin_write();
  d.touch(d.accounts, 1).balance += 5;
  d.touch(d.hold_posts, 9) += 100;
  d.touch(d.charges, {7, 1, "charge"}).amount += 30;

  d.begin_write();  // the next write changes, adds and removes entries, then fails
  d.touch(d.accounts, 1).balance += 7;
  d.touch(d.accounts, 2).held -= 3;
  d.forget(d.hold_posts, 9);
  d.touch(d.charges, {7, 1, "charge"}).amount += 40;
  d.touch(d.key_spent, 4) += 1;
  d.undo_write();

  EXPECT_EQ(d.accounts.size(), 1u);
  EXPECT_EQ(d.accounts[1].balance, 5);
  EXPECT_EQ(d.hold_posts.at(9), 100);
  EXPECT_EQ((d.charges.at({7, 1, "charge"}).amount), 30);
  EXPECT_TRUE(d.key_spent.empty());

  d.begin_write();
  d.touch(d.accounts, 1).balance += 1;
  d.begin_write();  // the write before succeeded: nothing of it is undone
  d.undo_write();
  EXPECT_EQ(d.accounts[1].balance, 6);
}

}  // namespace
}  // namespace plaza::store
