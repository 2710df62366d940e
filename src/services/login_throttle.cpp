#include "services/login_throttle.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/validation.hpp"

namespace plaza::services {

namespace {

constexpr int64_t kForgetAfterMs = 60 * 60 * 1000;  // failures older than an hour are forgotten

std::string address_subject(const std::string& ip) {
  return "ip:" + ip;
}

std::string user_subject(const std::string& username) {
  return "user:" + ascii_lower(username);
}

// Failures of one username from one address: what a success there may give back to the address.
std::string pair_subject(const std::string& ip, const std::string& username) {
  return "pair:" + ip + "|" + ascii_lower(username);
}
constexpr int kNeverBlocks = 1 << 30;

}  // namespace

void LoginThrottle::check(store::Conn& c, const std::string& ip, const std::string& username) {
  int64_t now = clock_.now_ms();
  auto row = c.query_one("SELECT MAX(blocked_until_ms) FROM login_failures WHERE subject IN ($1, $2)",
                         {address_subject(ip), user_subject(username)});
  int64_t until = row && !row->is_null(0) ? row->i64(0) : 0;
  if (until > now) {
    Error e(ErrorCode::rate_limited, "too many failed sign-ins; try again later");
    e.retry_after = static_cast<int>((until - now + 999) / 1000);
    throw e;
  }
}

// One statement counts the failure, so that instances failing the same subject at once each count;
// it waits for another transaction counting the same subject, and then sees the block that one set.
int64_t LoginThrottle::fail(store::Conn& c, const std::string& subject, int free, int64_t now) {
  auto row = c.query_one(
      "INSERT INTO login_failures (subject, failures, blocked_until_ms, last_failure_ms) "
      "VALUES ($1, 1, 0, CAST($2 AS BIGINT)) ON CONFLICT (subject) DO UPDATE SET "
      "failures = CASE WHEN CAST($2 AS BIGINT) - login_failures.last_failure_ms > CAST($3 AS BIGINT) THEN 1 "
      "ELSE login_failures.failures + 1 END, last_failure_ms = CAST($2 AS BIGINT) RETURNING failures, blocked_until_ms",
      {subject, now, kForgetAfterMs});
  int64_t failures = row ? row->i64(0) : 1;
  int64_t blocked_before = row ? row->i64(1) : 0;
  if (failures < free) return blocked_before;
  int64_t doublings = std::min<int64_t>(failures - free, 20);
  c.exec("UPDATE login_failures SET blocked_until_ms = $1 WHERE subject = $2",
         {now + std::min(kMaxWaitMs, int64_t{1000} << doublings), subject});
  return blocked_before;
}

bool LoginThrottle::sweep_due() {
  int64_t now = clock_.now_ms(), last = last_sweep_ms_.load();
  return now - last >= 60'000 && last_sweep_ms_.compare_exchange_strong(last, now);
}

void LoginThrottle::sweep(store::Conn& c) {
  int64_t now = clock_.now_ms();
  c.exec("DELETE FROM login_failures WHERE last_failure_ms < $1 AND blocked_until_ms <= $2",
         {now - kForgetAfterMs, now});
}

void LoginThrottle::failed(store::Conn& c, const std::string& ip, const std::string& username) {
  int64_t now = clock_.now_ms();
  if (sweep_due()) sweep(c);
  fail(c, address_subject(ip), free_failures_ * kAddressFactor, now);
  fail(c, user_subject(username), free_failures_, now);
}

// Rows are locked in one order by every caller: the username, then the pair, then the address.
void LoginThrottle::begin(store::Conn& c, const std::string& ip, const std::string& username) {
  check(c, ip, username);
  int64_t now = clock_.now_ms();
  // The count waits for another attempt on the username in flight, and then sees the block it set.
  if (int64_t until = fail(c, user_subject(username), free_failures_, now); until > now) {
    Error e(ErrorCode::rate_limited, "too many failed sign-ins; try again later");  // undoes the count
    e.retry_after = static_cast<int>((until - now + 999) / 1000);
    throw e;
  }
}

void LoginThrottle::failed_from(store::Conn& c, const std::string& ip, const std::string& username) {
  int64_t now = clock_.now_ms();
  fail(c, pair_subject(ip, username), kNeverBlocks, now);
  fail(c, address_subject(ip), free_failures_ * kAddressFactor, now);
}

void LoginThrottle::succeeded(store::Conn& c, const std::string& ip, const std::string& username) {
  int64_t now = clock_.now_ms();
  c.exec("DELETE FROM login_failures WHERE subject = $1", {user_subject(username)});
  auto row = c.query_one("DELETE FROM login_failures WHERE subject = $1 RETURNING failures, last_failure_ms",
                         {pair_subject(ip, username)});
  int64_t earlier = row && now - row->i64(1) <= kForgetAfterMs ? row->i64(0) : 0;
  if (earlier <= 0) return;
  c.exec(
      "UPDATE login_failures SET failures = CASE WHEN failures > $2 THEN failures - $2 ELSE 0 END, "
      "blocked_until_ms = CASE WHEN failures - $2 < $3 THEN 0 ELSE blocked_until_ms END WHERE subject = $1",
      {address_subject(ip), earlier, int64_t{free_failures_} * kAddressFactor});
}

}  // namespace plaza::services
