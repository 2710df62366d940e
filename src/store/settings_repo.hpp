#pragma once
// Site settings kept in the database (the ones an admin changes at run time), and the audit log.
#include <optional>
#include <string>

#include "store/database.hpp"

namespace plaza::store::settings {

std::optional<std::string> get(Conn& c, const std::string& key);
void put(Conn& c, const std::string& key, const std::string& value, int64_t now);
void remove(Conn& c, const std::string& key);

}  // namespace plaza::store::settings

namespace plaza::store::audit {

void record(Conn& c, std::optional<int64_t> actor_id, const std::string& action, const std::string& target,
            const std::string& detail, int64_t now);

}  // namespace plaza::store::audit
