// v20: the images a user sent with a message, as "/uploads/<name>" URLs separated by spaces (the
// images themselves are in upload_files), so every later turn can send them again.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kMessageImages = R"SQL(
ALTER TABLE messages ADD COLUMN images TEXT NOT NULL DEFAULT '';
)SQL";

}  // namespace plaza::store::schema
