// v29: top-up orders paid through a payment provider (Stripe Checkout). An order is written before
// the provider is called, so its id names the provider's session (metadata, client_reference_id) and
// a webhook can always find it; `provider_ref` (the session id) is unique, so one session can fund one
// order only. `nonce` (random per order) makes the Stripe Idempotency-Key: order ids repeat across
// databases (staging and production on one Stripe account, a restored backup), a nonce does not.
// `expires_at` is the session's own expiry as sent to Stripe; past it (and a grace) the reconciler
// expires an order Stripe does not report paid. `request_id` files the client's X-Request-Id per user: a
// retried checkout returns the same order. `refreshed_at` spaces out the provider look-ups that a
// user's page and the reconciler make while an order is pending.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kPayments = R"SQL(
CREATE TABLE payment_orders (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  amount BIGINT NOT NULL CHECK (amount > 0),
  currency TEXT NOT NULL,
  credits BIGINT NOT NULL CHECK (credits > 0),
  status TEXT NOT NULL DEFAULT 'pending',
  provider_ref TEXT UNIQUE,
  request_id TEXT,
  created_at BIGINT NOT NULL,
  paid_at BIGINT,
  checkout_url TEXT,
  refreshed_at BIGINT NOT NULL DEFAULT 0,
  nonce TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX payment_orders_request ON payment_orders (user_id, request_id);
CREATE INDEX payment_orders_user ON payment_orders (user_id, status, id);
CREATE INDEX payment_orders_status ON payment_orders (status, id);
CREATE INDEX payment_orders_paid_at ON payment_orders (paid_at) WHERE paid_at IS NOT NULL;
)SQL";

}  // namespace plaza::store::schema
