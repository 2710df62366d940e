// v8: apps' usage rolled up as it is written. The square's numbers (uses, users, trending, the
// leaderboards, "has this user used the app") were counted from usage_events: every run of the stats
// job read every app call ever made, and an app's page counted its users on each view. These two
// tables grow with the pairs of app and user (and their days) instead.
//
// A trigger keeps them current, in the transaction that writes the call, whichever binary writes it
// (during a rolling upgrade too) and however (the benchmarks' generated sites). Since v16 only on
// PostgreSQL: on SQLite the usage writer keeps them (schema_rollup_in_writer.cpp says why). Only successful
// calls count, as before; usage events are never updated or deleted.
//
// On PostgreSQL, creating the trigger locks usage_events against writes until the migration
// commits, so no call falls between the backfill and the trigger; the backfill reads the app
// calls once, through the (app_id, day) index.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kAppUsage = R"SQL(
--sqlite: CREATE TABLE app_user_days (day TEXT NOT NULL, app_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
--sqlite:   calls BIGINT NOT NULL, PRIMARY KEY (day, app_id, user_id)) WITHOUT ROWID;
--sqlite: CREATE TABLE app_users (app_id BIGINT NOT NULL, user_id BIGINT NOT NULL, calls BIGINT NOT NULL,
--sqlite:   PRIMARY KEY (app_id, user_id)) WITHOUT ROWID;
--sqlite: CREATE TRIGGER usage_events_app_rollup AFTER INSERT ON usage_events
--sqlite:   WHEN NEW.app_id IS NOT NULL AND NEW.status = 'ok'
--sqlite: BEGIN
--sqlite:   INSERT INTO app_user_days (day, app_id, user_id, calls) VALUES (NEW.day, NEW.app_id, NEW.user_id, 1)
--sqlite:     ON CONFLICT (day, app_id, user_id) DO UPDATE SET calls = calls + 1;
--sqlite:   INSERT INTO app_users (app_id, user_id, calls) VALUES (NEW.app_id, NEW.user_id, 1)
--sqlite:     ON CONFLICT (app_id, user_id) DO UPDATE SET calls = calls + 1;
--sqlite: END;
--pg: CREATE TABLE app_user_days (day TEXT NOT NULL, app_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
--pg:   calls BIGINT NOT NULL, PRIMARY KEY (day, app_id, user_id));
--pg: CREATE TABLE app_users (app_id BIGINT NOT NULL, user_id BIGINT NOT NULL, calls BIGINT NOT NULL,
--pg:   PRIMARY KEY (app_id, user_id));
--pg: CREATE FUNCTION usage_events_app_rollup() RETURNS trigger AS $$
--pg: BEGIN
--pg:   INSERT INTO app_user_days (day, app_id, user_id, calls) VALUES (NEW.day, NEW.app_id, NEW.user_id, 1)
--pg:     ON CONFLICT (day, app_id, user_id) DO UPDATE SET calls = app_user_days.calls + 1;
--pg:   INSERT INTO app_users (app_id, user_id, calls) VALUES (NEW.app_id, NEW.user_id, 1)
--pg:     ON CONFLICT (app_id, user_id) DO UPDATE SET calls = app_users.calls + 1;
--pg:   RETURN NULL;
--pg: END
--pg: $$ LANGUAGE plpgsql;
--pg: CREATE TRIGGER usage_events_app_rollup AFTER INSERT ON usage_events FOR EACH ROW
--pg:   WHEN (NEW.app_id IS NOT NULL AND NEW.status = 'ok') EXECUTE FUNCTION usage_events_app_rollup();
INSERT INTO app_user_days (day, app_id, user_id, calls)
  SELECT day, app_id, user_id, COUNT(*) FROM usage_events WHERE app_id IS NOT NULL AND status = 'ok'
  GROUP BY day, app_id, user_id;
INSERT INTO app_users (app_id, user_id, calls)
  SELECT app_id, user_id, SUM(calls) FROM app_user_days GROUP BY app_id, user_id;
)SQL";

}  // namespace plaza::store::schema
