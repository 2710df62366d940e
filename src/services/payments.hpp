#pragma once
// Top-ups of paid credits through a payment provider (Stripe Checkout). An order is written, then the
// provider opens a checkout session for it; the provider's signed webhook (or, when that is late, a
// look-up the user's return to the site triggers) fulfils it: one transaction moves the order from
// pending to paid and credits the user's paid account from the platform's sales account, under the
// ledger key "payment:<order id>" — exactly once, whoever gets there first.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/secretbox.hpp"
#include "http/upstream_client.hpp"
#include "services/stripe.hpp"
#include "store/database.hpp"
#include "store/payments_repo.hpp"
#include "store/records.hpp"

namespace plaza::billing {
class Meter;
}

namespace plaza::services {

using boost::asio::awaitable;

struct PaymentSettings {
  std::string kind;  // "" (off) | stripe
  std::string api_base = "https://api.stripe.com";
  int64_t min_amount = 100;        // minor units
  int64_t max_amount = 1'000'000;  // minor units
  std::string secret_key;
  std::string webhook_secret;
  bool enabled() const { return kind == "stripe" && !secret_key.empty(); }
  // Orders already open are settled while a key is stored, even with payments switched off (kind ""):
  // their buyers may be paying on Stripe's page at that moment.
  bool settles() const { return !secret_key.empty(); }
};

inline constexpr int64_t kMaxPaymentAmount = 10'000'000;

// Stored in the settings table with the secrets sealed (as the moderation provider's keys are).
PaymentSettings load_payment_settings(store::Conn& c, const crypto::SecretBox& box);
void save_payment_settings(store::Conn& c, const crypto::SecretBox& box, const PaymentSettings& s, int64_t now);

struct PaymentsOptions {
  std::string currency = "CNY";
  int64_t credits_per_currency_unit = 10;
  std::string public_url;
  std::chrono::milliseconds stripe_time_limit{30'000};  // one call to Stripe, whatever it does
};

struct Checkout {
  store::payments::Order order;
  std::string url;
};

class Payments {
 public:
  Payments(store::Database& db, const Clock& clock, http::UpstreamClient& upstream, const crypto::SecretBox& box,
           billing::Meter* meter, PaymentsOptions options)
      : db_(db), clock_(clock), upstream_(upstream), box_(box), meter_(meter), options_(std::move(options)) {}

  const PaymentsOptions& options() const { return options_; }
  // Before serving only: without a configured public_url the site's address is known once the
  // server has bound its port (port 0 in tests picks one).
  void set_public_url(std::string url) { options_.public_url = std::move(url); }
  awaitable<PaymentSettings> settings();
  // Admin: `secret_key` / `webhook_secret` unset keep the stored ones, empty clears them. Audited.
  awaitable<void> set_settings(store::User admin, PaymentSettings s, std::optional<std::string> secret_key,
                               std::optional<std::string> webhook_secret);

  // A new order and its checkout page. `request_id` (the client's X-Request-Id): sent again with the
  // same amount, the same order; with another, conflict.
  awaitable<Checkout> checkout(int64_t user_id, int64_t amount, std::optional<std::string> request_id);
  awaitable<std::vector<store::payments::Order>> orders(int64_t user_id, int64_t limit, int64_t before);
  awaitable<std::vector<store::payments::Order>> all_orders(std::string status, std::optional<int64_t> user_id,
                                                            int64_t limit, int64_t before);
  // The user's order (not_found for anyone else's). A pending one is looked up at the provider at
  // most once per kRefreshSpacing and fulfilled when it was paid.
  awaitable<store::payments::Order> order(int64_t user_id, int64_t id);
  // The buyer left Stripe's page with Cancel: its session is closed at Stripe and the order expires,
  // so it no longer counts among the user's open top-ups. One paid meanwhile is credited instead.
  awaitable<store::payments::Order> cancel(int64_t user_id, int64_t id);
  // A Stripe webhook delivery: its Stripe-Signature header and raw body. invalid_request (nothing
  // changed) when the signature does not hold.
  awaitable<void> stripe_webhook(std::string signature, std::string body);

  // The reconciler's run: up to `limit` pending orders, oldest first, not looked up within
  // kRefreshSpacing, are looked up at Stripe and fulfilled, or expired once past their session's
  // expiry and kExpiryGrace without being paid (or without a session at all, or with one Stripe no
  // longer knows). Returns how many were looked at. A webhook is optional: this credits without one.
  awaitable<int> reconcile(int64_t limit);

  static constexpr int64_t kRefreshSpacing = 5;
  static constexpr int64_t kExpiryGrace = 600;
  // Open (pending) orders a user may have at once.
  static constexpr int64_t kMaxPendingOrders = 5;
  // The checkout session's life at Stripe (it takes 30 minutes to 24 hours).
  static constexpr int64_t kSessionLifetime = 3600;

 private:
  // Acts on what the provider says about an order's session (`event`: the webhook's type, or
  // "refresh"): fulfils, expires or fails it.
  awaitable<void> apply(stripe::Session session, std::string event);
  // `apply` for a session read from Stripe by the order's stored session id: it is that order's,
  // whatever its metadata says.
  awaitable<void> apply_own(stripe::Session session, int64_t order_id, std::string event);
  // The account the provider's calls use (a local: g++ 12 miscompiles a braced temporary in co_await).
  stripe::Account stripe_account(const PaymentSettings& s) const {
    return {s.api_base, s.secret_key, options_.stripe_time_limit};
  }
  awaitable<bool> fulfil(const store::payments::Order& order);
  // Looks a pending order up at the provider (the caller has claimed the refresh) and acts on it.
  awaitable<void> look_up(store::payments::Order order, PaymentSettings s);

  store::Database& db_;
  const Clock& clock_;
  http::UpstreamClient& upstream_;
  const crypto::SecretBox& box_;
  billing::Meter* meter_;
  PaymentsOptions options_;
};

}  // namespace plaza::services
