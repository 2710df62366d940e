#pragma once
#include <optional>
#include <string>

#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::store::sessions {

// Sessions are stored under the SHA-256 of their id, so a copy of the database signs nobody in.
void create(Conn& c, const std::string& id_hash, int64_t user_id, const std::string& csrf_token, int64_t now,
            int64_t expires_at, const std::string& ip, const std::string& user_agent);
std::optional<SessionRecord> find(Conn& c, const std::string& id_hash);
void remove(Conn& c, const std::string& id_hash);
// Ends every session of the user except `keep_hash` (empty: all of them).
int64_t remove_all_for_user(Conn& c, int64_t user_id, const std::string& keep_hash);
int64_t remove_expired(Conn& c, int64_t now);

}  // namespace plaza::store::sessions
