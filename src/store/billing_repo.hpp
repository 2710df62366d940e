#pragma once
// Prices, group multipliers, plans, subscriptions, daily counters, packs and redeem codes.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/money.hpp"
#include "store/billing_records.hpp"
#include "store/database.hpp"

namespace plaza::store {

namespace prices {
struct Row {
  std::string model;
  money::Price price;
};
std::vector<Row> list(Conn& c);
void put(Conn& c, const std::string& model, const money::Price& p, int64_t now);
bool remove(Conn& c, const std::string& model);
}  // namespace prices

namespace groups {
struct Multiplier {
  std::string name;
  int64_t multiplier_ppm = money::kPpmOne;
};
std::vector<Multiplier> list(Conn& c);
void put(Conn& c, const std::string& name, int64_t multiplier_ppm, int64_t now);
}  // namespace groups

namespace plans {
std::vector<Plan> list(Conn& c, bool enabled_only);
std::optional<Plan> find(Conn& c, int64_t id);
int64_t create(Conn& c, const Plan& p, int64_t now);
bool update(Conn& c, const Plan& p, int64_t now);
// The ids of the plans taken off sale (not enabled), for a batch of renewals to look up once.
std::set<int64_t> off_sale_ids(Conn& c);
}  // namespace plans

namespace subscriptions {
// The user's subscription active at `now` (started, not ended, not replaced).
std::optional<Subscription> active(Conn& c, int64_t user_id, int64_t now);
int64_t create(Conn& c, const Subscription& s, int64_t now);
void extend(Conn& c, int64_t id, int64_t ends_at);
void set_auto_renew(Conn& c, int64_t id, bool on);
void replace(Conn& c, int64_t id, int64_t ended_at);  // an upgrade ends the old one now
// Subscriptions ending before `until` that renew themselves (of one user, or of everyone).
std::vector<Subscription> due_for_renewal(Conn& c, int64_t until, int64_t limit,
                                          std::optional<int64_t> user_id = std::nullopt);
std::string due_for_renewal_sql(bool one_user);  // its query ($1 until, $2 limit[, $3 user]), for its plan test
}  // namespace subscriptions

namespace counters {
// Counts one call if fewer than `cap` were counted (cap < 0: no cap). False when the cap is reached.
bool take(Conn& c, const std::string& scope, int64_t owner, const std::string& day, const std::string& model,
          int64_t cap);
void give_back(Conn& c, const std::string& scope, int64_t owner, const std::string& day, const std::string& model);
int64_t used(Conn& c, const std::string& scope, int64_t owner, const std::string& day, const std::string& model);
}  // namespace counters

namespace packs {
std::vector<Pack> list(Conn& c, bool enabled_only);
std::optional<Pack> find(Conn& c, int64_t id);
int64_t create(Conn& c, const Pack& p, int64_t now);
bool update(Conn& c, const Pack& p, int64_t now);

int64_t grant(Conn& c, const UserPack& p);
std::vector<UserPack> of_user(Conn& c, int64_t user_id, int64_t now);  // usable ones: calls left, not expired
// Takes one call from the user's pack covering `model` that expires first. The pack's id, or nullopt.
std::optional<int64_t> take_call(Conn& c, int64_t user_id, const std::string& model, int64_t now);
void give_back_call(Conn& c, int64_t user_pack_id);
// Counts a purchase of the pack by the user if fewer than `limit` were counted (nullopt: no limit),
// in one conditional write: two concurrent purchases at the limit cannot both be counted. False
// when the limit is reached.
bool count_purchase(Conn& c, int64_t user_id, int64_t pack_id, std::optional<int64_t> limit);
// How many of each pack the user has bought (codes that give a pack are not purchases).
std::map<int64_t, int64_t> purchases(Conn& c, int64_t user_id);
}  // namespace packs

namespace funding {
// Everything a charge plans with, in one query: whether the request id was used, the active
// subscription, whether any count pack is usable, and the paid and gift accounts.
struct Snapshot {
  bool request_id_used = false;
  std::optional<int64_t> subscription_id;
  int64_t plan_daily_value = 0;
  std::vector<Allowance> allowances;
  bool has_packs = false;
  std::optional<int64_t> paid_account, gift_account;
  int64_t paid_available = 0, gift_available = 0;
};
Snapshot load(Conn& c, int64_t user_id, int64_t now, const std::string& request_id);
// DESIGN: a user is paying while they have an active subscription or a positive paid balance.
bool is_paying(Conn& c, int64_t user_id, int64_t now);
}  // namespace funding

namespace redeem {
int64_t create_batch(Conn& c, const RedeemBatch& b, int64_t created_by, const std::vector<std::string>& codes,
                     int64_t now);
std::vector<RedeemBatch> batches(Conn& c);
std::optional<RedeemBatch> batch(Conn& c, int64_t id);
bool disable(Conn& c, int64_t id);
struct CodeRow {
  std::string code;
  std::optional<int64_t> redeemed_by;
  std::optional<int64_t> redeemed_at;
};
std::vector<CodeRow> codes(Conn& c, int64_t batch_id);
// Marks the code used by `user` if it is unused: the one conditional write that makes a code work
// once whatever the concurrency. The batch on success; nullopt when the code is unknown or used.
std::optional<int64_t> claim(Conn& c, const std::string& code, int64_t user_id, int64_t now);
}  // namespace redeem

namespace wallet_ops {
// What filing a request id found: it was free (filed now), it was filed for the same operation (a
// retry: the caller changes nothing), or for a different one (the caller refuses it).
enum class Claim { claimed, same_operation, different_operation };
// Files a wallet operation's request id: `op_key` names who sent it and the id ("u7:abc",
// "admin:abc"), `what` the operation with its target and amount. In the operation's transaction, so
// one that fails leaves its id free.
Claim claim(Conn& c, const std::string& op_key, const std::string& what, int64_t now);
}  // namespace wallet_ops

}  // namespace plaza::store
