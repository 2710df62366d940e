#include "relay/channel_directory.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/secretbox.hpp"
#include "store/relay_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::relay {
namespace {

store::ChannelKey sealed_key(const crypto::SecretBox& box, const std::string& secret) {
  store::ChannelKey k;
  k.sealed = box.seal(secret);
  k.hint = secret.size() > 4 ? secret.substr(secret.size() - 4) : secret;
  return k;
}

// The channels in the order the directory would try them.
std::vector<std::string> names(const std::vector<Candidate>& candidates) {
  std::vector<std::string> out;
  for (const auto& c : candidates) out.push_back(c.channel->name);
  return out;
}

class ChannelDirectoryTest : public test::BackendTest {
 protected:
  // An enabled OpenAI channel for every group, serving the public model "gpt" under the same name.
  static store::Channel channel(const std::string& name) {
    store::Channel ch;
    ch.type = "openai";
    ch.name = name;
    ch.base_url = "http://" + name + ".example/v1";
    ch.models = {store::ChannelModel{"gpt", ""}};
    return ch;
  }
  // Stores the channel with a key sealed by the site key for each secret; returns its id.
  int64_t add_channel(store::Channel ch, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) ch.keys.push_back(sealed_key(box_, s));
    return db().write_sync([&](store::Conn& c) { return store::channels::create(c, ch, clock_.now_s()); });
  }
  // The ids of a channel's keys, in the order they were added.
  std::vector<int64_t> key_ids(int64_t channel_id) {
    auto ch = db().read_sync([&](store::Conn& c) { return store::channels::find(c, channel_id); });
    std::vector<int64_t> ids;
    if (ch)
      for (const auto& k : ch->keys) ids.push_back(k.id);
    return ids;
  }

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

TEST_P(ChannelDirectoryTest, KnowsTheLongestAnswerAnAnthropicChannelAsksForOnItsOwn) {
  auto plain = channel("openai");
  plain.default_max_tokens = 99'000;  // not sent to OpenAI-compatible upstreams: not counted
  add_channel(plain, {"sk-a"});
  auto short_answers = channel("claude-short");
  short_answers.type = "anthropic";
  short_answers.default_max_tokens = 8'000;
  add_channel(short_answers, {"sk-b"});
  auto long_answers = channel("claude-long");
  long_answers.type = "anthropic";
  long_answers.default_max_tokens = 64'000;
  add_channel(long_answers, {"sk-c"});
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  EXPECT_EQ(channels.longest_default_answer("gpt"), 64'000);
  EXPECT_EQ(channels.longest_default_answer("other"), 0);
}

TEST_P(ChannelDirectoryTest, HigherPriorityChannelsComeFirstWhateverTheirWeight) {
  auto low = channel("low");
  low.weight = 100;  // a heavy weight orders channels within a priority, never across priorities
  add_channel(low, {"sk-low"});
  auto high_a = channel("high-a");
  high_a.priority = 10;
  add_channel(high_a, {"sk-high-a"});
  auto mid = channel("mid");
  mid.priority = 5;
  add_channel(mid, {"sk-mid"});
  auto high_b = channel("high-b");
  high_b.priority = 10;
  add_channel(high_b, {"sk-high-b"});
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  for (int i = 0; i < 200; ++i) {
    auto got = names(channels.candidates("gpt", "default"));
    ASSERT_EQ(got.size(), 4u);
    std::vector<std::string> highest{got[0], got[1]};
    std::sort(highest.begin(), highest.end());
    ASSERT_EQ(highest, (std::vector<std::string>{"high-a", "high-b"})) << "draw " << i;
    ASSERT_EQ(got[2], "mid") << "draw " << i;
    ASSERT_EQ(got[3], "low") << "draw " << i;
  }
}

TEST_P(ChannelDirectoryTest, WithinAPriorityAChannelLeadsInProportionToItsWeight) {
  auto light = channel("light");
  light.weight = 1;
  add_channel(light, {"sk-light"});
  auto heavy = channel("heavy");  // added second: stored order alone would never put it first
  heavy.weight = 3;
  add_channel(heavy, {"sk-heavy"});
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  // The directory draws from its own std::random_device-seeded generator (nothing to inject), so the
  // share is checked within a band: weight 3 of 4 leads 3/4 of the time (a standard deviation is
  // under 0.007 over 4000 draws); equal chances would give 1/2, inverted weights 1/4.
  constexpr int kDraws = 4000;
  int heavy_first = 0;
  for (int i = 0; i < kDraws; ++i) {
    auto got = names(channels.candidates("gpt", "default"));
    ASSERT_EQ(got.size(), 2u);
    if (got[0] == "heavy") ++heavy_first;
  }
  double share = static_cast<double>(heavy_first) / kDraws;
  EXPECT_GT(share, 0.65) << "heavy led " << heavy_first << " of " << kDraws;
  EXPECT_LT(share, 0.85) << "heavy led " << heavy_first << " of " << kDraws;
}

TEST_P(ChannelDirectoryTest, AChannelLimitedToAGroupServesAndListsItsModelsForThatGroupOnly) {
  auto vip = channel("vip-only");
  vip.models = {store::ChannelModel{"gpt", ""}, store::ChannelModel{"vip-model", ""}};
  vip.groups = {"vip"};
  add_channel(vip, {"sk-vip"});
  add_channel(channel("everyone"), {"sk-everyone"});  // no groups: every group
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  EXPECT_TRUE(channels.candidates("vip-model", "default").empty());
  EXPECT_EQ(names(channels.candidates("vip-model", "vip")), (std::vector<std::string>{"vip-only"}));
  EXPECT_EQ(names(channels.candidates("gpt", "default")), (std::vector<std::string>{"everyone"}));
  auto for_vip = names(channels.candidates("gpt", "vip"));
  std::sort(for_vip.begin(), for_vip.end());
  EXPECT_EQ(for_vip, (std::vector<std::string>{"everyone", "vip-only"}));
  EXPECT_EQ(channels.models_for_group("default"), (std::vector<std::string>{"gpt"}));
  EXPECT_EQ(channels.models_for_group("vip"), (std::vector<std::string>{"gpt", "vip-model"}));
}

TEST_P(ChannelDirectoryTest, DisabledChannelsAndChannelsWithoutAUsableKeyAreNeverCandidates) {
  add_channel(channel("usable"), {"sk-usable"});
  // Each unusable channel also serves "stranded", which no usable channel does.
  auto unusable = [](const std::string& name) {
    auto ch = channel(name);
    ch.models.push_back(store::ChannelModel{"stranded", ""});
    return ch;
  };
  auto switched_off = unusable("switched-off");
  switched_off.enabled = false;
  add_channel(switched_off, {"sk-switched-off"});
  int64_t auto_disabled = add_channel(unusable("auto-disabled"), {"sk-auto-disabled"});
  add_channel(unusable("keyless"), {});
  int64_t key_disabled = add_channel(unusable("key-disabled"), {"sk-key-disabled"});
  auto foreign = unusable("foreign-key");  // sealed with another site key: it cannot be opened
  foreign.keys.push_back(sealed_key(crypto::SecretBox(std::string(32, 'x')), "sk-foreign"));
  add_channel(foreign, {});
  auto disabled_keys = key_ids(key_disabled);
  ASSERT_EQ(disabled_keys.size(), 1u);
  db().write_sync([&](store::Conn& c) {
    store::channels::set_auto_disabled(c, auto_disabled, true, "401 from the upstream", clock_.now_s());
    store::channels::set_key_enabled(c, disabled_keys[0], false, "quota exhausted");
  });
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(names(channels.candidates("gpt", "default")), (std::vector<std::string>{"usable"})) << "draw " << i;
  EXPECT_TRUE(channels.candidates("stranded", "default").empty());
  EXPECT_EQ(channels.models_for_group("default"), (std::vector<std::string>{"gpt"}));
}

TEST_P(ChannelDirectoryTest, AKeyThatCannotBeOpenedIsLeftOutAndLoggedOnceNotOnEveryReload) {
  auto ch = channel("half-foreign");
  ch.keys.push_back(sealed_key(crypto::SecretBox(std::string(32, 'x')), "sk-foreign"));  // another site key
  int64_t id = add_channel(ch, {"sk-ours"});
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  ChannelDirectory channels(db(), box_, clock_, 5000);
  for (int i = 0; i < 3; ++i) channels.reload();
  spdlog::set_default_logger(previous);
  auto candidates = channels.candidates("gpt", "default");
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].key, "sk-ours") << "the channel serves with the key it can open";
  std::string text = log.str();
  auto mention = "channel " + std::to_string(id) + " key ";
  std::size_t count = 0;
  for (auto at = text.find(mention); at != std::string::npos; at = text.find(mention, at + 1)) ++count;
  EXPECT_EQ(count, 1u) << text;
}

TEST_P(ChannelDirectoryTest, AChannelsKeysAreHandedOutInTurnInTheOrderTheyWereAdded) {
  int64_t id = add_channel(channel("pool"), {"sk-first", "sk-second", "sk-third"});
  auto keys = key_ids(id);
  ASSERT_EQ(keys.size(), 3u);
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  std::vector<std::string> handed;
  std::vector<int64_t> handed_ids;
  for (int i = 0; i < 6; ++i) {
    auto got = channels.candidates("gpt", "default");
    ASSERT_EQ(got.size(), 1u);
    handed.push_back(got[0].key);
    handed_ids.push_back(got[0].key_id);
  }
  EXPECT_EQ(handed,
            (std::vector<std::string>{"sk-first", "sk-second", "sk-third", "sk-first", "sk-second", "sk-third"}))
      << "the opened secrets, round robin";
  EXPECT_EQ(handed_ids, (std::vector<int64_t>{keys[0], keys[1], keys[2], keys[0], keys[1], keys[2]}));
}

TEST_P(ChannelDirectoryTest, AnotherKeyOfAChannelIsOneNotYetTried) {
  int64_t id = add_channel(channel("three-keys"), {"sk-one", "sk-two", "sk-three"});
  int64_t other = add_channel(channel("other"), {"sk-other"});
  auto keys = key_ids(id);
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  auto next = channels.another_key(id, {keys[0]});
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, std::make_pair(keys[1], std::string("sk-two")));
  EXPECT_EQ(channels.another_key(id, {keys[0], keys[1]})->second, "sk-three");
  EXPECT_FALSE(channels.another_key(id, keys)) << "all tried";
  EXPECT_FALSE(channels.another_key(other, key_ids(other))) << "a channel with one key has no other";
  EXPECT_FALSE(channels.another_key(9999, {})) << "no such channel";
}

TEST_P(ChannelDirectoryTest, ADisabledKeyIsNeverHandedOut) {
  int64_t id = add_channel(channel("pool"), {"sk-first", "sk-second", "sk-third"});
  auto keys = key_ids(id);
  ASSERT_EQ(keys.size(), 3u);
  db().write_sync([&](store::Conn& c) { store::channels::set_key_enabled(c, keys[1], false, "quota exhausted"); });
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  std::vector<std::string> handed;
  for (int i = 0; i < 6; ++i) {
    auto got = channels.candidates("gpt", "default");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(got[0].key_id, keys[1]);
    handed.push_back(got[0].key);
  }
  EXPECT_EQ(handed, (std::vector<std::string>{"sk-first", "sk-third", "sk-first", "sk-third", "sk-first", "sk-third"}));
}

TEST_P(ChannelDirectoryTest, AfterEnoughFailuresAChannelGoesLastUntilItsCoolDownEnds) {
  auto first = channel("primary");
  first.priority = 10;
  int64_t primary = add_channel(first, {"sk-primary"});
  int64_t backup = add_channel(channel("backup"), {"sk-backup"});
  ChannelDirectory channels(db(), box_, clock_, 5000, BreakerOptions{.failures_to_open = 3, .open_ms = 10'000});
  channels.reload();
  const std::vector<std::string> usual{"primary", "backup"};
  const std::vector<std::string> primary_last{"backup", "primary"};
  channels.record_failure(primary);
  channels.record_failure(primary);
  EXPECT_FALSE(channels.breaker_open(primary)) << "two failures are below the threshold of three";
  EXPECT_EQ(names(channels.candidates("gpt", "default")), usual);
  channels.record_failure(primary);
  EXPECT_TRUE(channels.breaker_open(primary));
  EXPECT_FALSE(channels.breaker_open(backup));
  EXPECT_EQ(names(channels.candidates("gpt", "default")), primary_last) << "an open breaker puts it last, not out";
  channels.reload();
  EXPECT_EQ(names(channels.candidates("gpt", "default")), primary_last) << "a reload keeps the breakers";
  clock_.advance_ms(9'999);
  EXPECT_TRUE(channels.breaker_open(primary));
  EXPECT_EQ(names(channels.candidates("gpt", "default")), primary_last);
  clock_.advance_ms(1);
  EXPECT_FALSE(channels.breaker_open(primary)) << "the cool-down is over";
  EXPECT_EQ(names(channels.candidates("gpt", "default")), usual) << "tried first again";
}

TEST_P(ChannelDirectoryTest, OneFailureOfTheTrialAfterTheCoolDownReopensTheBreaker) {
  int64_t id = add_channel(channel("flaky"), {"sk-flaky"});
  ChannelDirectory channels(db(), box_, clock_, 5000, BreakerOptions{.failures_to_open = 3, .open_ms = 10'000});
  channels.reload();
  for (int i = 0; i < 3; ++i) channels.record_failure(id);
  ASSERT_TRUE(channels.breaker_open(id));
  clock_.advance_ms(10'000);
  ASSERT_FALSE(channels.breaker_open(id));
  channels.record_failure(id);
  EXPECT_TRUE(channels.breaker_open(id)) << "not three more failures: the trial failed";
  clock_.advance_ms(9'999);
  EXPECT_TRUE(channels.breaker_open(id)) << "a full cool-down from the failed trial";
  clock_.advance_ms(1);
  EXPECT_FALSE(channels.breaker_open(id));
}

TEST_P(ChannelDirectoryTest, FailuresWhileTheBreakerIsOpenDoNotPushTheEndOfItsCoolDownOut) {
  int64_t id = add_channel(channel("down"), {"sk-down"});
  ChannelDirectory channels(db(), box_, clock_, 5000, BreakerOptions{.failures_to_open = 3, .open_ms = 10'000});
  channels.reload();
  for (int i = 0; i < 3; ++i) channels.record_failure(id);
  ASSERT_TRUE(channels.breaker_open(id));
  clock_.advance_ms(6'000);
  for (int i = 0; i < 5; ++i) channels.record_failure(id);  // last-resort tries, calls begun before it opened
  clock_.advance_ms(4'000);
  EXPECT_FALSE(channels.breaker_open(id)) << "ten seconds after it opened, whatever failed meanwhile";
}

TEST_P(ChannelDirectoryTest, DisablingAChannelsLastEnabledKeyDisablesTheChannel) {
  int64_t id = add_channel(channel("two-keys"), {"sk-one", "sk-two"});
  auto keys = key_ids(id);
  ASSERT_EQ(keys.size(), 2u);
  auto disable = [&](int64_t key) {
    return db().write_sync(
        [&](store::Conn& c) { return store::channels::disable_key(c, id, key, "refused (401)", clock_.now_s()); });
  };
  ChannelDirectory channels(db(), box_, clock_, 60'000);
  auto first = disable(keys[0]);
  EXPECT_TRUE(first.key_was_on);
  EXPECT_FALSE(first.channel_disabled) << "the other key still serves";
  EXPECT_FALSE(disable(keys[0]).key_was_on) << "a second request that found it refused changes nothing";
  channels.reload();
  auto left = channels.candidates("gpt", "default");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key_id, keys[1]);
  EXPECT_TRUE(disable(keys[1]).channel_disabled);
  auto ch = db().read_sync([&](store::Conn& c) { return store::channels::find(c, id); });
  ASSERT_TRUE(ch);
  EXPECT_TRUE(ch->auto_disabled);
  EXPECT_EQ(ch->disabled_reason, "refused (401)");
  channels.reload();
  EXPECT_TRUE(channels.candidates("gpt", "default").empty());
}

TEST_P(ChannelDirectoryTest, AnAdminChangeWhileAReloadReadsLeavesTheDirectoryStale) {
  add_channel(channel("a"), {"sk-a"});
  ChannelDirectory channels(db(), box_, clock_, 60'000);
  channels.install(channels.read());
  EXPECT_FALSE(channels.claim_reload()) << "fresh";
  auto read_before_the_change = channels.read();
  add_channel(channel("b"), {"sk-b"});
  channels.invalidate();
  channels.install(std::move(read_before_the_change));
  EXPECT_EQ(names(channels.candidates("gpt", "default")), std::vector<std::string>{"a"});
  EXPECT_TRUE(channels.claim_reload()) << "the read may lack the change: the next request reloads";
  channels.reload();
  EXPECT_EQ(channels.candidates("gpt", "default").size(), 2u);
  EXPECT_FALSE(channels.claim_reload());
}

TEST_P(ChannelDirectoryTest, AnOlderReadNeverReplacesANewerOne) {
  add_channel(channel("a"), {"sk-a"});
  ChannelDirectory channels(db(), box_, clock_, 60'000);
  auto older = channels.read();
  int64_t b = add_channel(channel("b"), {"sk-b"});
  auto newer = channels.read();
  channels.install(std::move(newer));
  channels.install(std::move(older));  // overlapping reloads finishing out of order
  EXPECT_EQ(channels.candidates("gpt", "default").size(), 2u) << "b, which only the newer read saw, stays";
  for (int i = 0; i < 5; ++i) channels.record_failure(b);
  ASSERT_TRUE(channels.breaker_open(b));
  db().write_sync([&](store::Conn& c) {
    store::channels::remove(c, b);
    return 0;
  });
  channels.reload();
  EXPECT_EQ(names(channels.candidates("gpt", "default")), std::vector<std::string>{"a"});
  EXPECT_FALSE(channels.breaker_open(b)) << "a deleted channel's breaker goes with it";
}

TEST_P(ChannelDirectoryTest, ASuccessClosesTheBreakerAndStartsTheFailureCountAgain) {
  auto first = channel("primary");
  first.priority = 10;
  int64_t primary = add_channel(first, {"sk-primary"});
  add_channel(channel("backup"), {"sk-backup"});
  ChannelDirectory channels(db(), box_, clock_, 5000, BreakerOptions{.failures_to_open = 3, .open_ms = 10'000});
  channels.reload();
  channels.record_failure(primary);
  channels.record_failure(primary);
  channels.record_success(primary);
  channels.record_failure(primary);
  channels.record_failure(primary);
  EXPECT_FALSE(channels.breaker_open(primary)) << "four failures, but never three in a row";
  channels.record_failure(primary);
  ASSERT_TRUE(channels.breaker_open(primary)) << "three in a row";
  channels.record_success(primary);
  EXPECT_FALSE(channels.breaker_open(primary)) << "closed at once, without waiting for the cool-down";
  EXPECT_EQ(names(channels.candidates("gpt", "default")), (std::vector<std::string>{"primary", "backup"}));
  channels.record_failure(primary);
  channels.record_failure(primary);
  EXPECT_FALSE(channels.breaker_open(primary)) << "the count starts again after a success";
}

TEST_P(ChannelDirectoryTest, ByDefaultFiveFailuresOpenTheBreakerForThirtySeconds) {
  int64_t id = add_channel(channel("only"), {"sk-only"});
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  for (int i = 0; i < 4; ++i) channels.record_failure(id);
  EXPECT_FALSE(channels.breaker_open(id));
  channels.record_failure(id);
  EXPECT_TRUE(channels.breaker_open(id));
  EXPECT_EQ(names(channels.candidates("gpt", "default")), (std::vector<std::string>{"only"}))
      << "the only channel is still tried while its breaker is open";
  clock_.advance_ms(29'999);
  EXPECT_TRUE(channels.breaker_open(id));
  clock_.advance_ms(1);
  EXPECT_FALSE(channels.breaker_open(id));
}

TEST_P(ChannelDirectoryTest, AChannelThatAnswered404ForAModelGoesLastForThatModelOnlyUntilItIsFixed) {
  auto first = channel("primary");
  first.priority = 10;
  first.models = {store::ChannelModel{"gpt", "gpt-typo"}, store::ChannelModel{"mini", ""}};
  int64_t primary = add_channel(first, {"sk-primary"});
  auto second = channel("backup");
  second.models = {store::ChannelModel{"gpt", ""}, store::ChannelModel{"mini", ""}};
  add_channel(second, {"sk-backup"});
  ChannelDirectory channels(db(), box_, clock_, 5000, BreakerOptions{.failures_to_open = 3, .open_ms = 10'000});
  channels.reload();
  const std::vector<std::string> usual{"primary", "backup"};
  const std::vector<std::string> primary_last{"backup", "primary"};
  auto answered_404 = [&] {
    auto got = channels.candidates("gpt", "default");
    ASSERT_EQ(got[0].channel->id, primary);
    channels.record_missing_model(got[0], "gpt");
  };
  answered_404();
  EXPECT_EQ(names(channels.candidates("gpt", "default")), primary_last) << "last, not out";
  EXPECT_EQ(names(channels.candidates("mini", "default")), usual) << "its other models are served as before";
  EXPECT_FALSE(channels.breaker_open(primary));
  channels.reload();
  clock_.advance_ms(9'999);
  EXPECT_EQ(names(channels.candidates("gpt", "default")), primary_last) << "a reload with no change keeps it";
  clock_.advance_ms(1);
  EXPECT_EQ(names(channels.candidates("gpt", "default")), usual) << "tried first again after the cool-down";

  // The admin mends the model's upstream name: forgotten at the next reload, cool-down or not.
  answered_404();
  auto mended = *db().read_sync([&](store::Conn& c) { return store::channels::find(c, primary); });
  mended.models[0].upstream = "gpt-4o";
  db().write_sync([&](store::Conn& c) { store::channels::update(c, mended, clock_.now_s()); });
  channels.invalidate();
  channels.reload();
  EXPECT_EQ(names(channels.candidates("gpt", "default")), usual);

  // ... or its base URL.
  answered_404();
  EXPECT_EQ(names(channels.candidates("gpt", "default")), primary_last);
  mended.base_url = "http://primary.example/openai/v1";
  db().write_sync([&](store::Conn& c) { store::channels::update(c, mended, clock_.now_s()); });
  channels.invalidate();
  channels.reload();
  EXPECT_EQ(names(channels.candidates("gpt", "default")), usual);
}

TEST_P(ChannelDirectoryTest, ACandidateCarriesItsChannelsUpstreamNameForThePublicModel) {
  auto renamed = channel("renamed");
  renamed.priority = 10;
  renamed.models = {store::ChannelModel{"gpt", "gpt-4o-2024-08-06"}};
  add_channel(renamed, {"sk-renamed"});
  auto direct = channel("direct");
  direct.models = {store::ChannelModel{"gpt", ""}, store::ChannelModel{"mini", "gpt-4o-mini"}};
  add_channel(direct, {"sk-direct"});
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  auto got = channels.candidates("gpt", "default");
  ASSERT_EQ(names(got), (std::vector<std::string>{"renamed", "direct"}));
  EXPECT_EQ(got[0].upstream_model, "gpt-4o-2024-08-06");
  EXPECT_EQ(got[1].upstream_model, "gpt") << "no upstream name: the public one";
  auto mini = channels.candidates("mini", "default");
  ASSERT_EQ(mini.size(), 1u);
  EXPECT_EQ(mini[0].upstream_model, "gpt-4o-mini");
  EXPECT_TRUE(channels.candidates("gpt-4o-mini", "default").empty()) << "users ask by the public name only";
  EXPECT_EQ(channels.models_for_group("default"), (std::vector<std::string>{"gpt", "mini"}));
}

TEST_P(ChannelDirectoryTest, AModelTheCatalogueSwitchedOffIsReportedAndNotListed) {
  auto both = channel("both");
  both.models = {store::ChannelModel{"gpt", ""}, store::ChannelModel{"retired", ""}};
  add_channel(both, {"sk-both"});
  store::Model gpt;
  gpt.id = "gpt";
  gpt.display_name = "GPT";
  store::Model retired;
  retired.id = "retired";
  retired.display_name = "Retired";
  retired.enabled = false;
  db().write_sync([&](store::Conn& c) {
    store::models::upsert(c, gpt, clock_.now_s());
    store::models::upsert(c, retired, clock_.now_s());
  });
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  auto retired_route = channels.route("retired", "default");
  EXPECT_TRUE(retired_route.disabled);
  EXPECT_TRUE(retired_route.candidates.empty()) << "no channel is drawn for a model that is off";
  auto gpt_route = channels.route("gpt", "default");
  EXPECT_FALSE(gpt_route.disabled);
  EXPECT_EQ(names(gpt_route.candidates), std::vector<std::string>{"both"});
  EXPECT_EQ(channels.models_for_group("default"), (std::vector<std::string>{"gpt"}));
}

TEST_P(ChannelDirectoryTest, TwoInstancesDisablingAChannelsLastTwoKeysAtOnceDisableTheChannel) {
  if (GetParam() != "postgres") GTEST_SKIP() << "SQLite has one writer: the two cannot overlap";
  int64_t id = add_channel(channel("two-keys"), {"sk-one", "sk-two"});
  auto keys = key_ids(id);
  ASSERT_EQ(keys.size(), 2u);
  // The first disables its key and holds its transaction open; the second starts meanwhile. Without
  // the channel's row lock each would count the other's key as still enabled (READ COMMITTED).
  std::promise<void> first_done, release;
  bool first_was_last = true, second_was_last = false;
  std::thread first([&] {
    db().write_sync([&](store::Conn& c) {
      first_was_last = store::channels::disable_key(c, id, keys[0], "refused (401)", clock_.now_s()).channel_disabled;
      first_done.set_value();
      release.get_future().wait();
    });
  });
  first_done.get_future().wait();
  std::thread second([&] {
    second_was_last = db().write_sync([&](store::Conn& c) {
      return store::channels::disable_key(c, id, keys[1], "refused (401)", clock_.now_s()).channel_disabled;
    });
  });
  bool waiting = test::some_session_waits_on_a_lock(db());
  release.set_value();
  first.join();
  second.join();
  ASSERT_TRUE(waiting) << "the second waits for the first's lock on the channel";
  EXPECT_FALSE(first_was_last);
  EXPECT_TRUE(second_was_last) << "it counts after the first committed";
  auto ch = db().read_sync([&](store::Conn& c) { return store::channels::find(c, id); });
  ASSERT_TRUE(ch);
  EXPECT_TRUE(ch->auto_disabled);
}

TEST_P(ChannelDirectoryTest, AModelReadsImagesUnlessTheCatalogueSaysItIsTextOnly) {
  store::Model text_only;
  text_only.id = "deepseek-chat";
  text_only.display_name = "DeepSeek";
  text_only.reads_images = false;
  store::Model vision;
  vision.id = "gpt-4o";
  vision.display_name = "GPT-4o";
  db().write_sync([&](store::Conn& c) {
    store::models::upsert(c, text_only, clock_.now_s());
    store::models::upsert(c, vision, clock_.now_s());
  });
  EXPECT_FALSE(db().read_sync([](store::Conn& c) { return store::models::find(c, "deepseek-chat"); })->reads_images);
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  EXPECT_FALSE(channels.reads_images("deepseek-chat"));
  EXPECT_TRUE(channels.reads_images("gpt-4o"));
  EXPECT_TRUE(channels.reads_images("not-in-the-catalogue"));
  EXPECT_FALSE(channels.route("deepseek-chat", "default").reads_images) << "the relay's view, under the same lock";
  EXPECT_TRUE(channels.route("gpt-4o", "default").reads_images);

  text_only.reads_images = true;  // the admin changes their mind
  db().write_sync([&](store::Conn& c) { store::models::upsert(c, text_only, clock_.now_s()); });
  channels.reload();
  EXPECT_TRUE(channels.reads_images("deepseek-chat"));
}

TEST_P(ChannelDirectoryTest, ListsAndDescribesModelsInTheCataloguesOrder) {
  auto all = channel("all");
  all.models = {store::ChannelModel{"alpha", ""}, store::ChannelModel{"beta", ""}, store::ChannelModel{"gamma", ""}};
  add_channel(all, {"sk-all"});
  store::Model gamma;
  gamma.id = "gamma";
  gamma.display_name = "Gamma";
  gamma.tags = {"featured"};
  gamma.position = -5;
  store::Model alpha;
  alpha.id = "alpha";
  alpha.display_name = "Alpha";
  alpha.position = 3;
  db().write_sync([&](store::Conn& c) {
    store::models::upsert(c, gamma, clock_.now_s());
    store::models::upsert(c, alpha, clock_.now_s());
  });
  ChannelDirectory channels(db(), box_, clock_, 5000);
  channels.reload();
  auto ids = channels.models_for_group("default");
  EXPECT_EQ(ids, (std::vector<std::string>{"gamma", "beta", "alpha"})) << "by position; beta, unlisted, counts 0";
  auto described = channels.describe(ids);
  ASSERT_EQ(described.size(), 3u);
  EXPECT_EQ(described[0].display_name, "Gamma");
  EXPECT_EQ(described[0].tags, std::vector<std::string>{"featured"});
  EXPECT_EQ(described[1].id, "beta");
  EXPECT_EQ(described[1].display_name, "beta") << "a model the catalogue does not list is named by its id";
  EXPECT_TRUE(described[1].reads_images);
  EXPECT_EQ(described[2].display_name, "Alpha");

  alpha.position = -10;  // the operator moves it to the top
  db().write_sync([&](store::Conn& c) { store::models::upsert(c, alpha, clock_.now_s()); });
  channels.reload();
  EXPECT_EQ(channels.models_for_group("default"), (std::vector<std::string>{"alpha", "gamma", "beta"}));
}

}  // namespace
}  // namespace plaza::relay
