#pragma once
// Creator earnings (DESIGN, creator earnings): rows unique on (day, paying user, app, stream), the
// ledger transfers that move their money, the daily settlement's run record and batches, clearing,
// freezes and reversals, conversions and payouts. Every function runs in the caller's transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace plaza::store::earnings {

inline constexpr const char* kDirect = "direct";
inline constexpr const char* kSubscription = "subscription";
inline constexpr const char* kPack = "pack";

// Direct stream: the creator's share of a surcharge or unlock, credited to their pending earnings
// as it happens and added to the day's row. False (nothing moved) when `key` was used before or the
// row was reversed (what the user pays for an app under reversal stays with the platform).
struct DirectCredit {
  std::string day;
  int64_t user_id = 0;  // who paid
  int64_t app_id = 0;
  int64_t owner_id = 0;   // who earns
  int64_t basis = 0;      // the paid part of this call's surcharge
  int64_t share_ppm = 0;  // the creator's share of it
  std::string key;        // the transfer's idempotency key
  std::string request_id;
  int64_t at = 0;
};
// Adds the call's basis to the day's row of (user, app) and credits the creator what the row's share
// grew by: the row rounds down as a whole, not each call (a 1 µc surcharge at 70% earns nothing
// alone, and 700 µc over 1,000 calls). Returns what was credited (0 for a reversed row).
int64_t credit_direct(Conn& c, const DirectCredit& d);

// ---- The daily settlement -------------------------------------------------------------------

struct Shares {
  int64_t subscription_pool_ppm = 100'000;
  int64_t pack_pool_ppm = 100'000;
};

struct Run {
  std::string day;
  std::string status;  // running | done
  int64_t cursor = 0;  // the first user id not yet settled
  std::string lease_owner;
  int64_t lease_until = 0;
  int64_t attempts = 0;
  int64_t batches = 0;
  int64_t started_at = 0;
  std::optional<int64_t> finished_at;
};
std::optional<Run> run(Conn& c, const std::string& day);

enum class LeaseResult { taken, done, busy };
// Takes (or renews) the day's lease for `owner`: creates the run record on first use; a done day is
// only reopened when `rerun` (from the first user again: rows that exist are kept, missing ones
// added); another instance's live lease is respected unless `take_over` (its holder is known dead).
LeaseResult take_lease(Conn& c, const std::string& day, const std::string& owner, int64_t now, int64_t lease_s,
                       bool rerun, bool take_over);
// The smallest user id at or after `from` with calls of user apps on the day.
std::optional<int64_t> next_user(Conn& c, const std::string& day, int64_t from);
// Writes the subscription- and pack-pool rows of users [lo, hi) and credits their creators (one
// transfer per creator), skipping rows that exist; then moves the cursor to `hi` and renews the
// lease. Throws LeaseLost (nothing written) when the lease is no longer `owner`'s at cursor `lo`.
struct BatchResult {
  int64_t rows = 0;
  int64_t amount = 0;
};
BatchResult settle_batch(Conn& c, const std::string& day, const std::string& owner, int64_t lo, int64_t hi,
                         const Shares& shares, int64_t now, int64_t lease_s);
// Marks the run done (if `owner` still holds it).
bool finish(Conn& c, const std::string& day, const std::string& owner, int64_t now);

class LeaseLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunSummary {
  Run run;
  int64_t direct = 0, subscription = 0, pack = 0, rows = 0;
};
std::vector<RunSummary> runs(Conn& c, int64_t limit);
// Days that the scheduler should (re)settle: unfinished runs whose lease ran out.
// The days from `from` on whose settlement is done.
std::vector<std::string> settled_days_from(Conn& c, const std::string& from);
std::vector<std::string> stalled_days(Conn& c, int64_t now);

// ---- Clearing, freezes, reversal ------------------------------------------------------------

// Moves pending rows of days before `cutoff_day` that no freeze holds to available (one transfer
// per creator). Returns how many rows cleared; at most `limit` per call.
int64_t clear_batch(Conn& c, const std::string& cutoff_day, int64_t now, int64_t limit);

struct Freeze {
  int64_t id = 0;
  std::string scope;  // app | creator
  int64_t ref_id = 0;
  std::string name;   // the app's slug or the creator's username
  std::string reason;
  int64_t pending = 0;  // µc it holds back now
  int64_t created_by = 0;
  int64_t created_at = 0;
};
int64_t freeze(Conn& c, const std::string& scope, int64_t ref_id, const std::string& reason, int64_t actor,
               int64_t now);
bool lift(Conn& c, int64_t freeze_id, int64_t now);
std::vector<Freeze> active_freezes(Conn& c);
struct Reversal {
  int64_t rows = 0;
  int64_t amount = 0;
};
// Every pending row of the app or creator goes back to the platform, with the reason.
Reversal reverse(Conn& c, const std::string& scope, int64_t ref_id, const std::string& reason, int64_t now);

// Doctor: creators whose pending earnings balance differs from their pending rows.
struct PendingMismatch {
  int64_t owner_id = 0;
  int64_t balance = 0;
  int64_t rows = 0;
};
std::vector<PendingMismatch> pending_mismatches(Conn& c);

// ---- The creator's side ---------------------------------------------------------------------

struct Summary {
  int64_t pending = 0, available = 0, frozen = 0, requested = 0, paid_out = 0;
  struct Day {
    std::string day;
    int64_t direct = 0, subscription = 0, pack = 0;
  };
  std::vector<Day> days;
  struct App {
    int64_t app_id = 0;
    std::string slug, title;
    int64_t calls = 0, paying_users = 0, direct = 0, subscription = 0, pack = 0;
  };
  std::vector<App> apps;
};
Summary summary(Conn& c, int64_t owner_id, const std::string& from_day);
std::string frozen_sql();  // the summary's frozen sum ($1 owner), for the test of its plan
std::string app_calls_sql();  // its calls and paying users per app ($1 owner, $2 first day), likewise

// Available earnings into the creator's paid credits. Throws Error(insufficient_balance).
void convert(Conn& c, int64_t user_id, int64_t amount, const std::string& key, int64_t now);

struct Payout {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string username;
  int64_t amount = 0;
  std::string destination;
  std::string status;  // requested | paid | rejected
  std::string reference;
  std::string reason;
  int64_t created_at = 0;
  std::optional<int64_t> decided_at;
};
// The amount leaves available earnings now (into the platform's payouts account).
Payout request_payout(Conn& c, int64_t user_id, int64_t amount, const std::string& destination, int64_t now);
// paid (with a reference) or rejected (the amount returns). Nothing when it was decided already.
std::optional<Payout> decide_payout(Conn& c, int64_t payout_id, bool paid, const std::string& text, int64_t actor,
                                    int64_t now);
std::vector<Payout> payouts(Conn& c, std::optional<int64_t> user_id, const std::string& status, int64_t limit);

}  // namespace plaza::store::earnings

namespace plaza::store::earnings {

// A one-time unlock: records it once per user and app, charges `price` from the user's credits in
// `credit_order` (paid, gift or gift, paid) and credits the creator's share of the paid part. False
// (nothing charged) when the user had unlocked it before; Error(insufficient_balance) when the
// credits do not cover it (nothing kept).
struct Unlock {
  int64_t app_id = 0;
  int64_t owner_id = 0;
  bool user_app = true;
  int64_t user_id = 0;
  int64_t price = 0;
  std::string name;  // the app as the buyer's wallet shows it ("Title (app/slug)")
  int64_t creator_share_ppm = 0;
  std::vector<std::string> credit_order = {"paid", "gift"};
  std::string day;
  int64_t now = 0;
};
bool charge_unlock(Conn& c, const Unlock& u);

}  // namespace plaza::store::earnings
