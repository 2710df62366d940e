// What the provider tells about an order — a signed webhook or a look-up (by a user's page, or by the
// reconciler that finds the payments whose webhook never came and the orders nobody will pay any
// more) — and fulfilment.
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "billing/meter.hpp"
#include "core/error.hpp"
#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "services/payments.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/ledger_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

namespace bj = boost::json;
namespace ledger = store::ledger;
using store::payments::Order;

namespace {

constexpr std::size_t kMaxWebhookBody = 64 * 1024;

bool pays(const std::string& event) {
  return event == "checkout.session.completed" || event == "checkout.session.async_payment_succeeded" ||
         event == "refresh";
}

void refuse_unless_ok(stripe::Signature verdict) {
  if (verdict == stripe::Signature::stale)
    throw Error(ErrorCode::invalid_request, "the signature's timestamp is outside the tolerance");
  if (verdict != stripe::Signature::ok)
    throw Error(ErrorCode::invalid_request, "no valid Stripe-Signature for this body");
}

}  // namespace

awaitable<void> Payments::stripe_webhook(std::string signature, std::string body) {
  if (body.size() > kMaxWebhookBody) throw Error(ErrorCode::payload_too_large, "the event is too large");
  // Anyone can post here: what the header alone refuses is refused before the database is read and
  // the secrets are opened.
  refuse_unless_ok(stripe::precheck_signature(signature, clock_.now_s()));
  auto s = co_await settings();
  // With payments switched off, events for orders still open are taken while the secret is stored.
  if (s.webhook_secret.empty())
    throw Error(ErrorCode::invalid_request, "this site takes no Stripe events (no webhook secret is set)");
  refuse_unless_ok(stripe::verify_signature(signature, body, s.webhook_secret, clock_.now_s()));
  boost::system::error_code ec;
  auto event = bj::parse(body, ec);
  if (ec || !event.is_object()) throw Error(ErrorCode::invalid_request, "the event is not a JSON object");
  auto type = event.as_object().if_contains("type");
  auto data = event.as_object().if_contains("data");
  auto object = data && data->is_object() ? data->as_object().if_contains("object") : nullptr;
  if (!type || !type->is_string() || !object) throw Error(ErrorCode::invalid_request, "the event has no type or data");
  std::string kind(type->as_string());
  if (!pays(kind) && kind != "checkout.session.expired" && kind != "checkout.session.async_payment_failed") co_return;
  auto session = stripe::parse_session(*object);
  if (!session || !session->order_id || session->ids_disagree) {
    // Stripe would retry an error for days: an event for no order of ours (another site on the same
    // account) is acknowledged and logged.
    spdlog::warn("payments: Stripe event {} names no order of this site", kind);
    co_return;
  }
  co_await apply(*session, kind);
}

awaitable<void> Payments::apply_own(stripe::Session session, int64_t order_id, std::string event) {
  session.order_id = order_id;
  session.ids_disagree = false;
  co_await apply(std::move(session), std::move(event));
}

awaitable<void> Payments::apply(stripe::Session session, std::string event) {
  int64_t id = *session.order_id;
  auto order = co_await store::read(db_, [id](store::Conn& c) { return store::payments::find(c, id); });
  if (!order) {
    spdlog::warn("payments: Stripe event {} for order {}, which does not exist here", event, id);
    co_return;
  }
  if (order->provider_ref && *order->provider_ref != session.id) {
    spdlog::warn("payments: Stripe event {} for order {} names session {}, not the order's own", event, id, session.id);
    co_return;
  }
  // Every endpoint on a Stripe account hears every event: another site's (staging, a restored backup,
  // same ids and users) may name this order before its own session is written here. Only this site
  // knows the order's random nonce, which its session carries.
  if (session.nonce.empty() || !crypto::constant_time_equal(session.nonce, order->nonce)) {
    spdlog::error("payments: Stripe event {} for order {} is for another order (its nonce differs): not applied", event,
                  id);
    co_return;
  }
  if (session.user_id != order->user_id) {
    // Another site's order of the same id on this Stripe account (staging, a restored backup), or a
    // forged event: never credited to this order's user.
    spdlog::error("payments: Stripe event {} for order {} names user {}, not the order's user {}: not credited", event,
                  id, session.user_id ? std::to_string(*session.user_id) : std::string("none"), order->user_id);
    co_return;
  }
  if (order->status != "pending") co_return;  // decided before: a duplicate or a late event
  std::string status;
  if (pays(event) && session.payment_status == "paid") {
    if (session.amount_total == order->amount && session.currency == ascii_lower(order->currency)) {
      co_await fulfil(*order);
      co_return;
    }
    // Paid, but not what the order says: the money is the operator's to look into; no credits.
    spdlog::error("payments: order {} was paid {} {} at Stripe but is for {} {}: not credited, marked failed", id,
                  session.amount_total, session.currency, order->amount, order->currency);
    status = "failed";
  } else if (event == "checkout.session.expired" || (event == "refresh" && session.status == "expired")) {
    status = "expired";
  } else if (event == "checkout.session.async_payment_failed") {
    status = "failed";
  } else {
    co_return;  // completed but still unpaid (a delayed payment method): its async event decides
  }
  co_await store::write(db_, [&](store::Conn& c) { store::payments::finish(c, id, status, std::nullopt); });
}

awaitable<bool> Payments::fulfil(const Order& order) {
  // As a paid redeem code: the user's leases on their credits give back what they hold first, and the
  // change is announced, so the new balance is usable at once on every instance.
  std::optional<billing::LeasePause> paused;
  if (meter_) paused.emplace(co_await meter_->give_back(order.user_id));
  int64_t now = clock_.now_s();
  bool credited = co_await store::write(db_, [&](store::Conn& c) {
    store::users::lock(c, order.user_id);
    // The one write that decides: a duplicate or concurrent delivery, or a refresh, changes no row
    // here (READ COMMITTED waits for the first and then sees it paid) and credits nothing.
    if (!store::payments::finish(c, order.id, "paid", now)) return false;
    store::announce(c, "wallet:" + std::to_string(order.user_id));
    ledger::Transfer t;
    t.key = "payment:" + std::to_string(order.id);
    t.debit = ledger::account(c, ledger::kSales, 0);
    t.credit = ledger::account(c, ledger::kPaid, order.user_id);
    t.amount = order.credits;
    t.kind = "topup";
    t.user_id = order.user_id;
    t.memo = "Top-up (Stripe)";
    t.at = now;
    ledger::transfer(c, t);
    return true;
  });
  if (credited) spdlog::info("payments: order {} paid: {} µc to user {}", order.id, order.credits, order.user_id);
  co_return credited;
}

awaitable<void> Payments::look_up(Order o, PaymentSettings s) {
  int64_t now = clock_.now_s();
  // Past its session's expiry and a grace (Stripe's clock, a payment finishing at the last second),
  // an order Stripe does not report paid will not be any more.
  bool overdue = now > o.expires_at + kExpiryGrace;
  if (!o.provider_ref) {
    // No session: its checkout failed without saying so (a crash between the order and the call).
    if (overdue)
      co_await store::write(db_, [&](store::Conn& c) { return store::payments::finish_unstarted(c, o.id, "expired"); });
    co_return;
  }
  auto account = stripe_account(s);
  std::string ref = *o.provider_ref;
  std::optional<stripe::Session> session;
  bool unknown = false;
  try {
    session = co_await stripe::get_session(upstream_, std::move(account), std::move(ref));
  } catch (const stripe::StripeError& e) {
    // 404: Stripe does not know the session (the account's key was changed to another account's).
    unknown = e.status() == 404;
    spdlog::warn("payments: order {}: could not look its session up at Stripe: {}", o.id, e.what());
  }
  if (!session) {
    if (unknown && overdue) {
      spdlog::warn("payments: order {}: Stripe no longer knows its session; expired", o.id);
      co_await store::write(db_,
                            [&](store::Conn& c) { return store::payments::finish(c, o.id, "expired", std::nullopt); });
    }
    co_return;
  }
  co_await apply_own(*session, o.id, "refresh");
  // An open session past its expiry is one Stripe will expire (its event may never come). A
  // completed but unpaid one waits for a delayed payment method's own event.
  if (overdue && session->payment_status != "paid" && session->status != "complete")
    co_await store::write(db_,
                          [&](store::Conn& c) { return store::payments::finish(c, o.id, "expired", std::nullopt); });
}

awaitable<int> Payments::reconcile(int64_t limit) {
  auto s = co_await settings();
  if (!s.settles()) co_return 0;
  int64_t now = clock_.now_s();
  auto due = co_await store::read(
      db_, [&](store::Conn& c) { return store::payments::due_for_refresh(c, now, kRefreshSpacing, limit); });
  int looked = 0;
  for (const auto& o : due) {
    // Another instance, or the user's page, may have just asked: the same spacing holds for all.
    bool mine = co_await store::write(
        db_, [&](store::Conn& c) { return store::payments::claim_refresh(c, o.id, now, kRefreshSpacing); });
    if (!mine) continue;
    ++looked;
    co_await look_up(o, s);
  }
  co_return looked;
}

}  // namespace plaza::services
