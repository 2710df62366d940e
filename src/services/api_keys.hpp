#pragma once
// API keys: "sk-" and 48 base62 characters, shown once and stored only as a SHA-256 hash (the
// secret has 285 bits of entropy, so a fast hash is enough, unlike passwords).
#include <boost/asio/awaitable.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "store/api_keys_repo.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::services {

using boost::asio::awaitable;

inline constexpr std::size_t kKeySecretChars = 48;
inline constexpr std::size_t kMaxKeysPerUser = 100;
inline constexpr std::size_t kMaxKeyModels = 100;

struct CreatedKey {
  store::ApiKey key;
  std::string secret;
};

// Every /v1 request authenticates its key: a found key and its owner are kept for `cache_ms`, so a
// request costs no database trip. A revocation, ban or group change made on this instance applies at
// once (`forget_user`); one made on another instance when it is heard (store/changes.hpp), at the
// latest within `cache_ms`.
struct ApiKeysOptions {
  int64_t cache_ms = 5000;              // 0: every request reads the key
  std::size_t cache_entries = 100'000;  // beyond this the cache starts over (unknown keys are never kept)
};

class ApiKeys {
 public:
  ApiKeys(store::Database& db, const Clock& clock, ApiKeysOptions options = {})
      : db_(db), clock_(clock), options_(options) {}

  awaitable<CreatedKey> create(int64_t user_id, std::string name, std::optional<int64_t> expires_at,
                               std::vector<std::string> models, std::optional<int64_t> spend_limit = std::nullopt);
  awaitable<std::vector<store::ApiKey>> list(int64_t user_id);
  awaitable<void> revoke(int64_t user_id, int64_t key_id);
  // Sets, raises, lowers or (nullopt) removes an active key's spending limit; audited. A limit below
  // what the key has spent is allowed: the key then spends nothing more. Applies to the calls that
  // start after it (the cached key is dropped here and, when heard, on the other instances).
  awaitable<store::ApiKey> set_spend_limit(int64_t user_id, int64_t key_id, std::optional<int64_t> spend_limit);
  // The key and its owner for a bearer secret; nothing when unknown, revoked, expired or banned.
  awaitable<std::optional<store::api_keys::KeyOwner>> authenticate(std::string secret);
  // Drops the cached keys of a user whose standing changed (ban, group, role).
  void forget_user(int64_t user_id);
  void forget_all();

  static std::string masked(const store::ApiKey& key);

 private:
  struct Cached {
    store::api_keys::KeyOwner owner;
    int64_t loaded_ms = 0;
    int64_t reading_since_ms = 0;  // a caller is reading the key again since (0: nobody)
  };
  // The entry for `hash` to use, if any, and the generation to hand to keep() after a read. An
  // entry past cache_ms is read again by one caller; the others meanwhile go on with it (for at most
  // a second more cache period), or every request in that moment would read the key itself.
  std::pair<std::optional<Cached>, uint64_t> cached(const std::string& hash, int64_t now_ms);
  void drop(const std::string& hash);
  // Keeps what was read, unless something was forgotten since `generation` (read before the
  // database was): a revocation racing the read must not be undone by it.
  void keep(const std::string& hash, const store::api_keys::KeyOwner& owner, int64_t loaded_ms, uint64_t generation);
  template <class Pred>
  void forget_if(Pred pred);

  store::Database& db_;
  const Clock& clock_;
  ApiKeysOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;  // by the secret's hash
  uint64_t generation_ = 0;                        // bumped by every forget
};

}  // namespace plaza::services
