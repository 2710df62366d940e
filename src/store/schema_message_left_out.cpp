// v19: how many earlier messages an answer's question went without (the model's context had no room
// for them), so the conversation shows it after a reload too, not only while the answer streams.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kMessageLeftOut = R"SQL(
ALTER TABLE messages ADD COLUMN left_out BIGINT NOT NULL DEFAULT 0;
)SQL";

}  // namespace plaza::store::schema
