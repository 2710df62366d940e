#pragma once
// What the parts of Apps (apps.cpp, apps_editing.cpp, apps_review.cpp, apps_square.cpp,
// apps_chat_access.cpp) share: finding apps, who may see them, their settings, publishing and
// the gates of priced apps. Defined in apps.cpp; for those files only.
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "services/apps.hpp"
#include "store/app_records.hpp"
#include "store/apps_repo.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::services::apps_internal {

bool owns(const std::optional<store::User>& u, const store::App& a);
bool staff(const std::optional<store::User>& u);
bool open_to_others(const store::App& a, const std::optional<store::AppContent>& live);
Error no_such_app();
store::App require_app(store::Conn& c, const std::string& slug);
store::App require_owned(store::Conn& c, const std::string& slug, const store::User& me);
std::optional<store::AppContent> live_of(store::Conn& c, const store::App& a);
AppSettings load_settings(store::Conn& c);
void publish(store::Conn& c, store::App& app, int64_t version_id, int64_t now);
int64_t plan_level(store::Conn& c, int64_t user_id, int64_t now);
bool has_unlock(store::Conn& c, int64_t app_id, int64_t user_id);
std::string gate_of(store::Conn& c, const store::App& app, const store::AppContent& live,
                    const std::optional<store::User>& user, int64_t now, bool& unlocked);

}  // namespace plaza::services::apps_internal
