#pragma once
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::store::api_keys {

struct NewKey {
  int64_t user_id = 0;
  std::string name;
  std::string secret_hash;  // SHA-256 of the whole secret; the secret itself is never stored
  std::string secret_start;
  std::string secret_end;
  std::vector<std::string> models;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> spend_limit;
};

ApiKey create(Conn& c, const NewKey& k, int64_t now);
std::vector<ApiKey> list_for_user(Conn& c, int64_t user_id);
// Marks the key revoked; false when the user has no such key or it was already revoked.
bool revoke(Conn& c, int64_t user_id, int64_t key_id, int64_t now);
// The user's active (not revoked) key, for an edit.
std::optional<ApiKey> find_active(Conn& c, int64_t user_id, int64_t key_id);
// Sets (or, with nullopt, removes) the key's spending limit; false when the user has no such active key.
bool set_spend_limit(Conn& c, int64_t user_id, int64_t key_id, std::optional<int64_t> spend_limit);

struct KeyOwner {
  ApiKey key;
  User user;
};
std::optional<KeyOwner> find_by_hash(Conn& c, const std::string& secret_hash);
void touch(Conn& c, int64_t key_id, int64_t now);

}  // namespace plaza::store::api_keys
