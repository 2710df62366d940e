// v15: who uploaded which image when, so a user's uploads per day can be bounded (any signed-in user
// could fill the disk with distinct 512 KB images). Images from before it have no rows.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kUploads = R"SQL(
CREATE TABLE uploads (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX uploads_user ON uploads (user_id, created_at);
)SQL";

}  // namespace plaza::store::schema
