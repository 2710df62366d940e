// Group commit on both backends: writes share transactions, a failing write fails alone, and every
// write is reported exactly once.
#include "store/group_writer.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <vector>

#include "store/settings_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::store {
namespace {

class GroupWriterTest : public test::BackendTest {};
PLAZA_INSTANTIATE_FOR_BACKENDS(GroupWriterTest);

TEST_P(GroupWriterTest, CommitsEveryWriteAndIsolatesTheFailingOne) {
  constexpr int kWrites = 200;
  std::vector<std::promise<std::exception_ptr>> done(kWrites);
  {
    GroupWriter writer(db(), 16);
    for (int i = 0; i < kWrites; ++i) {
      writer.submit(
          [i](Conn& c) {
            settings::put(c, "k" + std::to_string(i), "v" + std::to_string(i), 1);
            if (i == 77) throw std::runtime_error("write 77 fails");
          },
          [&done, i](std::exception_ptr e) { done[i].set_value(e); });
    }
    for (int i = 0; i < kWrites; ++i) {
      auto error = done[i].get_future().get();
      EXPECT_EQ(error != nullptr, i == 77) << "write " << i;
    }
  }
  db().read_sync([&](Conn& c) {
    for (int i = 0; i < kWrites; ++i) {
      auto value = settings::get(c, "k" + std::to_string(i));
      if (i == 77) {
        EXPECT_FALSE(value) << "the failed write left nothing behind";
      } else {
        ASSERT_TRUE(value) << "write " << i;
        EXPECT_EQ(*value, "v" + std::to_string(i));
      }
    }
  });
}

TEST_P(GroupWriterTest, ALaneIsBehindWhenMoreThanTwoBatchesAreQueued) {
  GroupWriter writer(db(), 2, 1);
  std::promise<void> started, release;
  auto go = release.get_future().share();
  // The writer holds its first batch until told: what is queued meanwhile waits.
  writer.submit([&started, go](Conn&) { started.set_value(), go.wait(); }, [](std::exception_ptr) {});
  started.get_future().get();
  auto noop = [](Conn&) {};
  for (int i = 0; i < 4; ++i) writer.submit_lazy(7, noop, [](std::exception_ptr) {});
  EXPECT_FALSE(writer.behind(7)) << "two batches of two are not more than two";
  writer.submit_lazy(7, noop, [](std::exception_ptr) {});
  EXPECT_TRUE(writer.behind(7));
  release.set_value();
  writer.stop();
  EXPECT_FALSE(writer.behind(7));
}

TEST_P(GroupWriterTest, StopFinishesWhatIsQueuedAndRefusesLaterWrites) {
  GroupWriter writer(db());
  std::atomic<int> ok{0};
  for (int i = 0; i < 50; ++i)
    writer.submit([i](Conn& c) { settings::put(c, "q" + std::to_string(i), "x", 1); },
                  [&ok](std::exception_ptr e) { ok += e ? 0 : 1; });
  writer.stop();
  EXPECT_EQ(ok.load(), 50);
  std::exception_ptr late;
  writer.submit([](Conn&) {}, [&late](std::exception_ptr e) { late = e; });
  EXPECT_NE(late, nullptr);
}

TEST_P(GroupWriterTest, LazyWritesGoOnTheirOwnAfterTheLinger) {
  GroupWriter writer(db(), 256, 0, std::chrono::milliseconds(5));
  std::vector<std::promise<std::exception_ptr>> done(3);
  for (int i = 0; i < 3; ++i)
    writer.submit_lazy(
        0, [i](Conn& c) { settings::put(c, "lazy" + std::to_string(i), "x", 1); },
        [&done, i](std::exception_ptr e) { done[i].set_value(e); });
  for (auto& d : done) {
    auto f = d.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "a lazy write is never stranded";
    EXPECT_EQ(f.get(), nullptr);
  }
  db().read_sync([](Conn& c) { EXPECT_TRUE(settings::get(c, "lazy2")); });
}

TEST_P(GroupWriterTest, AWaitedWriteTakesTheQueuedLazyOnesAlong) {
  // A linger no test would wait out: the lazy writes can only go with the waited one (or at stop).
  GroupWriter writer(db(), 256, 1, std::chrono::hours(1));
  std::atomic<int> lazy_done{0};
  for (int i = 0; i < 5; ++i)
    writer.submit_lazy(
        0, [i](Conn& c) { settings::put(c, "along" + std::to_string(i), "x", 1); },
        [&lazy_done](std::exception_ptr e) { lazy_done += e ? 0 : 1; });
  std::promise<std::exception_ptr> waited;
  writer.submit(
      0, [](Conn& c) { settings::put(c, "waited", "x", 1); }, [&waited](std::exception_ptr e) { waited.set_value(e); });
  auto f = waited.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), nullptr);
  EXPECT_EQ(lazy_done.load(), 5) << "queued before it, committed with it";

  writer.submit_lazy(
      0, [](Conn& c) { settings::put(c, "at-stop", "x", 1); }, [](std::exception_ptr) {});
  writer.stop();
  db().read_sync([](Conn& c) { EXPECT_TRUE(settings::get(c, "at-stop")) << "stop writes what is queued"; });
}

TEST_P(GroupWriterTest, OneKeysWritesStayInOrderAcrossLanes) {
  constexpr int kKeys = 8, kEach = 40;
  std::vector<std::string> seen(kKeys);
  std::atomic<int> done{0};
  {
    GroupWriter writer(db(), 8, 3);
    for (int i = 0; i < kEach; ++i)
      for (int k = 0; k < kKeys; ++k)
        writer.submit(
            k, [k, i](Conn& c) { settings::put(c, "lane" + std::to_string(k), std::to_string(i), 1); },
            [&done](std::exception_ptr e) { done += e ? 0 : 1; });
  }
  EXPECT_EQ(done.load(), kKeys * kEach);
  db().read_sync([&](Conn& c) {
    for (int k = 0; k < kKeys; ++k) EXPECT_EQ(settings::get(c, "lane" + std::to_string(k)), std::to_string(kEach - 1));
  });
}

TEST_P(GroupWriterTest, AFailedWriteTakesItsDeferredBalanceDeltasWithIt) {
  std::promise<void> both;
  std::atomic<int> left{2};
  {
    GroupWriter writer(db());
    auto done = [&](std::exception_ptr) {
      if (--left == 0) both.set_value();
    };
    writer.submit([](Conn& c) { c.deferred.touch(c.deferred.accounts, 1).balance += 5; }, done);
    writer.submit(
        [](Conn& c) {
          c.deferred.touch(c.deferred.accounts, 1).balance += 7;
          throw std::runtime_error("fails");
        },
        done);
    both.get_future().get();
  }
  auto balance =
      db().read_sync([](Conn& c) { return c.query_one("SELECT balance FROM ledger_accounts WHERE id = 1")->i64(0); });
  EXPECT_EQ(balance, 5);
}

TEST_P(GroupWriterTest, AFailingLazyWriteFailsAloneAndItsRunIsWrittenOnce) {
  // Lazy writes share a savepoint; one of them failing sends the others of its run round again.
  // Each adds 1 to a deferred balance: applied once per committed write, never for a rolled-back try.
  GroupWriter writer(db(), 256, 1, std::chrono::hours(1));
  constexpr int kLazy = 6, kFailing = 3;
  std::vector<std::promise<std::exception_ptr>> done(kLazy);
  for (int i = 0; i < kLazy; ++i)
    writer.submit_lazy(
        0,
        [i](Conn& c) {
          settings::put(c, "run" + std::to_string(i), "x", 1);
          c.deferred.touch(c.deferred.accounts, 1).balance += 1;
          if (i == kFailing) throw std::runtime_error("lazy write fails");
        },
        [&done, i](std::exception_ptr e) { done[i].set_value(e); });
  std::promise<std::exception_ptr> waited;
  writer.submit(
      0, [](Conn& c) { c.deferred.touch(c.deferred.accounts, 1).balance += 100; },
      [&waited](std::exception_ptr e) { waited.set_value(e); });
  ASSERT_EQ(waited.get_future().get(), nullptr);
  for (int i = 0; i < kLazy; ++i) EXPECT_EQ(done[i].get_future().get() != nullptr, i == kFailing) << "write " << i;
  db().read_sync([&](Conn& c) {
    for (int i = 0; i < kLazy; ++i) EXPECT_EQ(settings::get(c, "run" + std::to_string(i)).has_value(), i != kFailing);
    EXPECT_EQ(c.query_one("SELECT balance FROM ledger_accounts WHERE id = 1")->i64(0), 100 + kLazy - 1);
  });
}

TEST_P(GroupWriterTest, ALazyWriteWhoseStatementFailsFailsAloneAndTheTransactionGoesOn) {
  // A failing statement, unlike a C++ throw, aborts a PostgreSQL transaction until the rollback to
  // the savepoint: the run's other writes must still commit.
  GroupWriter writer(db(), 256, 1, std::chrono::hours(1));
  std::vector<std::promise<std::exception_ptr>> done(4);
  for (int i = 0; i < 4; ++i)
    writer.submit_lazy(
        0,
        [i](Conn& c) {
          if (i == 2) c.exec("SELECT * FROM no_such_table");
          settings::put(c, "stmt" + std::to_string(i), "x", 1);
        },
        [&done, i](std::exception_ptr e) { done[i].set_value(e); });
  std::promise<std::exception_ptr> waited;
  writer.submit(
      0, [](Conn& c) { settings::put(c, "stmt-waited", "x", 1); },
      [&waited](std::exception_ptr e) { waited.set_value(e); });
  ASSERT_EQ(waited.get_future().get(), nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(done[i].get_future().get() != nullptr, i == 2) << "write " << i;
  db().read_sync([](Conn& c) {
    for (int i = 0; i < 4; ++i) EXPECT_EQ(settings::get(c, "stmt" + std::to_string(i)).has_value(), i != 2);
  });
}

}  // namespace
}  // namespace plaza::store
