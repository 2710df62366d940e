// What the provider tells about an order — a signed webhook or a look-up — and fulfilment.
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "billing/meter.hpp"
#include "core/error.hpp"
#include "core/validation.hpp"
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

}  // namespace

awaitable<void> Payments::stripe_webhook(std::string signature, std::string body) {
  if (body.size() > kMaxWebhookBody) throw Error(ErrorCode::payload_too_large, "the event is too large");
  auto s = co_await settings();
  if (s.kind != "stripe" || s.webhook_secret.empty())
    throw Error(ErrorCode::invalid_request, "this site takes no Stripe events (no webhook secret is set)");
  switch (stripe::verify_signature(signature, body, s.webhook_secret, clock_.now_s())) {
    case stripe::Signature::ok:
      break;
    case stripe::Signature::stale:
      throw Error(ErrorCode::invalid_request, "the signature's timestamp is outside the tolerance");
    default:
      throw Error(ErrorCode::invalid_request, "no valid Stripe-Signature for this body");
  }
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

}  // namespace plaza::services
