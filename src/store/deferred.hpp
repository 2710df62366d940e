#pragma once
// Additions to counters that a transaction writes when it commits (ledger::write_deferred), once per
// row and in a fixed order (holds, API keys, users' accounts, then the platform's), instead of by
// each write in turn: rows that many writes of a batch add to. The platform's few accounts take part
// in nearly every transfer; a lease's hold, its user's account and the caller's key in every call
// the lease funds (store/ledger_repo, billing/meter). Only for changes that need no check when
// written.
//
// A group-commit batch runs many writes in one transaction, each in a savepoint (or a run of lazy
// writes in one); a savepoint rolled back takes its changes with it. So every change goes through
// touch() or forget(), which log how to undo it: undoing the log since the savepoint is cheap, where
// copying the whole state before each write cost the batch time quadratic in its size.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace plaza::store {

struct Deferred {
  Deferred() = default;
  Deferred(const Deferred&) = delete;  // the undo log refers to this object's maps
  Deferred& operator=(const Deferred&) = delete;

  struct AccountDelta {
    int64_t balance = 0;
    int64_t held = 0;
  };
  // Charges posted from leases (billing/leases.hpp): the calls of a batch that one user's lease
  // pays for become one transfer per debit, credit and kind, named after the first call.
  struct Charge {
    std::string key, kind, request_id, memo;
    int64_t user_id = 0, at = 0, amount = 0, calls = 0;
    bool models_differ = false;
  };

  std::map<int64_t, AccountDelta> accounts;  // ledger account → deltas
  std::map<std::tuple<int64_t, int64_t, std::string>, Charge> charges;
  std::map<int64_t, int64_t> hold_posts;  // hold → posted delta
  std::map<int64_t, int64_t> key_spent;   // API key → spent delta
  // A lease's hold's room left in this transaction: read (and on PostgreSQL locked) once, then
  // counted down by each post (ledger::post_to_lease).
  std::map<int64_t, int64_t> hold_rooms;

  // The entry to change (created empty), its old state logged.
  template <class Map>
  typename Map::mapped_type& touch(Map& map, const typename Map::key_type& key) {
    auto it = map.find(key);
    if (it == map.end()) {
      undo_.push_back([&map, key] { map.erase(key); });
      return map[key];
    }
    undo_.push_back([&map, key, old = it->second] { map[key] = old; });
    return it->second;
  }
  // Removes the entry, its old state logged.
  template <class Map>
  void forget(Map& map, const typename Map::key_type& key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    undo_.push_back([&map, key, old = it->second] { map[key] = old; });
    map.erase(it);
  }

  // A savepoint opens: what is changed from now on can be undone.
  void begin_write() { undo_.clear(); }
  // The savepoint was rolled back: the changes since it opened are undone.
  void undo_write() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
    undo_.clear();
  }
  void clear() {
    accounts.clear();
    charges.clear();
    hold_posts.clear();
    key_spent.clear();
    hold_rooms.clear();
    undo_.clear();
  }

 private:
  std::vector<std::function<void()>> undo_;
};

}  // namespace plaza::store
