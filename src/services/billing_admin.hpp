#pragma once
// The operator's side of billing: model prices and group multipliers, plans, packs, redeem-code
// batches and the revenue report. Every change is validated first and audited.
#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

#include "billing/price_book.hpp"
#include "core/clock.hpp"
#include "store/billing_repo.hpp"
#include "store/database.hpp"
#include "store/reports_repo.hpp"

namespace plaza::services {

using boost::asio::awaitable;

inline constexpr int64_t kMaxCodesPerBatch = 10'000;

// A day of what users spent, all in credits. Paid credits enter from outside the site (codes sold
// elsewhere, admin grants); what they are spent on is the platform's income: calls (usage_paid),
// plans and count packs. A credit pack only exchanges paid credits for paid credits, which are
// spent on calls later: its price is shown apart (credit_packs) and is not income, or it would be
// counted twice. Gift credits are free: usage_gift is what promotions gave away.
struct RevenueDay {
  std::string day;
  int64_t usage_paid = 0;    // model cost of calls paid from paid credits
  int64_t usage_gift = 0;    // and from gift credits
  int64_t plan_sales = 0;    // subscriptions, renewals and upgrades
  int64_t pack_sales = 0;    // count packs
  int64_t credit_packs = 0;  // paid credits exchanged for credit packs: not income
  // App charges paid from paid credits: income, of which the creators' share (creator_share) is owed
  // to them as earnings. Surcharges on calls (on top of usage_paid) and one-time unlocks.
  int64_t app_surcharges = 0;
  int64_t app_unlocks = 0;
  // Paid credits created from creators' available earnings (conversions): not income — the platform
  // already counted what the earnings came from; they are counted under usage_paid etc. when spent.
  int64_t earnings_converted = 0;
  // Paid credits sold through the payment provider (Stripe top-ups): money in, counted as income
  // when the credits are spent (usage_paid etc.), so shown apart.
  int64_t top_ups = 0;
  std::vector<store::reports::DaySpend> by_model;
};

class BillingAdmin {
 public:
  BillingAdmin(store::Database& db, const Clock& clock, billing::PriceBook& prices)
      : db_(db), clock_(clock), prices_(prices) {}

  awaitable<std::vector<store::prices::Row>> prices();
  awaitable<void> put_price(int64_t admin_id, std::string model, money::Price price);
  awaitable<void> delete_price(int64_t admin_id, std::string model);
  awaitable<std::vector<store::groups::Multiplier>> groups();
  awaitable<void> put_group(int64_t admin_id, std::string name, int64_t multiplier_ppm);

  awaitable<std::vector<store::Plan>> plans(bool enabled_only);
  awaitable<store::Plan> save_plan(int64_t admin_id, store::Plan plan);  // id 0: create
  awaitable<std::vector<store::Pack>> packs(bool enabled_only);
  awaitable<store::Pack> save_pack(int64_t admin_id, store::Pack pack);

  // Generates `count` codes; they are shown in full here and in the batch's CSV export.
  awaitable<std::pair<store::RedeemBatch, std::vector<std::string>>> create_batch(int64_t admin_id,
                                                                                  store::RedeemBatch batch);
  awaitable<std::vector<store::RedeemBatch>> batches();
  awaitable<std::vector<store::redeem::CodeRow>> codes(int64_t batch_id);
  awaitable<void> disable_batch(int64_t admin_id, int64_t batch_id);

  awaitable<std::vector<RevenueDay>> revenue(std::string from_day, std::string to_day);

 private:
  store::Database& db_;
  const Clock& clock_;
  billing::PriceBook& prices_;
};

// Unix time of the operator-timezone midnight that starts `day`.
int64_t day_start(const std::string& day);

}  // namespace plaza::services
