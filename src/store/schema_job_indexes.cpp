// v11: the subscription renewal job (every minute on each instance) reads the active subscriptions
// that renew, by end, instead of every subscription ever sold; a creator's earnings page sums their
// frozen earnings from the pending ones, instead of reading every earning they ever had; a wallet's
// transactions are read from an index without the creator-side kinds (earnings, clearing, reversal,
// payout: they never touch a wallet), which a creator gets one of per paid call of their apps. It
// replaces the index of every transfer by user, which nothing else read.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kJobIndexes = R"SQL(
CREATE INDEX subscriptions_renewal ON subscriptions (ends_at) WHERE status = 'active' AND auto_renew = 1;
CREATE INDEX earnings_owner_pending ON earnings (owner_id, app_id) WHERE status = 'pending';
CREATE INDEX ledger_transfers_wallet ON ledger_transfers (user_id, id)
  WHERE kind NOT IN ('earnings', 'clearing', 'reversal', 'payout');
DROP INDEX ledger_transfers_user;
)SQL";

}  // namespace plaza::store::schema
