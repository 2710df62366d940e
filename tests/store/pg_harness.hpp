#pragma once
// The PostgreSQL server the C++ tests use, and a fresh database on it per test.
//
// Where the server comes from, in order:
//   1. PLAZA_TEST_PG_URL: a server someone else started (`make test` starts one for every suite);
//   2. PLAZA_TEST_PG_URL_FILE: a file holding that URL (ctest's pg fixture writes it, so the many
//      one-test processes ctest runs share one cluster);
//   3. otherwise a throwaway cluster started with tests/pg/cluster.sh on first use and stopped when
//      the test binary's run ends.
// A test that needs PostgreSQL never skips: when no server can be had, it fails with the reason.
#include <string>

namespace plaza::test {

// postgresql://.../postgres of the test server. Throws std::runtime_error explaining why there is none.
const std::string& pg_server_url();

// Creates a new, empty, uniquely named database on the test server and returns its URL.
std::string fresh_pg_database();

// Drops a database made by fresh_pg_database (closing any connection still open to it). Never throws.
void drop_pg_database(const std::string& url);

}  // namespace plaza::test
