// v12: a creator's earnings page counted its apps' calls and paying users from usage_events, one
// row per call of the period, on every view (0.2-0.4 s for 600k calls). The roll-up of v8 now also
// counts, per day, app and user, the calls that were paid for (paid credits, a surcharge from paid
// credits, or a subscription), and an index by app lets the page read its own apps' days only.
//
// The trigger is replaced whichever binary writes the calls (a rolling upgrade too). On PostgreSQL,
// usage_events is locked against writes until the migration commits, so no call falls between the
// backfill and the new trigger; the backfill reads the paid app calls once.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kAppPaying = R"SQL(
--pg: LOCK TABLE usage_events IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE app_user_days ADD COLUMN paying_calls BIGINT NOT NULL DEFAULT 0;
--sqlite: DROP TRIGGER usage_events_app_rollup;
--sqlite: CREATE TRIGGER usage_events_app_rollup AFTER INSERT ON usage_events
--sqlite:   WHEN NEW.app_id IS NOT NULL AND NEW.status = 'ok'
--sqlite: BEGIN
--sqlite:   INSERT INTO app_user_days (day, app_id, user_id, calls, paying_calls) VALUES (NEW.day, NEW.app_id,
--sqlite:     NEW.user_id, 1, CASE WHEN NEW.paid_uc > 0 OR NEW.surcharge_paid_uc > 0 OR NEW.subscription_id IS NOT NULL
--sqlite:     THEN 1 ELSE 0 END)
--sqlite:     ON CONFLICT (day, app_id, user_id) DO UPDATE SET calls = calls + 1,
--sqlite:     paying_calls = paying_calls + excluded.paying_calls;
--sqlite:   INSERT INTO app_users (app_id, user_id, calls) VALUES (NEW.app_id, NEW.user_id, 1)
--sqlite:     ON CONFLICT (app_id, user_id) DO UPDATE SET calls = calls + 1;
--sqlite: END;
--pg: CREATE OR REPLACE FUNCTION usage_events_app_rollup() RETURNS trigger AS $$
--pg: BEGIN
--pg:   INSERT INTO app_user_days (day, app_id, user_id, calls, paying_calls) VALUES (NEW.day, NEW.app_id,
--pg:     NEW.user_id, 1, CASE WHEN NEW.paid_uc > 0 OR NEW.surcharge_paid_uc > 0 OR NEW.subscription_id IS NOT NULL
--pg:     THEN 1 ELSE 0 END)
--pg:     ON CONFLICT (day, app_id, user_id) DO UPDATE SET calls = app_user_days.calls + 1,
--pg:     paying_calls = app_user_days.paying_calls + EXCLUDED.paying_calls;
--pg:   INSERT INTO app_users (app_id, user_id, calls) VALUES (NEW.app_id, NEW.user_id, 1)
--pg:     ON CONFLICT (app_id, user_id) DO UPDATE SET calls = app_users.calls + 1;
--pg:   RETURN NULL;
--pg: END
--pg: $$ LANGUAGE plpgsql;
UPDATE app_user_days SET paying_calls = p.n
  FROM (SELECT day, app_id, user_id, COUNT(*) AS n FROM usage_events
        WHERE app_id IS NOT NULL AND status = 'ok' AND (paid_uc > 0 OR surcharge_paid_uc > 0 OR subscription_id IS NOT NULL)
        GROUP BY day, app_id, user_id) p
  WHERE app_user_days.day = p.day AND app_user_days.app_id = p.app_id AND app_user_days.user_id = p.user_id;
CREATE INDEX app_user_days_app ON app_user_days (app_id, day);
)SQL";

}  // namespace plaza::store::schema
