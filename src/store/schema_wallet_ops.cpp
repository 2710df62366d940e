// v27: what each wallet operation's request id was used for. A retried purchase or grant (the same
// X-Request-Id) must change nothing, but the same id on a different operation, amount or target is
// a client's mistake that must be refused, not silently dropped: the ledger's idempotency keys say
// only that a key was used, so each operation files its request id here with what it did.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kWalletOps = R"SQL(
CREATE TABLE wallet_ops (
  op_key TEXT PRIMARY KEY,
  what TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)SQL";

}  // namespace plaza::store::schema
