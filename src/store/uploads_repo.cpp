#include "store/uploads_repo.hpp"

#include "store/users_repo.hpp"

namespace plaza::store::uploads {

Stored store_image(Conn& c, int64_t user_id, const std::string& name, const std::string& base64, int64_t bytes,
                   int64_t now, int64_t since, int64_t limit) {
  if (c.query_one("SELECT 1 FROM upload_files WHERE name = $1", {name})) return Stored::already_stored;
  users::lock(c, user_id);  // two uploads of one user at once are counted one after the other
  auto made = c.query_one("SELECT COUNT(*) FROM uploads WHERE user_id = $1 AND created_at > $2", {user_id, since});
  if (made && made->i64(0) >= limit) return Stored::over_limit;
  c.exec("INSERT INTO uploads (user_id, name, bytes, created_at) VALUES ($1, $2, $3, $4)", {user_id, name, bytes, now});
  add_image(c, name, base64, now);  // another user's twin may have got there first: the same bytes
  return Stored::added;
}

std::optional<std::string> image_data(Conn& c, const std::string& name) {
  auto row = c.query_one("SELECT data FROM upload_files WHERE name = $1", {name});
  if (!row) return std::nullopt;
  return row->str(0);
}

std::vector<std::string> stored_of(Conn& c, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  if (names.empty()) return out;
  std::string sql = "SELECT name FROM upload_files WHERE name IN (";
  std::vector<Value> params;
  for (const auto& n : names) {
    params.emplace_back(n);
    sql += (params.size() == 1 ? "$" : ", $") + std::to_string(params.size());
  }
  for (const auto& r : c.query(sql + ")", params).rows) out.push_back(r.str(0));
  return out;
}

void add_image(Conn& c, const std::string& name, const std::string& base64, int64_t now) {
  c.exec("INSERT INTO upload_files (name, data, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
         {name, base64, now});
}

}  // namespace plaza::store::uploads
