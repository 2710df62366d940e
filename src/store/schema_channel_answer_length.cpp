// v18: an Anthropic channel's answer length when a request sets none. Anthropic requires max_tokens;
// Plaza sent 4,096, which cuts long answers of models that can write 32,000 or 64,000 tokens.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kChannelAnswerLength = R"SQL(
ALTER TABLE channels ADD COLUMN default_max_tokens BIGINT NOT NULL DEFAULT 0;
)SQL";

}  // namespace plaza::store::schema
