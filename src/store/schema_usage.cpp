// v7: usage events of model calls (no app) leave the app index. Every call wrote an entry there, and
// the queries that read it all ask for an app (app_id = …, IS NOT NULL, IN …, a join on apps.id),
// which both databases prove implies the index's condition.
//
// On PostgreSQL the new index is built before the old one goes: building takes a lock that lets
// other instances go on reading usage_events (their writes wait for the build, as for any index
// built in a transaction), where dropping first would take the table's exclusive lock for the
// whole build. SQLite cannot rename an index, and its one writer waits either way.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kUsageIndexes = R"SQL(
--pg: CREATE INDEX usage_events_app_calls ON usage_events (app_id, day) WHERE app_id IS NOT NULL;
--pg: DROP INDEX usage_events_app_day;
--pg: ALTER INDEX usage_events_app_calls RENAME TO usage_events_app_day;
--sqlite: DROP INDEX usage_events_app_day;
--sqlite: CREATE INDEX usage_events_app_day ON usage_events (app_id, day) WHERE app_id IS NOT NULL;
)SQL";

}  // namespace plaza::store::schema
