// v13: one answer at a time per conversation, across instances. A web chat request takes the
// conversation's lease in the transaction that stores the user's message, renews it while the answer
// streams and gives it back at the end; a lease whose instance died runs out within a minute.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kAnswerLease = R"SQL(
ALTER TABLE conversations ADD COLUMN answer_token TEXT;
ALTER TABLE conversations ADD COLUMN answer_until BIGINT;
)SQL";

}  // namespace plaza::store::schema
