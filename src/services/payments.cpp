#include "services/payments.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "store/async.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

namespace bj = boost::json;
using store::payments::Order;

namespace {

constexpr const char* kSettingKey = "payments.provider";
Order pending_order(int64_t user_id, int64_t amount, int64_t credits, const PaymentsOptions& o,
                    const std::optional<std::string>& request_id, std::string nonce, int64_t now, int64_t expires_at) {
  Order order;
  order.user_id = user_id;
  order.provider = "stripe";
  order.amount = amount;
  order.currency = o.currency;
  order.credits = credits;
  order.status = "pending";
  order.request_id = request_id;
  order.nonce = std::move(nonce);
  order.created_at = now;
  order.expires_at = expires_at;
  return order;
}

Error provider_failed() {
  return Error(ErrorCode::upstream_error, "the payment provider could not start the payment; try again later");
}

Error still_starting() {
  return Error(ErrorCode::conflict, "this top-up is still being started; try again");
}

// A retry of an order decided before: a new top-up needs a new request id.
Error decided(const std::string& status) {
  return Error(ErrorCode::conflict, "this top-up is already " + status + "; start a new one");
}

// The user's order; not_found for anyone else's, as for one that does not exist.
awaitable<Order> own_order(store::Database& db, int64_t user_id, int64_t id) {
  auto o = co_await store::read(db, [id](store::Conn& c) { return store::payments::find(c, id); });
  if (!o || o->user_id != user_id) throw Error(ErrorCode::not_found, "no such order");
  co_return *o;
}

}  // namespace

PaymentSettings load_payment_settings(store::Conn& c, const crypto::SecretBox& box) {
  PaymentSettings s;
  auto text = store::settings::get(c, kSettingKey);
  if (!text) return s;
  boost::system::error_code ec;
  auto v = bj::parse(*text, ec);
  if (ec || !v.is_object()) return s;
  const auto& o = v.as_object();
  auto str = [&](const char* key) {
    auto x = o.if_contains(key);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  auto num = [&](const char* key, int64_t fallback) {
    auto x = o.if_contains(key);
    return x && x->is_int64() ? x->as_int64() : fallback;
  };
  s.kind = str("kind");
  if (auto base = str("api_base"); !base.empty()) s.api_base = base;
  s.min_amount = num("min_amount", s.min_amount);
  s.max_amount = num("max_amount", s.max_amount);
  try {
    if (auto k = str("secret_key"); !k.empty()) s.secret_key = box.open(k);
    if (auto k = str("webhook_secret"); !k.empty()) s.webhook_secret = box.open(k);
  } catch (const std::exception&) {
    spdlog::error("the payment provider's secrets cannot be opened with this secret_key");
  }
  return s;
}

void save_payment_settings(store::Conn& c, const crypto::SecretBox& box, const PaymentSettings& s, int64_t now) {
  bj::object o{{"kind", s.kind},
               {"api_base", s.api_base},
               {"min_amount", s.min_amount},
               {"max_amount", s.max_amount},
               {"secret_key", s.secret_key.empty() ? "" : box.seal(s.secret_key)},
               {"webhook_secret", s.webhook_secret.empty() ? "" : box.seal(s.webhook_secret)}};
  store::settings::put(c, kSettingKey, bj::serialize(o), now);
}

awaitable<PaymentSettings> Payments::settings() {
  co_return co_await store::read(db_, [this](store::Conn& c) { return load_payment_settings(c, box_); });
}

awaitable<void> Payments::set_settings(store::User admin, PaymentSettings s, std::optional<std::string> secret_key,
                                       std::optional<std::string> webhook_secret) {
  if (s.kind != "" && s.kind != "stripe") throw Error(ErrorCode::invalid_request, "kind is stripe or empty", "kind");
  // The secret key goes there: https, or http only to a loopback host (a local fake of Stripe).
  if (!stripe::acceptable_api_base(s.api_base) || s.api_base.size() > 500 ||
      s.api_base.find_first_of(" \t\r\n?#") != std::string::npos)
    throw Error(ErrorCode::invalid_request,
                "api_base is an https address, e.g. https://api.stripe.com (http only on loopback)", "api_base");
  if (s.min_amount <= 0 || s.min_amount > kMaxPaymentAmount)
    throw Error(ErrorCode::invalid_request, "min_amount is 1..10,000,000 (minor units)", "min_amount");
  if (s.max_amount < s.min_amount || s.max_amount > kMaxPaymentAmount)
    throw Error(ErrorCode::invalid_request, "max_amount is min_amount..10,000,000 (minor units)", "max_amount");
  for (const auto* v : {&secret_key, &webhook_secret})
    if (*v && (v->value().size() > 500 || v->value().find_first_of("\r\n") != std::string::npos))
      throw Error(ErrorCode::invalid_request, "a secret is too long or has line breaks",
                  v == &secret_key ? "secret_key" : "webhook_secret");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    auto stored = load_payment_settings(c, box_);
    // A stored key stays with the address it was given for: a new api_base needs it again, or an
    // admin session could send it to a host of its choosing.
    if (!secret_key && s.api_base != stored.api_base && !stored.secret_key.empty())
      throw Error(ErrorCode::invalid_request, "enter the secret key again for a new api_base", "secret_key");
    s.secret_key = secret_key ? *secret_key : stored.secret_key;
    s.webhook_secret = webhook_secret ? *webhook_secret : stored.webhook_secret;
    if (s.kind == "stripe" && s.secret_key.empty())
      throw Error(ErrorCode::invalid_request, "Stripe needs its secret key (sk_live_... or sk_test_...)", "secret_key");
    save_payment_settings(c, box_, s, now);
    // What happened to each secret (never the secret): a replaced key reads differently from a no-op save.
    auto secret_change = [](const char* name, const std::optional<std::string>& sent) {
      if (!sent) return std::string();
      return std::string(" ") + name + (sent->empty() ? " cleared" : " replaced");
    };
    store::audit::record(c, admin.id, "payments.provider", "settings",
                         (s.kind.empty() ? std::string("none") : s.kind) + " " + s.api_base + " " +
                             std::to_string(s.min_amount) + ".." + std::to_string(s.max_amount) +
                             secret_change("secret key", secret_key) + secret_change("webhook secret", webhook_secret),
                         now);
  });
}

awaitable<Checkout> Payments::checkout(int64_t user_id, int64_t amount, std::optional<std::string> request_id) {
  auto s = co_await settings();
  if (!s.enabled()) throw Error(ErrorCode::conflict, "payments are not configured on this site");
  if (amount < s.min_amount || amount > s.max_amount)
    throw Error(ErrorCode::invalid_request,
                "amount is " + std::to_string(s.min_amount) + ".." + std::to_string(s.max_amount) +
                    " (minor units of " + options_.currency + ")",
                "amount");
  auto credits = stripe::credits_for(amount, options_.currency, options_.credits_per_currency_unit);
  if (!credits) throw Error(ErrorCode::invalid_request, "this amount does not buy a whole number of µc", "amount");
  int64_t now = clock_.now_s();
  // The order's own nonce names it at Stripe (the Idempotency-Key); made here, outside the transaction.
  std::string nonce = crypto::random_base62(24);
  auto file = [&](store::Conn& c) -> std::pair<Order, bool> {
    if (request_id)
      if (auto earlier = store::payments::find_by_request(c, user_id, *request_id)) {
        if (earlier->amount != amount)
          throw Error(ErrorCode::conflict,
                      "request id " + *request_id + " was used for a different amount; send a new request id");
        return {*earlier, false};
      }
    // Each open order is looked up at Stripe by the reconciler until it ends: a user gets a few at a
    // time. The user's row lock makes the count and the insert one step for concurrent checkouts.
    store::users::lock(c, user_id);
    if (store::payments::pending_count(c, user_id) >= kMaxPendingOrders)
      throw Error(ErrorCode::conflict, "finish or wait for your open top-ups");
    auto o = pending_order(user_id, amount, *credits, options_, request_id, nonce, now, now + kSessionLifetime);
    o.id = store::payments::insert(c, o);
    return {o, true};
  };
  std::optional<std::pair<Order, bool>> filed;
  // Two requests with one id at once: the second's insert is refused, and its second turn reads the
  // order the first filed.
  for (int turn = 0; turn < 2 && !filed; ++turn) {
    try {
      filed = co_await store::write(db_, file);
    } catch (const store::UniqueViolation&) {
      if (turn == 1) throw;
    }
  }
  auto [order, inserted] = *filed;
  // A retry: only the request that filed the order opens its session (two calls with one
  // Idempotency-Key at once are refused by Stripe with a 409). The retry gets the page once it is
  // written, or is told to come back.
  if (!inserted) {
    if (order.status == "pending" && order.checkout_url) co_return Checkout{order, *order.checkout_url};
    if (order.status == "pending") throw still_starting();
    throw decided(order.status);
  }
  stripe::SessionRequest r{order.id,
                           order.nonce,
                           user_id,
                           order.expires_at,
                           amount,
                           order.currency,
                           options_.public_url,
                           stripe::product_name(order.credits)};
  auto account = stripe_account(s);
  std::optional<stripe::Session> session;
  std::string why;
  bool busy = false;
  try {
    session = co_await stripe::create_session(upstream_, std::move(account), std::move(r));
  } catch (const stripe::StripeError& e) {
    why = e.what();
    busy = e.idempotency_conflict();
  }
  // Stripe is still working on this key (a request of ours it has not answered yet): the order is
  // not failed; the session it opens is read by the reconciler or a retry.
  if (busy) {
    spdlog::warn("payments: order {}: Stripe is still processing its session: {}", order.id, why);
    throw still_starting();
  }
  if (session && !stripe::acceptable_checkout_url(session->url, s.api_base)) {
    why = session->url.empty() ? "no url in its answer" : "its url is not an https address";
    session.reset();
  }
  if (!session) {
    spdlog::warn("payments: order {}: Stripe did not open a checkout session: {}", order.id, why);
    co_await store::write(db_, [&](store::Conn& c) { store::payments::finish_unstarted(c, order.id, "failed"); });
    throw provider_failed();
  }
  order.provider_ref = session->id;
  order.checkout_url = session->url;
  bool written = co_await store::write(
      db_, [&](store::Conn& c) { return store::payments::set_session(c, order.id, session->id, session->url); });
  if (!written) {
    // Decided meanwhile (the reconciler expired it): the page must not be paid for.
    auto now_order = co_await store::read(db_, [&](store::Conn& c) { return store::payments::find(c, order.id); });
    throw decided(now_order ? now_order->status : std::string("failed"));
  }
  co_return Checkout{order, session->url};
}

awaitable<std::vector<Order>> Payments::orders(int64_t user_id, int64_t limit, int64_t before) {
  co_return co_await store::read(db_,
                                 [&](store::Conn& c) { return store::payments::of_user(c, user_id, limit, before); });
}

awaitable<std::vector<Order>> Payments::all_orders(std::string status, std::optional<int64_t> user_id, int64_t limit,
                                                   int64_t before) {
  if (!status.empty() && status != "pending" && status != "paid" && status != "expired" && status != "failed")
    throw Error(ErrorCode::invalid_request, "status is pending, paid, expired or failed", "status");
  co_return co_await store::read(
      db_, [&](store::Conn& c) { return store::payments::all(c, status, user_id, limit, before); });
}

awaitable<Order> Payments::cancel(int64_t user_id, int64_t id) {
  auto o = co_await own_order(db_, user_id, id);
  if (o.status != "pending" || !o.provider_ref) co_return o;  // decided, or its checkout is still starting
  auto s = co_await settings();
  if (!s.settles()) co_return o;
  auto account = stripe_account(s);
  std::string ref = *o.provider_ref;
  std::optional<stripe::Session> closed;
  try {
    closed = co_await stripe::expire_session(upstream_, std::move(account), std::move(ref));
  } catch (const stripe::StripeError& e) {
    // Not open any more (paid a moment ago, or expired), or Stripe unreachable: what it says decides.
    spdlog::info("payments: order {}: Stripe did not close its session: {}", o.id, e.what());
  }
  if (closed) {
    co_await apply_own(std::move(*closed), o.id, "checkout.session.expired");
  } else {
    co_await look_up(o, s);
  }
  co_return co_await own_order(db_, user_id, id);
}

awaitable<Order> Payments::order(int64_t user_id, int64_t id) {
  auto o = co_await own_order(db_, user_id, id);
  if (o.status != "pending") co_return o;
  auto s = co_await settings();
  if (!s.settles()) co_return o;
  int64_t now = clock_.now_s();
  bool ask = co_await store::write(
      db_, [&](store::Conn& c) { return store::payments::claim_refresh(c, id, now, kRefreshSpacing); });
  if (!ask) co_return o;
  co_await look_up(o, s);
  co_return co_await own_order(db_, user_id, id);
}

}  // namespace plaza::services
