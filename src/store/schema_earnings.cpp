// v5, creator revenue: app unlocks, earnings rows (one per day, paying user, app and stream), the
// settlement's run record with its lease, freezes, payouts, and the surcharge columns of usage events.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kEarnings = R"SQL(
-- A one-time unlock, bought once per user and app.
CREATE TABLE app_unlocks (
  app_id BIGINT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  price BIGINT NOT NULL,
  paid_uc BIGINT NOT NULL DEFAULT 0,
  gift_uc BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, user_id)
);

-- What a creator (owner) earned from one paying user's use of one app on one day, per stream:
-- direct (surcharges and unlocks, written as they happen), subscription and pack (the daily pools,
-- written by the settlement). The unique key makes every stream's row exist once, however often a
-- day is settled. `basis` is what the amount was computed from (the paid part, or the pool).
CREATE TABLE earnings (
  id @ID@,
  day TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  app_id BIGINT NOT NULL,
  stream TEXT NOT NULL CHECK (stream IN ('direct', 'subscription', 'pack')),
  owner_id BIGINT NOT NULL,
  amount BIGINT NOT NULL CHECK (amount >= 0),
  basis BIGINT NOT NULL DEFAULT 0,
  calls BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'available', 'reversed')),
  batch TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  settled_at BIGINT,
  UNIQUE (day, user_id, app_id, stream)
);
CREATE INDEX earnings_owner_day ON earnings (owner_id, day);
CREATE INDEX earnings_pending ON earnings (day, id) WHERE status = 'pending';
CREATE INDEX earnings_day_stream ON earnings (day, stream);

-- One per settled day: the lease says which instance works on it and until when; the cursor is the
-- first user id not yet settled (it moves in the same transaction as each batch's rows).
CREATE TABLE settlement_runs (
  day TEXT PRIMARY KEY,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
  cursor BIGINT NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  batches INTEGER NOT NULL DEFAULT 0,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  updated_at BIGINT NOT NULL
);

-- While a freeze is on, the pending earnings of the app (scope 'app') or of the creator ('creator')
-- do not clear; an admin lifts it or reverses them.
CREATE TABLE earnings_freezes (
  id @ID@,
  scope TEXT NOT NULL CHECK (scope IN ('app', 'creator')),
  ref_id BIGINT NOT NULL,
  reason TEXT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  lifted_at BIGINT
);
CREATE INDEX earnings_freezes_active ON earnings_freezes (scope, ref_id) WHERE lifted_at IS NULL;

CREATE TABLE payouts (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id),
  amount BIGINT NOT NULL CHECK (amount > 0),
  destination TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'paid', 'rejected')),
  reference TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  decided_at BIGINT,
  decided_by BIGINT
);
CREATE INDEX payouts_status ON payouts (status, id);
CREATE INDEX payouts_user ON payouts (user_id, id);

ALTER TABLE usage_events ADD COLUMN surcharge_paid_uc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN surcharge_gift_uc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN creator_uc BIGINT NOT NULL DEFAULT 0;
-- The square's lists show each app's users from here (the stats job keeps it with `uses`) instead
-- of counting distinct users per listed app per request.
ALTER TABLE apps ADD COLUMN users BIGINT NOT NULL DEFAULT 0;
-- A category page reads its listed apps in trending order from one index (with `listed` first the
-- planner no longer prefers scanning every listed app by trending and filtering the category).
DROP INDEX apps_category;
CREATE INDEX apps_category ON apps (listed, category, trending, id);
-- A tag filter reads the tag's app ids from the index alone.
DROP INDEX app_tags_tag;
CREATE INDEX app_tags_tag ON app_tags (tag, app_id);
-- The settlement reads a day's app calls by user ranges from this index alone (it holds every
-- column the pools need); only calls of user apps pay for it.
CREATE INDEX usage_events_earning ON usage_events (day, user_id, app_id, app_owner_id, subscription_id, priced,
  plan_daily_value, paid_uc) WHERE app_kind = 'user';
)SQL";

}  // namespace plaza::store::schema
