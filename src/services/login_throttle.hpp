#pragma once
// Sign-in throttling with exponential backoff, per client address and per username: after a few
// free failures each further one doubles the wait (capped), so guessing passwords gets slow for one
// address and for one account attacked from many addresses.
//
// The counts live in the database (login_failures), so every instance of a site behind a load
// balancer sees the same ones: with several instances an attacker gets no more tries than with one.
// The calls are blocking database work: run them on the database pool.
#include <atomic>
#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace plaza::services {

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, int free_failures) : clock_(clock), free_failures_(free_failures) {}

  // Throws Error(rate_limited) with retry_after when the address or the username must wait.
  void check(store::Conn& c, const std::string& ip, const std::string& username);
  // In a write transaction.
  void failed(store::Conn& c, const std::string& ip, const std::string& username);
  // Forgives the username's failures only: the address's age out, or one's own account would reset
  // an address's count between sprays of one password over many usernames.
  void succeeded(store::Conn& c, const std::string& username);

  static constexpr int64_t kMaxWaitMs = 15 * 60 * 1000;
  // Addresses may be shared (offices, carrier NAT), so they get more free failures than usernames.
  static constexpr int kAddressFactor = 4;

 private:
  void fail(store::Conn& c, const std::string& subject, int free, int64_t now);

  const Clock& clock_;
  int free_failures_;
  std::atomic<int64_t> last_sweep_ms_{0};
};

}  // namespace plaza::services
