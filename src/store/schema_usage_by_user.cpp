// v9: a user's usage events are read newest first by id (the usage page, the request log filtered
// by a user, paged with before=<id>). The (user_id, created_at) index made both databases read all
// of the user's events and sort them for every page; (user_id, id) reads one page. It replaces that
// index, so a usage event still writes the same number of index entries.
//
// Built before the old one goes, as in v7: writes to usage_events wait for the build.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kUsageByUser = R"SQL(
CREATE INDEX usage_events_user_id ON usage_events (user_id, id);
DROP INDEX usage_events_user_time;
)SQL";

}  // namespace plaza::store::schema
