// v3, billing: the ledger (accounts, transfers, holds), prices and group multipliers, plans and
// subscriptions, packs, redeem codes, daily counters, and the money columns of usage events.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kBilling = R"SQL(
CREATE TABLE ledger_accounts (
  id @ID@,
  kind TEXT NOT NULL,
  user_id BIGINT NOT NULL DEFAULT 0,
  balance BIGINT NOT NULL DEFAULT 0,
  held BIGINT NOT NULL DEFAULT 0,
  UNIQUE (kind, user_id),
  -- Platform accounts (user 0) may go negative (they are where money enters); users' never do.
  CHECK (user_id = 0 OR (balance >= 0 AND held >= 0 AND held <= balance))
);
-- The platform's accounts have fixed ids (store/ledger_repo.hpp), so charging never looks them up.
INSERT INTO ledger_accounts (id, kind, user_id) VALUES (1, 'revenue', 0), (2, 'promotions', 0), (3, 'sales', 0),
  (4, 'payouts', 0);
--pg: SELECT setval(pg_get_serial_sequence('ledger_accounts', 'id'), 100);

CREATE TABLE ledger_transfers (
  id @ID@,
  idempotency_key TEXT NOT NULL UNIQUE,
  debit_account BIGINT NOT NULL REFERENCES ledger_accounts (id),
  credit_account BIGINT NOT NULL REFERENCES ledger_accounts (id),
  amount BIGINT NOT NULL CHECK (amount > 0),
  kind TEXT NOT NULL,
  user_id BIGINT NOT NULL DEFAULT 0,
  request_id TEXT NOT NULL DEFAULT '',
  memo TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
-- Few indexes: every request writes a transfer. The doctor scans the table once instead.
CREATE INDEX ledger_transfers_user ON ledger_transfers (user_id, id);
CREATE INDEX ledger_transfers_time ON ledger_transfers (created_at);

-- What a request set aside before it was relayed: credits (paid/gift, amount in µc, ref = account),
-- a subscription allowance call (ref = subscription), a count-pack call (ref = user pack), a web
-- fair-use call (ref = user) or an API key's spending limit (ref = key). Each ends posted or voided.
CREATE TABLE holds (
  id @ID@,
  request_id TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  source TEXT NOT NULL,
  ref_id BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  day TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'posted', 'voided')),
  posted BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  UNIQUE (request_id, source)
);
CREATE INDEX holds_pending ON holds (expires_at) WHERE status = 'pending';

CREATE TABLE model_prices (
  model TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('free', 'per_call', 'per_token')),
  input_per_m BIGINT NOT NULL DEFAULT 0,
  output_per_m BIGINT NOT NULL DEFAULT 0,
  cached_per_m BIGINT NOT NULL DEFAULT 0,
  per_call BIGINT NOT NULL DEFAULT 0,
  web_free INTEGER NOT NULL DEFAULT 0,
  web_free_daily_cap BIGINT NOT NULL DEFAULT 0,
  max_output_tokens BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);

CREATE TABLE user_groups (
  name TEXT PRIMARY KEY,
  multiplier_ppm BIGINT NOT NULL DEFAULT 1000000 CHECK (multiplier_ppm >= 0),
  updated_at BIGINT NOT NULL
);

CREATE TABLE plans (
  id @ID@,
  name TEXT NOT NULL,
  level INTEGER NOT NULL,
  period_days INTEGER NOT NULL CHECK (period_days IN (30, 90, 365)),
  price BIGINT NOT NULL CHECK (price >= 0),
  allowances TEXT NOT NULL DEFAULT '[]',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE subscriptions (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  plan_id BIGINT NOT NULL REFERENCES plans (id),
  level INTEGER NOT NULL,
  price BIGINT NOT NULL,
  period_days INTEGER NOT NULL,
  daily_value BIGINT NOT NULL,
  allowances TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  auto_renew INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'replaced')),
  created_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_user ON subscriptions (user_id, ends_at);

-- Calls counted per day: subscription allowances (scope 'allowance', owner = subscription) and
-- the web fair-use cap of web_free models (scope 'web_free', owner = user).
CREATE TABLE daily_counters (
  scope TEXT NOT NULL,
  owner_id BIGINT NOT NULL,
  day TEXT NOT NULL,
  model TEXT NOT NULL,
  used BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, owner_id, day, model)
);

CREATE TABLE packs (
  id @ID@,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('count', 'credit')),
  price BIGINT NOT NULL CHECK (price >= 0),
  calls BIGINT NOT NULL DEFAULT 0,
  credits BIGINT NOT NULL DEFAULT 0,
  models TEXT NOT NULL DEFAULT '[]',
  valid_days INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE user_packs (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  pack_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  models TEXT NOT NULL,
  total BIGINT NOT NULL,
  remaining BIGINT NOT NULL CHECK (remaining >= 0),
  price BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX user_packs_user ON user_packs (user_id);

CREATE TABLE redeem_batches (
  id @ID@,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('paid', 'gift', 'count_pack', 'plan_days')),
  amount BIGINT NOT NULL DEFAULT 0,
  pack_id BIGINT,
  plan_id BIGINT,
  count INTEGER NOT NULL,
  expires_at BIGINT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE redeem_codes (
  code TEXT PRIMARY KEY,
  batch_id BIGINT NOT NULL REFERENCES redeem_batches (id),
  redeemed_by BIGINT,
  redeemed_at BIGINT
);
CREATE INDEX redeem_codes_batch ON redeem_codes (batch_id);

ALTER TABLE api_keys ADD COLUMN spend_limit BIGINT;
ALTER TABLE api_keys ADD COLUMN spent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN spent_held BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_events ADD COLUMN priced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN cost BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN allowance_uc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN count_pack_uc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN paid_uc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN gift_uc BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN surcharge BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN subscription_id BIGINT;
ALTER TABLE usage_events ADD COLUMN plan_daily_value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE usage_events ADD COLUMN user_pack_id BIGINT;
CREATE INDEX usage_events_user_day ON usage_events (user_id, day);
)SQL";

}  // namespace plaza::store::schema
