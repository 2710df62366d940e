#include "core/background_thread.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

namespace plaza {
namespace {

int nice_of_this_thread() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
}

TEST(BackgroundThread, LowersOnlyTheCallingThread) {
  int before = nice_of_this_thread();
  int in_thread = 0;
  std::thread t([&] {
    lower_this_thread_priority();
    in_thread = nice_of_this_thread();
  });
  t.join();
  EXPECT_EQ(in_thread, std::min(before + 10, 19));
  EXPECT_EQ(nice_of_this_thread(), before);
}

}  // namespace
}  // namespace plaza
