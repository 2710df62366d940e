#include "store/payments_repo.hpp"

namespace plaza::store::payments {

namespace {

constexpr const char* kColumns =
    "o.id, o.user_id, o.provider, o.amount, o.currency, o.credits, o.status, o.provider_ref, o.checkout_url, "
    "o.request_id, o.created_at, o.paid_at, o.refreshed_at, o.nonce, o.expires_at";

Order from_row(const Row& r) {
  Order o;
  o.id = r.i64(0);
  o.user_id = r.i64(1);
  o.provider = r.str(2);
  o.amount = r.i64(3);
  o.currency = r.str(4);
  o.credits = r.i64(5);
  o.status = r.str(6);
  o.provider_ref = r.opt_str(7);
  o.checkout_url = r.opt_str(8);
  o.request_id = r.opt_str(9);
  o.created_at = r.i64(10);
  o.paid_at = r.opt_i64(11);
  o.refreshed_at = r.i64(12);
  o.nonce = r.str(13);
  o.expires_at = r.i64(14);
  if (r.size() > 15) o.username = r.str(15);
  return o;
}

std::vector<Order> orders(const Result& res) {
  std::vector<Order> out;
  for (const auto& r : res.rows) out.push_back(from_row(r));
  return out;
}

Value optional_text(const std::optional<std::string>& s) {
  return s ? Value(*s) : kNull;
}

}  // namespace

int64_t insert(Conn& c, const Order& o) {
  return c
      .query_one(
          "INSERT INTO payment_orders (user_id, provider, amount, currency, credits, status, request_id, created_at, "
          "nonce, expires_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9) RETURNING id",
          {o.user_id, o.provider, o.amount, o.currency, o.credits, optional_text(o.request_id), o.created_at, o.nonce,
           o.expires_at})
      ->i64(0);
}

std::optional<Order> find(Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kColumns + " FROM payment_orders o WHERE o.id = $1", {id});
  return r ? std::optional(from_row(*r)) : std::nullopt;
}

std::optional<Order> find_by_request(Conn& c, int64_t user_id, const std::string& request_id) {
  auto r = c.query_one(
      std::string("SELECT ") + kColumns + " FROM payment_orders o WHERE o.user_id = $1 AND o.request_id = $2",
      {user_id, request_id});
  return r ? std::optional(from_row(*r)) : std::nullopt;
}

std::vector<Order> of_user(Conn& c, int64_t user_id, int64_t limit, int64_t before) {
  return orders(c.query(std::string("SELECT ") + kColumns +
                            " FROM payment_orders o WHERE o.user_id = $1 AND o.id < $2 ORDER BY o.id DESC LIMIT $3",
                        {user_id, before, limit}));
}

std::vector<Order> all(Conn& c, const std::string& status, std::optional<int64_t> user_id, int64_t limit,
                       int64_t before) {
  // Empty filters match everything; CAST lets PostgreSQL type a parameter it only compares with NULL.
  return orders(
      c.query(std::string("SELECT ") + kColumns +
                  ", COALESCE(u.username, '') FROM payment_orders o LEFT JOIN users u ON u.id = o.user_id "
                  "WHERE o.id < $1 AND (CAST($2 AS TEXT) = '' OR o.status = $2) AND (CAST($3 AS BIGINT) IS NULL OR "
                  "o.user_id = $3) ORDER BY o.id DESC LIMIT $4",
              {before, status, nullable(user_id), limit}));
}

int64_t pending_count(Conn& c, int64_t user_id) {
  return c.query_one("SELECT COUNT(*) FROM payment_orders WHERE user_id = $1 AND status = 'pending'", {user_id})
      ->i64(0);
}

bool set_session(Conn& c, int64_t id, const std::string& ref, const std::string& url) {
  return c.exec(
             "UPDATE payment_orders SET provider_ref = $1, checkout_url = $2 WHERE id = $3 AND status = 'pending' AND "
             "provider_ref IS NULL",
             {ref, url, id}) == 1;
}

bool finish_unstarted(Conn& c, int64_t id, const std::string& status) {
  return c.exec("UPDATE payment_orders SET status = $1 WHERE id = $2 AND status = 'pending' AND provider_ref IS NULL",
                {status, id}) == 1;
}

bool finish(Conn& c, int64_t id, const std::string& status, std::optional<int64_t> paid_at) {
  return c.exec("UPDATE payment_orders SET status = $1, paid_at = $2 WHERE id = $3 AND status = 'pending'",
                {status, nullable(paid_at), id}) == 1;
}

bool claim_refresh(Conn& c, int64_t id, int64_t now, int64_t spacing_s) {
  return c.exec(
             "UPDATE payment_orders SET refreshed_at = $1 WHERE id = $2 AND status = 'pending' AND "
             "refreshed_at <= $3",
             {now, id, now - spacing_s}) == 1;
}

std::vector<Order> due_for_refresh(Conn& c, int64_t now, int64_t spacing_s, int64_t limit) {
  return orders(c.query(std::string("SELECT ") + kColumns +
                            " FROM payment_orders o WHERE o.status = 'pending' AND o.refreshed_at <= $1 "
                            "ORDER BY o.id LIMIT $2",
                        {now - spacing_s, limit}));
}

}  // namespace plaza::store::payments
