#pragma once
// Read-only reports over usage events and transfers: a user's usage history and daily spend, and
// the operator's revenue per day.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "store/relay_records.hpp"

namespace plaza::store::reports {

struct UsageFilter {
  std::optional<std::string> from_day, to_day;  // inclusive, YYYY-MM-DD
  std::optional<std::string> model;
  std::optional<int64_t> key_id;
  std::optional<std::string> surface;
  std::optional<int64_t> app_id;
  std::optional<int64_t> channel_id;
  std::optional<std::string> status;  // ok, error, cancelled
  int64_t from_id = 0;                // ids at or above only (the operator's log reads a bounded window)
};
// Newest first, ids below `before` (paging). user_id 0: everyone's (the operator's request log).
std::vector<UsageEvent> usage(Conn& c, int64_t user_id, const UsageFilter& f, int64_t limit,
                              std::optional<int64_t> before);
// Its query and parameters, for the tests of its plans.
std::pair<std::string, std::vector<Value>> usage_query(int64_t user_id, const UsageFilter& f, int64_t limit,
                                                       std::optional<int64_t> before);
// The newest usage event's id (0: none yet).
int64_t last_usage_id(Conn& c);
// The id of the user's n-th newest event below `before` (0 when they have no more than n-1 of them).
int64_t usage_id_back(Conn& c, int64_t user_id, int64_t before, int64_t n);
extern const char* const kUsageIdBackSql;  // its query ($1 user, $2 before, $3 offset), for the test of its plan
// How each channel did in the newest `window` requests of the site (ids above the newest minus
// `window`): a bounded read of the primary key, whatever the site's size. Channels without a
// request in it are absent.
struct ChannelHealth {
  int64_t channel_id = 0;
  int64_t requests = 0, ok = 0, errors = 0, cancelled = 0;
  int64_t avg_latency_ms = 0;
  std::optional<int64_t> avg_ttft_ms;  // streams only
  int64_t last_at = 0;
};
std::vector<ChannelHealth> channel_health(Conn& c, int64_t window);

// id -> username and id -> channel name for the ids given (the request log's rows name them); ids
// of deleted ones are absent.
std::map<int64_t, std::string> usernames(Conn& c, const std::set<int64_t>& ids);
std::map<int64_t, std::string> channel_names(Conn& c, const std::set<int64_t>& ids);

struct DaySpend {
  std::string day;
  std::string model;
  int64_t calls = 0;
  int64_t cost = 0;
  int64_t paid_uc = 0;
  int64_t gift_uc = 0;
  int64_t surcharge_paid_uc = 0;  // app surcharges on these calls paid from paid credits
};
// user_id 0: everyone (the operator's view).
std::vector<DaySpend> daily_spend(Conn& c, int64_t user_id, const std::string& from_day, const std::string& to_day);
// Its query (parameters: from_day, to_day[, user_id]), for the test of its plan.
std::string daily_spend_sql(bool one_user);

// What users paid in paid credits for plans and packs (the charges into the platform's revenue).
struct SalesRow {
  int64_t created_at = 0;
  // subscribe, renew, upgrade, pack, unlock (the paid part of an app's one-time unlock) or convert
  // (a creator's available earnings converted into their paid credits: not a sale) or topup (paid
  // credits bought through the payment provider)
  std::string kind;
  int64_t amount = 0;
  std::string memo;
  // A credit pack: paid credits exchanged for paid credits, which are counted again when spent on
  // calls; not a sale of anything else. Its credits enter with a second transfer, "<key>:credits".
  bool credit_pack = false;
};
std::vector<SalesRow> sales(Conn& c, int64_t from_ts, int64_t to_ts);

}  // namespace plaza::store::reports
