// v23: how many of a conversation's earlier images an answer's question went without: images are
// large, and a conversation's grow past max_v1_body_bytes after a dozen; the oldest are left out
// of what is sent, and a reload still says so.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kMessageImagesLeftOut = R"SQL(
ALTER TABLE messages ADD COLUMN images_left_out BIGINT NOT NULL DEFAULT 0;
)SQL";

}  // namespace plaza::store::schema
