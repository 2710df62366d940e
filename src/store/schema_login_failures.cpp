// v10: sign-in failures are counted in the database, so that every instance of a site sees the same
// counts (services/login_throttle.hpp). A subject is "ip:<address>" or "user:<lower-case name>";
// rows are forgotten an hour after their last failure once their wait is over.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kLoginFailures = R"SQL(
CREATE TABLE login_failures (
  subject TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  blocked_until_ms BIGINT NOT NULL,
  last_failure_ms BIGINT NOT NULL
);
)SQL";

}  // namespace plaza::store::schema
