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
  // A sign-in attempt, before its password is checked, in a write transaction of its own: refused
  // (rate_limited) when the address or the username must wait, else counted at once as a failure of
  // the username. Attempts on one account sent side by side are counted one after another, so a block
  // one of them earns refuses the rest (checking first and counting after the slow password check let
  // a whole burst through). A refused attempt is not counted.
  void begin(store::Conn& c, const std::string& ip, const std::string& username);
  // The attempt's password was wrong: the address counts it (an address is many people's, so only
  // failures count against it; a burst from one address can pass its check together, but each
  // username it tries is held to its own count), and so does the pair of address and username.
  void failed_from(store::Conn& c, const std::string& ip, const std::string& username);
  // The attempt's password was right: the username's failures are forgiven, and the address is given
  // back the failures of this username from it (a shared address's typos of people who then got in).
  // Not more: one's own sign-in must not reset an address spraying one password over many usernames.
  void succeeded(store::Conn& c, const std::string& ip, const std::string& username);
  // Counts a failure of the address and the username (tests).
  void failed(store::Conn& c, const std::string& ip, const std::string& username);
  // Forgets what is over (failures an hour old whose wait has ended), at most once a minute; in a
  // transaction of its own, as it deletes rows of any subject.
  void sweep(store::Conn& c);
  bool sweep_due();

  static constexpr int64_t kMaxWaitMs = 15 * 60 * 1000;
  // Addresses may be shared (offices, carrier NAT), so they get more free failures than usernames.
  static constexpr int kAddressFactor = 4;

 private:
  // Counts a failure of `subject`; returns the block it had before (ms, 0 for none).
  int64_t fail(store::Conn& c, const std::string& subject, int free, int64_t now);

  const Clock& clock_;
  int free_failures_;
  std::atomic<int64_t> last_sweep_ms_{0};
};

}  // namespace plaza::services
