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

namespace plaza::store::schema {

// v17: the images themselves (base64 of their bytes), so that every instance serves every image and a
// backup of the database holds them. <data_dir>/uploads is now each instance's cache of what it
// served: names are the bytes' hash, so a cached copy is never stale. Images from before it are
// copied in from the folders they were written to when an instance starts (services/images).
// `used`: an app version or the model catalogue has named the image; those never named are removed
// after a while (uploads_repo::remove_unused), found through the partial index.
const char* const kUploadFiles = R"SQL(
CREATE TABLE upload_files (
  name TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX upload_files_unused ON upload_files (created_at) WHERE used = 0;
)SQL";

}  // namespace plaza::store::schema
