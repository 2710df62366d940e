#include "store/sessions_repo.hpp"

namespace plaza::store::sessions {

void create(Conn& c, const std::string& id_hash, int64_t user_id, const std::string& csrf_token, int64_t now,
            int64_t expires_at, const std::string& ip, const std::string& user_agent) {
  c.exec(
      "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {id_hash, user_id, csrf_token, now, expires_at, ip, user_agent});
}

std::optional<SessionRecord> find(Conn& c, const std::string& id_hash) {
  auto row = c.query_one(
      "SELECT s.csrf_token, s.expires_at, u.id, u.username, u.email, u.role, u.user_group, u.banned, u.created_at "
      "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
      {id_hash});
  if (!row) return std::nullopt;
  return SessionRecord{
      row->str(0), row->i64(1),
      User{row->i64(2), row->str(3), row->opt_str(4), row->str(5), row->str(6), row->boolean(7), row->i64(8)}};
}

void remove(Conn& c, const std::string& id_hash) {
  c.exec("DELETE FROM sessions WHERE id_hash = $1", {id_hash});
}

int64_t remove_all_for_user(Conn& c, int64_t user_id, const std::string& keep_hash) {
  return c.exec("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", {user_id, keep_hash});
}

int64_t remove_expired(Conn& c, int64_t now) {
  return c.exec("DELETE FROM sessions WHERE expires_at <= $1", {now});
}

}  // namespace plaza::store::sessions
