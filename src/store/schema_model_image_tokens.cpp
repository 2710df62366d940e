// v21: what one image may count, in prompt tokens, on a model (0: Plaza's default). Upstreams count
// images their own way (gpt-4o-mini many times gpt-4o's count), and a hold must cover the most a
// request can cost.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kModelImageTokens = R"SQL(
ALTER TABLE models ADD COLUMN image_tokens BIGINT NOT NULL DEFAULT 0;
)SQL";

}  // namespace plaza::store::schema
