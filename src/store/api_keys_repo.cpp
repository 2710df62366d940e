#include "store/api_keys_repo.hpp"

#include "store/json_columns.hpp"

namespace plaza::store::api_keys {

namespace {

constexpr const char* kColumns =
    "k.id, k.user_id, k.name, k.secret_start, k.secret_end, k.models, k.created_at, k.expires_at, k.last_used_at, "
    "k.revoked_at, k.spend_limit, k.spent";

ApiKey to_key(const Row& r) {
  return ApiKey{r.i64(0), r.i64(1),     r.str(2),     r.str(3),    r.str(4), from_json_array(r.str(5)),
                r.i64(6), r.opt_i64(7), r.opt_i64(8), r.opt_i64(9), r.opt_i64(10), r.i64(11)};
}

}  // namespace

ApiKey create(Conn& c, const NewKey& k, int64_t now) {
  auto row = c.query_one(
      "INSERT INTO api_keys (user_id, name, secret_hash, secret_start, secret_end, models, created_at, expires_at, "
      "spend_limit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {k.user_id, k.name, k.secret_hash, k.secret_start, k.secret_end, to_json_array(k.models), now,
       k.expires_at ? Value(*k.expires_at) : kNull, k.spend_limit ? Value(*k.spend_limit) : kNull});
  return ApiKey{row->i64(0), k.user_id, k.name,       k.secret_start, k.secret_end,
                k.models,    now,       k.expires_at, std::nullopt,   std::nullopt, k.spend_limit, 0};
}

std::vector<ApiKey> list_for_user(Conn& c, int64_t user_id) {
  auto result = c.query(std::string("SELECT ") + kColumns + " FROM api_keys k WHERE k.user_id = $1 ORDER BY k.id DESC",
                        {user_id});
  std::vector<ApiKey> out;
  for (const auto& r : result.rows) out.push_back(to_key(r));
  return out;
}

bool revoke(Conn& c, int64_t user_id, int64_t key_id, int64_t now) {
  return c.exec("UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                {key_id, user_id, now}) > 0;
}

std::optional<ApiKey> find_active(Conn& c, int64_t user_id, int64_t key_id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns +
                             " FROM api_keys k WHERE k.id = $1 AND k.user_id = $2 AND k.revoked_at IS NULL",
                         {key_id, user_id});
  if (!row) return std::nullopt;
  return to_key(*row);
}

bool set_spend_limit(Conn& c, int64_t user_id, int64_t key_id, std::optional<int64_t> spend_limit) {
  return c.exec("UPDATE api_keys SET spend_limit = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                {key_id, user_id, spend_limit ? Value(*spend_limit) : kNull}) > 0;
}

std::optional<KeyOwner> find_by_hash(Conn& c, const std::string& secret_hash) {
  auto row = c.query_one(std::string("SELECT ") + kColumns +
                             ", u.id, u.username, u.email, u.role, u.user_group, u.banned, u.created_at "
                             "FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.secret_hash = $1",
                         {secret_hash});
  if (!row) return std::nullopt;
  const Row& r = *row;
  return KeyOwner{to_key(r), User{r.i64(12), r.str(13), r.opt_str(14), r.str(15), r.str(16), r.boolean(17), r.i64(18)}};
}

void touch(Conn& c, int64_t key_id, int64_t now) {
  c.exec("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", {key_id, now});
}

}  // namespace plaza::store::api_keys
