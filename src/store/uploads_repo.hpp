#pragma once
// The record of uploaded images (their files live in <data_dir>/uploads, named by their bytes' hash).
#include <cstdint>
#include <string>

#include "store/database.hpp"

namespace plaza::store::uploads {

// Records an upload of `user`, unless they made `limit` uploads since `since`: then false, nothing recorded.
bool record_within(Conn& c, int64_t user_id, const std::string& name, int64_t bytes, int64_t now, int64_t since,
                   int64_t limit);

}  // namespace plaza::store::uploads
