#pragma once
// API keys: "sk-" and 48 base62 characters, shown once and stored only as a SHA-256 hash (the
// secret has 285 bits of entropy, so a fast hash is enough, unlike passwords).
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
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

class ApiKeys {
 public:
  ApiKeys(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  awaitable<CreatedKey> create(int64_t user_id, std::string name, std::optional<int64_t> expires_at,
                               std::vector<std::string> models, std::optional<int64_t> spend_limit = std::nullopt);
  awaitable<std::vector<store::ApiKey>> list(int64_t user_id);
  awaitable<void> revoke(int64_t user_id, int64_t key_id);
  // The key and its owner for a bearer secret; nothing when unknown, revoked, expired or banned.
  awaitable<std::optional<store::api_keys::KeyOwner>> authenticate(std::string secret);

  static std::string masked(const store::ApiKey& key);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace plaza::services
