#include "store/users_repo.hpp"

#include "core/validation.hpp"

namespace plaza::store::users {

namespace {

constexpr const char* kColumns = "id, username, email, role, user_group, banned, created_at";

User to_user(const Row& r, std::size_t at = 0) {
  return User{r.i64(at),     r.str(at + 1),     r.opt_str(at + 2), r.str(at + 3),
              r.str(at + 4), r.boolean(at + 5), r.i64(at + 6)};
}

}  // namespace

User create(Conn& c, const NewUser& u, int64_t now) {
  auto row = c.query_one(
      std::string("INSERT INTO users (username, username_lower, email, password_hash, role, "
                  "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ") +
          kColumns,
      {u.username, ascii_lower(u.username), u.email ? Value(*u.email) : kNull, u.password_hash, u.role, now});
  return to_user(*row);
}

void lock(Conn& c, int64_t id) {
  if (c.dialect() == Dialect::postgres) c.exec("SELECT id FROM users WHERE id = $1 FOR UPDATE", {id});
}

std::optional<User> find(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1", {id});
  if (!row) return std::nullopt;
  return to_user(*row);
}

std::optional<User> find_by_username(Conn& c, const std::string& username) {
  auto row =
      c.query_one(std::string("SELECT ") + kColumns + " FROM users WHERE username_lower = $1", {ascii_lower(username)});
  if (!row) return std::nullopt;
  return to_user(*row);
}

std::optional<std::pair<User, std::string>> find_credentials(Conn& c, const std::string& username) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + ", password_hash FROM users WHERE username_lower = $1",
                         {ascii_lower(username)});
  if (!row) return std::nullopt;
  return std::make_pair(to_user(*row), row->str(7));
}

std::optional<std::string> password_hash(Conn& c, int64_t id) {
  auto row = c.query_one("SELECT password_hash FROM users WHERE id = $1", {id});
  if (!row) return std::nullopt;
  return row->str(0);
}

std::vector<int64_t> without_sign_in(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<int64_t> out;
  if (ids.empty()) return out;
  for (const auto& r : c.query("SELECT id FROM users WHERE password_hash = '!' AND " + among(c.dialect(), "id", "$1"),
                               {id_array(c.dialect(), ids)})
                           .rows)
    out.push_back(r.i64(0));
  return out;
}

void set_password_hash(Conn& c, int64_t id, const std::string& hash, int64_t now) {
  c.exec("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1", {id, hash, now});
}

void set_email(Conn& c, int64_t id, const std::optional<std::string>& email, int64_t now) {
  c.exec("UPDATE users SET email = $2, updated_at = $3 WHERE id = $1", {id, email ? Value(*email) : kNull, now});
}

void set_role(Conn& c, int64_t id, const std::string& role, int64_t now) {
  c.exec("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1", {id, role, now});
}

void set_group(Conn& c, int64_t id, const std::string& group, int64_t now) {
  c.exec("UPDATE users SET user_group = $2, updated_at = $3 WHERE id = $1", {id, group, now});
}

void set_banned(Conn& c, int64_t id, bool banned, int64_t now) {
  c.exec("UPDATE users SET banned = $2, updated_at = $3 WHERE id = $1", {id, int64_t{banned ? 1 : 0}, now});
}

int64_t count_admins(Conn& c) {
  return c.query_one("SELECT COUNT(*) FROM users WHERE role = 'admin'")->i64(0);
}

std::vector<User> list(Conn& c, const std::string& query, int64_t offset, int64_t limit) {
  auto result = c.query(std::string("SELECT ") + kColumns +
                            " FROM users WHERE username_lower LIKE $1 ESCAPE '\\' ORDER BY id DESC LIMIT $2 OFFSET $3",
                        {contains_pattern(ascii_lower(query)), limit, offset});
  std::vector<User> out;
  for (const auto& r : result.rows) out.push_back(to_user(r));
  return out;
}

int64_t count(Conn& c, const std::string& query) {
  return c
      .query_one("SELECT COUNT(*) FROM users WHERE username_lower LIKE $1 ESCAPE '\\'",
                 {contains_pattern(ascii_lower(query))})
      ->i64(0);
}

}  // namespace plaza::store::users
