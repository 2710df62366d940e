#pragma once
#include <optional>
#include <string>

#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::store::users {

struct NewUser {
  std::string username;
  std::optional<std::string> email;
  std::string password_hash;
  std::string role = "user";
};

// Throws UniqueViolation when the username (case-insensitively) is taken.
User create(Conn& c, const NewUser& u, int64_t now);
std::optional<User> find(Conn& c, int64_t id);
// Serialises the transaction with others that lock the same user (PostgreSQL runs writers side by
// side; SQLite has one writer): for counts a write must see whole, such as a quota or a wallet change.
void lock(Conn& c, int64_t id);
std::optional<User> find_by_username(Conn& c, const std::string& username);
// The user and their password hash, for signing in.
std::optional<std::pair<User, std::string>> find_credentials(Conn& c, const std::string& username);
std::optional<std::string> password_hash(Conn& c, int64_t id);
// Those of `ids` nobody can sign in as (no password hash: the system user that owns the built-in apps).
std::vector<int64_t> without_sign_in(Conn& c, const std::vector<int64_t>& ids);
void set_password_hash(Conn& c, int64_t id, const std::string& hash, int64_t now);
void set_email(Conn& c, int64_t id, const std::optional<std::string>& email, int64_t now);
void set_role(Conn& c, int64_t id, const std::string& role, int64_t now);
void set_group(Conn& c, int64_t id, const std::string& group, int64_t now);
void set_banned(Conn& c, int64_t id, bool banned, int64_t now);
int64_t count_admins(Conn& c);
// Users whose name contains `query` (empty: all), newest first.
std::vector<User> list(Conn& c, const std::string& query, int64_t offset, int64_t limit);
int64_t count(Conn& c, const std::string& query);

}  // namespace plaza::store::users
