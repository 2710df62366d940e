#pragma once
// A user's money: balances, subscription, packs, and what changes them — subscribing, renewing,
// upgrading, buying packs, redeeming codes and admin grants. Each operation is one transaction that
// files its HTTP request id with what it does (store::wallet_ops) and whose ledger transfer carries an
// idempotency key from it: a retried request with the same X-Request-Id changes nothing twice, and
// the id sent again with another operation, amount or target is refused (conflict).
#include <boost/asio/awaitable.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/money.hpp"
#include "store/billing_records.hpp"
#include "store/database.hpp"
#include "store/ledger_repo.hpp"

namespace plaza::billing {
class Meter;
}

namespace plaza::services {

using boost::asio::awaitable;

struct AllowanceLeft {
  std::string model;
  int64_t per_day = 0;  // -1: unlimited
  int64_t used_today = 0;
  int64_t left_today = 0;  // -1: unlimited
};

struct WalletView {
  int64_t paid = 0, gift = 0, paid_held = 0, gift_held = 0;
  bool paying = false;  // an active subscription or paid credits
  std::optional<store::Subscription> subscription;
  // What the subscription's unused days are worth now towards an upgrade (upgrade_credit): a plan
  // of a higher level that costs less is refused by subscribe().
  int64_t upgrade_credit = 0;
  std::vector<AllowanceLeft> allowances;
  std::vector<store::UserPack> packs;
  std::map<int64_t, int64_t> pack_purchases;  // pack id → how many the user bought (for per-user limits)
};

struct Redeemed {
  std::string kind;
  int64_t amount = 0;
};

class Wallet {
 public:
  // `meter`: its leases on a user's credits give them back before a purchase (billing/leases.hpp).
  Wallet(store::Database& db, const Clock& clock, billing::Meter* meter = nullptr)
      : db_(db), clock_(clock), meter_(meter) {}

  awaitable<WalletView> view(int64_t user_id);
  awaitable<std::vector<store::ledger::TransferRow>> transactions(int64_t user_id, int64_t limit,
                                                                  std::optional<int64_t> before);
  // New subscription, or an upgrade to a higher level (pro rata: refused when the unused days are
  // worth more than the new plan). The same plan again is refused: renew() renews.
  awaitable<void> subscribe(int64_t user_id, int64_t plan_id, std::string op_id);
  awaitable<void> renew(int64_t user_id, std::string op_id);
  awaitable<void> cancel(int64_t user_id);
  // Renews the subscriptions that end within the hour and renew themselves (a job every instance
  // runs). Like a purchase, it first has the leases on those users' credits give back what they
  // hold: otherwise credits set aside for API calls could make a renewal fail. Returns how many.
  awaitable<int> renew_due(int64_t now);
  // The renewals alone, from paid credits, in the caller's transaction; leases keep what they hold.
  int renew_due(store::Conn& c, int64_t now);
  awaitable<void> buy_pack(int64_t user_id, int64_t pack_id, std::string op_id);
  awaitable<Redeemed> redeem(int64_t user_id, std::string code);
  // Admin: a signed amount into (or out of) the user's paid or gift account, with a reason; audited.
  awaitable<void> grant(int64_t admin_id, int64_t user_id, std::string source, int64_t amount, std::string reason,
                        std::string op_id);
  awaitable<void> signup_gift(int64_t user_id, int64_t amount);

  static WalletView view_in(store::Conn& c, int64_t user_id, int64_t now);

 private:
  // Renews the subscriptions of `due`, in the caller's transaction; returns how many.
  int renew_each(store::Conn& c, const std::vector<store::Subscription>& due, int64_t now);

  store::Database& db_;
  const Clock& clock_;
  billing::Meter* meter_;
};

// What the unused part of `s` is worth at `now` towards an upgrade: its price × unused seconds ÷
// period, rounded down. subscribe() counts it towards the new plan and refuses a plan that costs
// less; the wallet shows it, so the web can say so before the click.
int64_t upgrade_credit(const store::Subscription& s, int64_t now);

// "ABCD-EFGH-..." as printed, in any case and with spaces: the stored form.
std::string normalize_code(std::string_view code);
// A new redeem code: 20 characters from an alphabet without look-alikes, in groups of four.
std::string new_redeem_code();

}  // namespace plaza::services
