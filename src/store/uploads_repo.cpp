#include "store/uploads_repo.hpp"

#include "store/users_repo.hpp"

namespace plaza::store::uploads {

bool record_within(Conn& c, int64_t user_id, const std::string& name, int64_t bytes, int64_t now, int64_t since,
                   int64_t limit) {
  users::lock(c, user_id);  // two uploads of one user at once are counted one after the other
  auto made = c.query_one("SELECT COUNT(*) FROM uploads WHERE user_id = $1 AND created_at > $2", {user_id, since});
  if (made && made->i64(0) >= limit) return false;
  c.exec("INSERT INTO uploads (user_id, name, bytes, created_at) VALUES ($1, $2, $3, $4)", {user_id, name, bytes, now});
  return true;
}

}  // namespace plaza::store::uploads
