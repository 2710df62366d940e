#include "relay/channel_directory.hpp"

#include <gtest/gtest.h>

#include "crypto/secretbox.hpp"
#include "support/test_database.hpp"

namespace plaza::relay {
namespace {

class ChannelDirectoryTest : public test::BackendTest {
 protected:
  ManualClock clock_{test::kStartMs};
  crypto::SecretBox box_{std::string(32, 'k')};
};
PLAZA_INSTANTIATE_FOR_BACKENDS(ChannelDirectoryTest);

TEST_P(ChannelDirectoryTest, OneCallerReloadsAStaleDirectoryWhileTheOthersGoOn) {
  ChannelDirectory channels(db(), box_, clock_, 5000);
  EXPECT_TRUE(channels.claim_reload());
  EXPECT_TRUE(channels.claim_reload()) << "nothing loaded yet: everyone who needs it loads it";
  channels.reload();
  EXPECT_FALSE(channels.claim_reload()) << "fresh";
  clock_.advance_ms(5000);
  auto reloading = channels.claim_reload();
  EXPECT_TRUE(reloading);
  EXPECT_FALSE(channels.claim_reload()) << "one reload at a time; the others use what is loaded";
  channels.reload();
  reloading.reset();
  EXPECT_FALSE(channels.claim_reload());
  clock_.advance_ms(5000);
  auto never_ran = channels.claim_reload();
  EXPECT_TRUE(never_ran) << "the claim ended with its holder";
  never_ran.reset();  // a reload that never ran (the pool refused it) ends its claim too
  EXPECT_TRUE(channels.claim_reload());
  channels.invalidate();
  EXPECT_TRUE(channels.claim_reload()) << "an admin change: the next request reloads";
}

}  // namespace
}  // namespace plaza::relay
