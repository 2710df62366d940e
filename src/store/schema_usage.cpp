// v7: usage events of model calls (no app) leave the app index. Every call wrote an entry there, and
// the queries that read it all ask for an app (app_id = …, IS NOT NULL, IN …, a join on apps.id),
// which both databases prove implies the index's condition.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kUsageIndexes = R"SQL(
DROP INDEX usage_events_app_day;
CREATE INDEX usage_events_app_day ON usage_events (app_id, day) WHERE app_id IS NOT NULL;
)SQL";

}  // namespace plaza::store::schema
