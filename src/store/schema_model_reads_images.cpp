// v22: whether a model reads images. A text-only model (DeepSeek's chat, most local models) is
// refused a request with images before any upstream call, and the web chat leaves a conversation's
// earlier images out of what it sends such a model.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kModelReadsImages = R"SQL(
ALTER TABLE models ADD COLUMN reads_images INTEGER NOT NULL DEFAULT 1;
)SQL";

}  // namespace plaza::store::schema
