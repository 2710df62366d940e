#include "store/settings_repo.hpp"

namespace plaza::store::settings {

std::optional<std::string> get(Conn& c, const std::string& key) {
  auto row = c.query_one("SELECT value FROM settings WHERE key = $1", {key});
  if (!row) return std::nullopt;
  return row->str(0);
}

void put(Conn& c, const std::string& key, const std::string& value, int64_t now) {
  c.exec(
      "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      {key, value, now});
}

void remove(Conn& c, const std::string& key) {
  c.exec("DELETE FROM settings WHERE key = $1", {key});
}

}  // namespace plaza::store::settings

namespace plaza::store::audit {

void record(Conn& c, std::optional<int64_t> actor_id, const std::string& action, const std::string& target,
            const std::string& detail, int64_t now) {
  c.exec("INSERT INTO audit_log (actor_id, action, target, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
         {actor_id ? Value(*actor_id) : kNull, action, target, detail, now});
}

}  // namespace plaza::store::audit
