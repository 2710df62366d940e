#pragma once
// Top-up orders (payment_orders, v29). Every change of status is one conditional UPDATE from
// `pending`: whichever of a webhook, its duplicates and a page's refresh gets there first acts, and
// the others see that nothing changed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace plaza::store::payments {

struct Order {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string username;  // filled by the admin list only
  std::string provider;
  int64_t amount = 0;  // minor units of `currency`
  std::string currency;
  int64_t credits = 0;  // µc
  std::string status;   // pending | paid | expired | failed
  std::optional<std::string> provider_ref;
  std::optional<std::string> checkout_url;
  std::optional<std::string> request_id;
  int64_t created_at = 0;
  std::optional<int64_t> paid_at;
  int64_t refreshed_at = 0;
  std::string nonce;       // random; the provider's idempotency key is made of it
  int64_t expires_at = 0;  // when the provider's session expires (sent with it)
};

// The new order's id. Throws UniqueViolation when the user already sent this request id.
int64_t insert(Conn& c, const Order& o);
std::optional<Order> find(Conn& c, int64_t id);
std::optional<Order> find_by_request(Conn& c, int64_t user_id, const std::string& request_id);
// The user's orders below `before` (an id), newest first.
std::vector<Order> of_user(Conn& c, int64_t user_id, int64_t limit, int64_t before);
// Every user's (or one's, or one status'), newest first, with usernames.
std::vector<Order> all(Conn& c, const std::string& status, std::optional<int64_t> user_id, int64_t limit,
                       int64_t before);
// The user's pending orders (open top-ups).
int64_t pending_count(Conn& c, int64_t user_id);
// Writes the session of a pending order that has none; false (nothing written) otherwise.
bool set_session(Conn& c, int64_t id, const std::string& ref, const std::string& url);
// pending → `status` for an order that never got a session (its provider call failed, or a crash
// came between); false when it is no longer pending or has a session.
bool finish_unstarted(Conn& c, int64_t id, const std::string& status);
// pending → `status`; false when the order was no longer pending.
bool finish(Conn& c, int64_t id, const std::string& status, std::optional<int64_t> paid_at);
// Claims the right to ask the provider about a pending order: true for one caller per `spacing_s`.
bool claim_refresh(Conn& c, int64_t id, int64_t now, int64_t spacing_s);
// Up to `limit` pending orders not looked up within `spacing_s`, oldest first: the reconciler's batch.
std::vector<Order> due_for_refresh(Conn& c, int64_t now, int64_t spacing_s, int64_t limit);

}  // namespace plaza::store::payments
