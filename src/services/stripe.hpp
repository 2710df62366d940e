#pragma once
// Stripe's protocol, as Plaza uses it for top-ups: Checkout Sessions created with a form body in
// Stripe's bracket notation, and webhook signatures (Stripe-Signature: t=<unix>,v1=<hex>, the
// HMAC-SHA256 of "<t>.<raw body>" under the endpoint's signing secret). The pure parts (amounts,
// signatures, the form) are separate from the two calls so they can be tested without a network.
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/upstream_client.hpp"

namespace plaza::services::stripe {

// Minor units in one unit of `currency` (ISO 4217, any case): 1 for Stripe's zero-decimal
// currencies (JPY, KRW, ...), 1000 for the three-decimal ones (KWD, ...), else 100.
int64_t minor_per_unit(std::string_view currency);

// The µc an amount paid buys: amount_minor × credits_per_unit × 1,000,000 ÷ minor_per_unit. Money
// is exact: an amount that does not convert to a whole µc is refused (nullopt), never rounded; so
// is a product past int64.
std::optional<int64_t> credits_for(int64_t amount_minor, std::string_view currency, int64_t credits_per_unit);

enum class Signature { ok, malformed, mismatch, stale };
// Checks a Stripe-Signature header against the raw body as Stripe documents it: any v1 value may
// match (Stripe sends several while a secret is rolled), compared in constant time; the timestamp
// must be within `tolerance_s` of `now_s` either way (a replayed old delivery is refused).
Signature verify_signature(std::string_view header, std::string_view body, std::string_view secret, int64_t now_s,
                           int64_t tolerance_s = 300);

struct SessionRequest {
  int64_t order_id = 0;
  std::string nonce;  // the order's: Idempotency-Key plaza-<nonce>
  int64_t user_id = 0;
  int64_t expires_at = 0;  // unix seconds; Stripe takes 30 minutes to 24 hours from now
  int64_t amount = 0;    // minor units
  std::string currency;  // any case; sent lower-cased as Stripe wants
  std::string public_url;
  std::string product_name;  // "1,000 credits"
};
// The form body of POST /v1/checkout/sessions, each value percent-encoded.
std::string checkout_form(const SessionRequest& r);
// "1,000 credits", "12.5 credits": the line item's name a payer reads on Stripe's page.
std::string product_name(int64_t credits_uc);

// The parts of a checkout.session object Plaza reads.
struct Session {
  std::string id;
  std::string url;
  std::string status;          // open | complete | expired
  std::string payment_status;  // paid | unpaid | no_payment_required
  int64_t amount_total = -1;
  std::string currency;             // lower case
  std::optional<int64_t> order_id;  // metadata.order_id, else client_reference_id, when a whole number
  std::optional<int64_t> user_id;   // metadata.user_id, when a whole number
  std::string nonce;                // metadata.nonce: the order's own random nonce, as only this site knows it
  bool ids_disagree = false;        // metadata.order_id and client_reference_id name different orders
};
// Nothing unless it is an object with a string id.
std::optional<Session> parse_session(const boost::json::value& v);

// What went wrong talking to Stripe, for the operator's log only (never the key; Stripe's own
// message, which may describe the request, is not shown to users either).
class StripeError : public std::runtime_error {
 public:
  explicit StripeError(const std::string& what, int status = 0, std::string type = {})
      : std::runtime_error(what), status_(status), type_(std::move(type)) {}
  int status() const { return status_; }             // 0: no answer
  const std::string& type() const { return type_; }  // Stripe's error type
  // Another request with the same Idempotency-Key is still being processed (Stripe answers 409).
  bool idempotency_conflict() const { return status_ == 409 && type_ == "idempotency_error"; }

 private:
  int status_;
  std::string type_;
};

// An api_base Plaza sends the secret key to: https, or http to a loopback host (a local fake).
bool acceptable_api_base(std::string_view api_base);
// A session url Plaza sends a browser to: https, or http when api_base is itself on loopback.
bool acceptable_checkout_url(std::string_view url, std::string_view api_base);
// The header's own checks, before any secret is read: malformed (no t, no v1) or stale, else ok.
Signature precheck_signature(std::string_view header, int64_t now_s, int64_t tolerance_s = 300);

struct Account {
  std::string api_base;  // https://api.stripe.com
  std::string secret_key;
  // A call's whole exchange ends by then (a stalled Stripe must not hold a user's checkout).
  std::chrono::milliseconds time_limit{30'000};
};
boost::asio::awaitable<Session> create_session(http::UpstreamClient& client, Account account, SessionRequest r);
boost::asio::awaitable<Session> get_session(http::UpstreamClient& client, Account account, std::string session_id);
// Closes an open session (POST .../expire): its page takes no payment from then on. Stripe refuses
// (StripeError, 400) a session that is no longer open: paid, or expired already.
boost::asio::awaitable<Session> expire_session(http::UpstreamClient& client, Account account, std::string session_id);

}  // namespace plaza::services::stripe
