// v11: the subscription renewal job (every minute on each instance) reads the active subscriptions
// that renew, by end, instead of every subscription ever sold; a creator's earnings page sums their
// frozen earnings from the pending ones, instead of reading every earning they ever had.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kJobIndexes = R"SQL(
CREATE INDEX subscriptions_renewal ON subscriptions (ends_at) WHERE status = 'active' AND auto_renew = 1;
CREATE INDEX earnings_owner_pending ON earnings (owner_id, app_id) WHERE status = 'pending';
)SQL";

}  // namespace plaza::store::schema
