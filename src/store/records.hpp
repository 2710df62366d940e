#pragma once
// The rows the repositories hand out.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plaza::store {

struct User {
  int64_t id = 0;
  std::string username;
  std::optional<std::string> email;
  std::string role;   // "user" | "admin"
  std::string group;  // prices and channels depend on it
  bool banned = false;
  int64_t created_at = 0;
  bool is_admin() const { return role == "admin"; }
};

struct SessionRecord {
  std::string csrf_token;
  int64_t expires_at = 0;
  User user;
};

struct ApiKey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string secret_start;  // first characters after "sk-", for the masked form
  std::string secret_end;
  std::vector<std::string> models;  // empty: every model the user may use
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> spend_limit;  // µc the key may spend in all; none: no limit
  int64_t spent = 0;                   // µc of credits charged through it
};

}  // namespace plaza::store
