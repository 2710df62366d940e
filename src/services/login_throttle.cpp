#include "services/login_throttle.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/validation.hpp"

namespace plaza::services {

namespace {
constexpr int64_t kForgetAfterMs = 60 * 60 * 1000;  // failures older than an hour are forgotten
}

void LoginThrottle::check(const std::string& ip, const std::string& username) {
  std::lock_guard lock(mutex_);
  int64_t now = clock_.now_ms();
  int64_t until = 0;
  if (auto it = by_ip_.find(ip); it != by_ip_.end()) until = std::max(until, it->second.blocked_until_ms);
  if (auto it = by_user_.find(ascii_lower(username)); it != by_user_.end())
    until = std::max(until, it->second.blocked_until_ms);
  if (until > now) {
    Error e(ErrorCode::rate_limited, "too many failed sign-ins; try again later");
    e.retry_after = static_cast<int>((until - now + 999) / 1000);
    throw e;
  }
}

void LoginThrottle::fail(std::unordered_map<std::string, Entry>& map, const std::string& key, int free, int64_t now) {
  Entry& e = map[key];
  if (now - e.last_failure_ms > kForgetAfterMs) e.failures = 0;
  ++e.failures;
  e.last_failure_ms = now;
  if (e.failures >= free) {
    int doublings = std::min(e.failures - free, 20);
    e.blocked_until_ms = now + std::min(kMaxWaitMs, int64_t{1000} << doublings);
  }
}

void LoginThrottle::failed(const std::string& ip, const std::string& username) {
  std::lock_guard lock(mutex_);
  int64_t now = clock_.now_ms();
  sweep(now);
  fail(by_ip_, ip, free_failures_ * kAddressFactor, now);
  fail(by_user_, ascii_lower(username), free_failures_, now);
}

void LoginThrottle::succeeded(const std::string& ip, const std::string& username) {
  std::lock_guard lock(mutex_);
  by_user_.erase(ascii_lower(username));
  if (auto it = by_ip_.find(ip); it != by_ip_.end() && it->second.blocked_until_ms <= clock_.now_ms()) by_ip_.erase(it);
}

void LoginThrottle::sweep(int64_t now) {
  if (now - last_sweep_ms_ < 60'000) return;
  last_sweep_ms_ = now;
  auto stale = [&](const auto& kv) {
    return now - kv.second.last_failure_ms > kForgetAfterMs && kv.second.blocked_until_ms <= now;
  };
  std::erase_if(by_ip_, stale);
  std::erase_if(by_user_, stale);
}

}  // namespace plaza::services
