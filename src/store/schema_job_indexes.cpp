// v11: the subscription renewal job (every minute on each instance) reads the active subscriptions
// that renew, by end, instead of every subscription ever sold.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kJobIndexes = R"SQL(
CREATE INDEX subscriptions_renewal ON subscriptions (ends_at) WHERE status = 'active' AND auto_renew = 1;
)SQL";

}  // namespace plaza::store::schema
