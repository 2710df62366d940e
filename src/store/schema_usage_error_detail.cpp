// v25: what an upstream said about a failed request (its status and message, no key, no URL), for
// the operator's request log: the error code alone ("upstream_error") does not say why.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kUsageErrorDetail = R"SQL(
ALTER TABLE usage_events ADD COLUMN error_detail TEXT NOT NULL DEFAULT '';
)SQL";

}  // namespace plaza::store::schema
