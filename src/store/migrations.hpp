#pragma once
// Versioned schema migrations, applied in order, each in its own transaction. A database whose
// version is newer than this binary knows is refused, so an old binary never writes a new schema.
#include <string>
#include <vector>

#include "store/database.hpp"

namespace plaza::store {

struct Migration {
  int version;
  std::string name;
  std::string sqlite;    // SQL for SQLite
  std::string postgres;  // SQL for PostgreSQL
};

const std::vector<Migration>& migrations();
int latest_schema_version();

// The version recorded in the database (0 for an empty database).
int schema_version(Database& db);
// Applies what is missing, up to `up_to` (tests upgrade from an older version); returns the number
// of migrations applied. Throws DatabaseError when the database is newer than this binary.
int migrate(Database& db, int up_to = latest_schema_version());

}  // namespace plaza::store
