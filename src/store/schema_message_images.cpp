// v20: the images a user sent with a message, in order (the images themselves are in upload_files),
// so every later turn can send them again. A row is also what keeps its image from the unused-upload
// clean-up: deleting the conversation deletes the rows, and an image no row names may go.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kMessageImages = R"SQL(
CREATE TABLE message_images (
  message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (message_id, position)
);
CREATE INDEX message_images_name ON message_images (name);
)SQL";

}  // namespace plaza::store::schema
