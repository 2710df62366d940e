#pragma once
// Sign-in throttling with exponential backoff, per client address and per username: after a few
// free failures each further one doubles the wait (capped), so guessing passwords gets slow for one
// address and for one account attacked from many addresses.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace plaza::services {

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, int free_failures) : clock_(clock), free_failures_(free_failures) {}

  // Throws Error(rate_limited) with retry_after when the address or the username must wait.
  void check(const std::string& ip, const std::string& username);
  void failed(const std::string& ip, const std::string& username);
  void succeeded(const std::string& ip, const std::string& username);

  static constexpr int64_t kMaxWaitMs = 15 * 60 * 1000;
  // Addresses may be shared (offices, carrier NAT), so they get more free failures than usernames.
  static constexpr int kAddressFactor = 4;

 private:
  struct Entry {
    int failures = 0;
    int64_t blocked_until_ms = 0;
    int64_t last_failure_ms = 0;
  };
  void fail(std::unordered_map<std::string, Entry>& map, const std::string& key, int free, int64_t now);
  void sweep(int64_t now);

  const Clock& clock_;
  int free_failures_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> by_ip_;
  std::unordered_map<std::string, Entry> by_user_;
  int64_t last_sweep_ms_ = 0;
};

}  // namespace plaza::services
