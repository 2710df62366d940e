#pragma once
// Channel administration: create and edit channels with their keys sealed at rest, test a channel,
// and probe automatically disabled keys so they come back when the upstream accepts them again.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/secretbox.hpp"
#include "http/upstream_client.hpp"
#include "relay/channel_directory.hpp"
#include "store/database.hpp"
#include "store/relay_records.hpp"

namespace plaza::services {

using boost::asio::awaitable;

// One key's answer to a channel test.
struct KeyTest {
  int64_t key_id = 0;
  std::string hint;    // the key's last characters, as the channel list shows them
  bool tried = false;  // false: not asked (see `error`)
  bool ok = false;
  int status = 0;  // the upstream's HTTP status; 0: none came
  int64_t latency_ms = 0;
  std::string error;         // safe to show: no key, no URL
  bool unreachable = false;  // no connection could be made (DNS, refused): any key would fail the same
};

// A channel test: one short completion per key. The top-level fields are the first failing key's
// (or the first key's when all work); `ok` only when every key answered.
struct ChannelTest {
  bool ok = false;
  int64_t latency_ms = 0;
  int status = 0;
  std::string error;  // safe to show: no key, no URL
  std::string model;
  std::vector<KeyTest> keys;
};

class ChannelAdmin {
 public:
  ChannelAdmin(store::Database& db, const crypto::SecretBox& box, const Clock& clock, http::UpstreamClient& client,
               relay::ChannelDirectory& directory);

  awaitable<std::vector<store::Channel>> list();
  awaitable<store::Channel> create(int64_t actor_id, store::Channel ch, std::vector<std::string> keys);
  // `keys`, when given, replaces every key of the channel.
  awaitable<store::Channel> update(int64_t actor_id, store::Channel ch, std::optional<std::vector<std::string>> keys);
  awaitable<void> remove(int64_t actor_id, int64_t id);
  // Clears an automatic disable and re-enables the channel's keys.
  awaitable<store::Channel> reenable(int64_t actor_id, int64_t id);
  // Asks the channel's first model for one token with each of its keys, disabled ones included (the
  // test shows whether they would work again), one after another within kTestTimeLimit; once one
  // cannot reach the upstream at all, the rest are not tried (they would go to the same address).
  awaitable<ChannelTest> test(int64_t id);
  static constexpr std::chrono::seconds kTestTimeLimit{30};
  // The models the upstream lists (GET {base_url}/models), asked with `key` through the channel's
  // proxy and timeouts, for the channel form to fill in. `ch` need not be stored yet; its proxy
  // password may be sealed (a stored channel's) or plain. Throws Error(upstream_error) with a
  // message safe to show (no key, no URL) when the upstream does not give a list.
  awaitable<std::vector<std::string>> upstream_models(store::Channel ch, std::string key);
  // The first enabled key of a stored channel (as read), opened; any key when none is enabled.
  std::string usable_key(const store::Channel& stored) const;
  // Tries every automatically disabled key of enabled channels; returns how many came back.
  awaitable<int> probe_disabled();

  static void validate(const store::Channel& ch);
  // What reaching the upstream needs: its type, base URL, proxy and timeouts (validate() checks
  // these too).
  static void validate_connection(const store::Channel& ch);
  // 1 to 100 keys of 1 to 1,024 characters, no spaces.
  static void check_keys(const std::vector<std::string>& keys);

 private:
  // One key's try; `k` names it in the result.
  awaitable<KeyTest> try_key(
      const store::Channel& ch, const store::ChannelKey& k, const std::string& key,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

  store::Database& db_;
  const crypto::SecretBox& box_;
  const Clock& clock_;
  http::UpstreamClient& client_;
  relay::ChannelDirectory& directory_;
};

}  // namespace plaza::services
