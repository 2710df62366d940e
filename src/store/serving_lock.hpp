#pragma once
// A SQLite database serves one instance: `plaza serve` holds an advisory lock on
// "<database file>.serving" for as long as it runs. A second server on the same file is refused, and
// the other commands (migrate, settle, admin) do not migrate a database a server is using: a server of
// the older version would go on writing with a schema it does not know (since migration 16 the usage
// writer keeps the app roll-up that a trigger kept before). PostgreSQL databases take no lock: several
// instances share them by design.
#include <string>

namespace plaza::store {

class ServingLock {
 public:
  // Takes the lock of `database_url` (nothing for PostgreSQL). Throws DatabaseError when another
  // process holds it.
  explicit ServingLock(const std::string& database_url);
  ~ServingLock();
  ServingLock(const ServingLock&) = delete;
  ServingLock& operator=(const ServingLock&) = delete;

  // Whether a server holds the lock of `database_url` now (always false for PostgreSQL).
  static bool held(const std::string& database_url);

 private:
  int fd_ = -1;
};

}  // namespace plaza::store
