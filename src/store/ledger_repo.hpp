#pragma once
// The ledger: accounts with balances, double-entry transfers with idempotency keys, and holds.
// Every function runs inside the caller's transaction, so a transfer and both balance updates
// commit or roll back together.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace plaza::store::ledger {

// Account kinds. User accounts belong to a user; platform accounts to user 0.
inline constexpr std::string_view kPaid = "paid";
inline constexpr std::string_view kGift = "gift";
inline constexpr std::string_view kEarningsPending = "earnings_pending";
inline constexpr std::string_view kEarningsAvailable = "earnings_available";
inline constexpr std::string_view kRevenue = "revenue";        // what users spend of paid credits
inline constexpr std::string_view kPromotions = "promotions";  // where gift credits come from and return to
inline constexpr std::string_view kSales = "sales";            // where paid credits enter (codes, admin grants)
inline constexpr std::string_view kPayouts = "payouts";

// The platform's accounts, created by the migration with these ids.
int64_t platform_account(std::string_view kind);
bool is_platform(int64_t account_id);
bool is_platform_kind(std::string_view kind);
// The account's id, created with a zero balance on first use (platform accounts: no query).
int64_t account(Conn& c, std::string_view kind, int64_t user_id);

struct Balance {
  int64_t balance = 0;
  int64_t held = 0;
  int64_t available() const { return balance - held; }
};
Balance balance(Conn& c, std::string_view kind, int64_t user_id);
struct Found {
  int64_t id = 0;
  Balance balance;
};
// The account and its balance in one query; nothing when it was never used.
std::optional<Found> find(Conn& c, std::string_view kind, int64_t user_id);

struct Transfer {
  std::string key;  // idempotency key: a second transfer with the same key changes nothing
  int64_t debit = 0;
  int64_t credit = 0;
  int64_t amount = 0;
  std::string kind;  // charge, grant, deduct, redeem, subscribe, pack, ...
  int64_t user_id = 0;
  std::string request_id;
  std::string memo;
  int64_t at = 0;
  // The credited balance is written at commit, in account-id order, like the platform's: for
  // accounts that many concurrent transactions credit (a popular creator's pending earnings), so
  // they never wait on each other in different orders. Only for credits (an increase needs no check).
  bool defer_credit = false;
};

// Moves t.amount from t.debit to t.credit and, for a posted hold, releases `release_held` of the
// debit account's held amount at the same time. Returns false (nothing changed) when the key was
// used before. Throws Error(insufficient_balance) when a user account lacks the available funds.
bool transfer(Conn& c, const Transfer& t, int64_t release_held = 0);

// A charge posted to a lease's hold (post_to_lease checked the funds, and releases them here):
// summed with the batch's other charges of the same accounts and kind into one transfer at commit.
void charge_from_lease(Conn& c, const Transfer& t);
// Writes what the transaction deferred (Conn::Deferred): the leases' charges, then the counters.
// Called by Database::commit.
void write_deferred(Conn& c);

// Sets aside `amount` of a user account's available balance. False when it is not there.
bool reserve(Conn& c, int64_t account_id, int64_t amount);
void release(Conn& c, int64_t account_id, int64_t amount);

struct Hold {
  int64_t id = 0;
  std::string request_id;
  int64_t user_id = 0;
  std::string source;  // paid | gift | allowance | count_pack | web_free | key_limit
  int64_t ref_id = 0;
  int64_t amount = 0;  // µc for paid, gift and key_limit; 1 call otherwise
  std::string day;
  std::string model;
  std::string status = "pending";
  int64_t posted = 0;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};
// The hold's id. Throws UniqueViolation when the request already holds from this source (a reused
// request id).
int64_t insert_hold(Conn& c, const Hold& h);
std::vector<Hold> holds_of(Conn& c, const std::string& request_id);
// Moves a pending hold to posted/voided. False when it was no longer pending (someone else ended it).
bool end_hold(Conn& c, int64_t hold_id, std::string_view status, int64_t posted);
// Files a request's ended holds under `to`, for a request that charged nothing: a client's request
// id is then free again for its retry (holds are unique per request id and source).
void refile_ended_holds(Conn& c, const std::string& from, const std::string& to);
// Requests with a pending hold past its expiry, oldest first: at most `limit` holds' worth.
std::vector<std::string> expired_requests(Conn& c, int64_t now, int64_t limit);
extern const char* const kExpiredHoldsSql;  // its query ($1 now, $2 limit), for the test of its plan

// Holds that many calls post to (an instance's lease on a user's credits, billing/leases.hpp); a
// credit hold's posted amount is its own, the rest (amount − posted) is what it still holds. Each
// names the hold's account too: a lease whose opening never committed may name an id that SQLite
// gives to another hold later.
// Adds `amount` to a pending hold's posted amount; false when it is no longer pending or lacks the
// room. Checked against the room read once per transaction, written at commit (with
// charge_from_lease): many calls of one batch post to the same lease.
bool post_to_lease(Conn& c, int64_t hold_id, int64_t account_id, int64_t amount);
// Gives `amount` of a pending credit hold's unposted room back to its account.
void shrink_hold(Conn& c, int64_t hold_id, int64_t account_id, int64_t amount);
// Voids a pending credit hold and releases what it still holds. False when it was not pending.
bool void_credit_hold(Conn& c, int64_t hold_id, int64_t account_id);
// What the account's leases still hold (the wallet shows held funds without them); with `except`,
// not counting the leases whose ids start with it (an instance's own).
int64_t leased(Conn& c, int64_t account_id, const std::string& except = "");
inline constexpr std::string_view kLeasePrefix = "lease:";  // a lease's hold's request id starts so

struct TransferRow {
  int64_t id = 0;
  int64_t created_at = 0;
  std::string kind;
  std::string source;  // the user's account kind on this side
  int64_t amount = 0;  // signed: + into the user's account
  std::string memo;
  std::string request_id;
};
// A user's transfers into or out of their paid and gift credits (the wallet's history), newest first.
std::vector<TransferRow> transfers_of_user(Conn& c, int64_t user_id, int64_t limit, std::optional<int64_t> before);
extern const char* const kWalletTransfersSql;  // its query, for the test of its plan

// Doctor: accounts whose stored balance or held amount differs from what the transfers and pending
// holds say, and the sum over all balances (zero in a double-entry ledger).
struct Drift {
  int64_t account_id = 0;
  std::string kind;
  int64_t user_id = 0;
  int64_t stored_balance = 0;
  int64_t computed_balance = 0;
  int64_t stored_held = 0;
  int64_t computed_held = 0;
};
std::vector<Drift> drift(Conn& c);
int64_t balance_sum(Conn& c);
std::vector<Hold> overdue_holds(Conn& c, int64_t now);
struct PendingHolds {
  int64_t all = 0;
  int64_t leases = 0;
};
PendingHolds pending_holds(Conn& c);

}  // namespace plaza::store::ledger
