// v16: on SQLite the usage writer rolls app calls up itself; the trigger of v8/v12 is dropped. A
// trigger on usage_events made SQLite open a statement journal (a savepoint of its own) for every
// insert, app call or not: a third of the writer's time per event, and the writer shares the cores
// with the relay. SQLite serves a single instance, so there is no other binary to keep the roll-up
// for; usage::insert writes the same two rows in the same transaction. PostgreSQL keeps its trigger:
// there, instances of two versions write calls side by side during a rolling upgrade. (An older
// server left running while a newer binary's command migrates its SQLite file would write calls
// without the roll-up: from now on ServingLock refuses that; servers before it hold no lock, and
// the README tells operators to stop them first.)
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kRollupInWriter = R"SQL(
--sqlite: DROP TRIGGER IF EXISTS usage_events_app_rollup;
--pg: COMMENT ON FUNCTION usage_events_app_rollup() IS 'Rolls each successful app call up into app_user_days and app_users (on SQLite usage::insert does)';
)SQL";

}  // namespace plaza::store::schema
