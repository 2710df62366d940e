// v24: a model's place in the chat's picker, set by the operator: smallest first, then by id. The
// first a user can reach is a new user's model, so the operator chooses it rather than the alphabet.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kModelPosition = R"SQL(
ALTER TABLE models ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
)SQL";

}  // namespace plaza::store::schema
