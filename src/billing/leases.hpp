#pragma once
// Leases on users' credits, per instance. A billed API call used to place its own hold before the
// relay: a trip to the writer thread and a transaction, for a call that then settles in another.
// Instead, an instance holds a lease — one ordinary pending hold in the ledger, for the worst case
// of many calls — and sets each non-streamed call's maximum cost aside from it in memory. A call's
// settlement posts its cost to the lease's hold; when the lease is done (old, idle, or too small
// for a call), its unposted rest is voided. After a crash the lease's hold expires like any other
// and the reaper voids it: a kill -9 loses no money.
//
// This class is only the memory side, guarded by one mutex (I/O threads take and finish, the writer
// thread opens and retires). The ledger side is in meter.cpp.
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace plaza::billing {

// What one call set aside from a lease.
struct LeaseTicket {
  int64_t hold_id = 0;
  int64_t account_id = 0;
  bool paid = true;  // the account is paid credits (else gift)
  int64_t amount = 0;
};

struct Lease {
  int64_t hold_id = 0;
  int64_t account_id = 0;
  bool paid = true;
  int64_t amount = 0;  // as the hold holds it
  int64_t opened_at = 0;
};

class Leases {
 public:
  // `use_s`: a lease takes calls for this long after it opened; `idle_s`: it is given back after
  // this long without a call.
  Leases(int64_t use_s, int64_t idle_s) : use_s_(use_s), idle_s_(idle_s) {}

  // Sets `amount` aside from the user's open lease: nothing when there is none, it is too old or
  // its room is too small.
  std::optional<LeaseTicket> take(int64_t user_id, int64_t amount, int64_t now);
  // The call is over: `used` (at most the ticket's amount) is posted to the lease, the rest is free.
  void finish(int64_t user_id, const LeaseTicket& ticket, int64_t used);

  // The user's open lease takes no more calls; what it had neither posted nor set aside ("room")
  // is no longer its own: the caller gives it back to the account in the same transaction. Nothing
  // when the user has no open lease.
  struct Retired {
    int64_t hold_id = 0;
    int64_t account_id = 0;
    int64_t room = 0;
  };
  std::optional<Retired> retire(int64_t user_id);
  void open(int64_t user_id, const Lease& lease);
  // The user cannot have a lease (a subscription or pack pays first, or too little credit): no
  // attempt to open one until `until`.
  void decline(int64_t user_id, int64_t until);
  bool declined(int64_t user_id, int64_t now) const;
  // The open lease takes no more calls (its opening did not commit), and the next call decides
  // again.
  void forget(int64_t user_id);

  // Leases whose holds are to be voided now: retired ones with no call in flight. Open ones that
  // are old or idle are retired first; `all` retires every lease (shutting down).
  struct Done {
    int64_t user_id = 0;
    int64_t hold_id = 0;
    int64_t account_id = 0;
  };
  std::vector<Done> drain(int64_t now, bool all = false);
  // The user's retired leases with no call in flight, to void now (removed from memory).
  std::vector<Done> drained(int64_t user_id);

  std::size_t size() const;  // leases open or waiting to be voided
  bool holds(int64_t user_id) const;  // the user has a lease here, open or waiting to be voided
  std::vector<int64_t> users() const;  // the users holds() is true for

 private:
  struct State {
    Lease lease;
    int64_t posted = 0;    // by calls that finished (their settlements may still be queued)
    int64_t reserved = 0;  // by calls in flight
    int64_t in_flight = 0;
    int64_t last_used = 0;
    int64_t room() const { return lease.amount - posted - reserved; }
  };
  struct User {
    std::optional<State> open;
    std::vector<State> retired;
    int64_t declined_until = 0;
  };
  void retire_locked(User& u);

  int64_t use_s_;
  int64_t idle_s_;
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, User> users_;
};

}  // namespace plaza::billing
