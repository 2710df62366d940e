#include "store/uploads_repo.hpp"

#include <algorithm>
#include <cctype>

#include "store/users_repo.hpp"

namespace plaza::store::uploads {

namespace {
// Sent with a chat message that still exists (deleting a conversation deletes its message_images).
constexpr const char* kNotInAMessage =
    "NOT EXISTS (SELECT 1 FROM message_images WHERE message_images.name = upload_files.name)";
}  // namespace

Stored store_image(Conn& c, int64_t user_id, const std::string& name, const std::string& base64, int64_t bytes,
                   int64_t now, int64_t since, int64_t limit) {
  // The same image again: an unused one starts its time to the clean-up again (it is about to be used),
  // and this user becomes one of its users (who may see and send it), at no share of their day's
  // uploads: the row is dated 0.
  if (c.exec("UPDATE upload_files SET created_at = $2 WHERE name = $1 AND used = 0", {name, now}) > 0 ||
      c.query_one("SELECT 1 FROM upload_files WHERE name = $1", {name})) {
    c.exec(
        "INSERT INTO uploads (user_id, name, bytes, created_at) SELECT $1, $2, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM "
        "uploads WHERE user_id = $1 AND name = $2)",
        {user_id, name});
    return Stored::already_stored;
  }
  users::lock(c, user_id);  // two uploads of one user at once are counted one after the other
  auto made = c.query_one("SELECT COUNT(*) FROM uploads WHERE user_id = $1 AND created_at > $2", {user_id, since});
  if (made && made->i64(0) >= limit) return Stored::over_limit;
  c.exec("INSERT INTO uploads (user_id, name, bytes, created_at) VALUES ($1, $2, $3, $4)", {user_id, name, bytes, now});
  add_image(c, name, base64, now, false);  // another user's twin may have got there first: the same bytes
  return Stored::added;
}

std::optional<std::string> image_data(Conn& c, const std::string& name) {
  auto row = c.query_one("SELECT data FROM upload_files WHERE name = $1", {name});
  if (!row) return std::nullopt;
  return row->str(0);
}

Audience audience(Conn& c, const std::string& name) {
  auto row = c.query_one("SELECT used FROM upload_files WHERE name = $1", {name});
  if (!row) return Audience::missing;
  return row->i64(0) ? Audience::everyone : Audience::its_users;
}

bool visible_to(Conn& c, const std::string& name, int64_t user_id) {
  return c
      .query_one(
          "SELECT 1 FROM upload_files f WHERE f.name = $1 AND (f.used = 1 OR EXISTS (SELECT 1 FROM uploads WHERE "
          "user_id = $2 AND name = $1) OR EXISTS (SELECT 1 FROM message_images i JOIN messages m ON m.id = "
          "i.message_id JOIN conversations v ON v.id = m.conversation_id WHERE i.name = $1 AND v.user_id = $2))",
          {name, user_id})
      .has_value();
}

std::optional<int64_t> data_length(Conn& c, const std::string& name) {
  auto row = c.query_one("SELECT LENGTH(data) FROM upload_files WHERE name = $1", {name});
  if (!row) return std::nullopt;
  return row->i64(0);
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

void add_image(Conn& c, const std::string& name, const std::string& base64, int64_t now, bool used) {
  c.exec(
      "INSERT INTO upload_files (name, data, created_at, used) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
      {name, base64, now, int64_t{used}});
}

std::string_view type_of_name(std::string_view name) {
  auto dot = name.find('.');
  if (dot != 32 || name.size() > 40) return {};
  for (std::size_t i = 0; i < dot; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return {};
  std::string_view type = name.substr(dot + 1);
  return type == "png" || type == "jpeg" || type == "gif" || type == "webp" ? type : std::string_view();
}

std::vector<std::string> names_in(std::string_view text) {
  constexpr std::string_view kPrefix = "/uploads/";
  std::vector<std::string> out;
  for (auto at = text.find(kPrefix); at != std::string_view::npos; at = text.find(kPrefix, at + 1)) {
    std::string_view rest = text.substr(at + kPrefix.size(), 40);
    // 32 hex digits, a dot, and the type's letters: whatever follows (a quote, a full stop) is not the name's.
    std::size_t end = 33;
    while (end < rest.size() && std::isalpha(static_cast<unsigned char>(rest[end]))) ++end;
    if (rest.size() > 33 && !type_of_name(rest.substr(0, end)).empty()) out.emplace_back(rest.substr(0, end));
  }
  return out;
}

bool touch_all(Conn& c, std::vector<std::string> names, int64_t now) {
  // In one order: two messages naming the same images the other way round lock them alike.
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  int64_t found = 0;  // an UPDATE locks the row (PostgreSQL) and counts it changed or not (both)
  for (const auto& name : names)
    found += c.exec(
        "UPDATE upload_files SET created_at = CASE WHEN created_at < $2 THEN $2 ELSE created_at END WHERE name = $1",
        {name, now});
  return found == static_cast<int64_t>(names.size());
}

void mark_used(Conn& c, std::string_view text) {
  for (const auto& name : names_in(text))
    c.exec("UPDATE upload_files SET used = 1 WHERE name = $1 AND used = 0", {name});
}

std::vector<std::string> remove_unused(Conn& c, int64_t before, int64_t limit) {
  std::vector<std::string> out;
  // On PostgreSQL, rows a message being sent has locked (touch_all) are skipped, not waited for: the
  // two would otherwise lock the same images in different orders.
  const char* skip_locked = c.dialect() == Dialect::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  auto rows = c.query("DELETE FROM upload_files WHERE used = 0 AND created_at < $1 AND " + std::string(kNotInAMessage) +
                          " AND name IN (SELECT name FROM upload_files WHERE used = 0 AND created_at < $1 AND " +
                          kNotInAMessage + " ORDER BY created_at LIMIT $2" + skip_locked + ") RETURNING name",
                      {before, limit});
  for (const auto& r : rows.rows) out.push_back(r.str(0));
  return out;
}

}  // namespace plaza::store::uploads
