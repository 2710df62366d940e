// The Apps object and the helpers its parts share (apps_internal.hpp), and the system apps a fresh
// site starts with. The use cases are in apps_editing.cpp, apps_review.cpp, apps_square.cpp and
// apps_chat_access.cpp.
#include "services/apps.hpp"

#include "core/error.hpp"
#include "services/apps_internal.hpp"
#include "services/search_verdicts.hpp"
#include "services/square_filters.hpp"
#include "store/billing_repo.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

using store::App;
using store::AppContent;

namespace apps_internal {

bool owns(const std::optional<store::User>& u, const App& a) {
  return u && u->id == a.owner_id;
}
bool staff(const std::optional<store::User>& u) {
  return u && u->is_admin();
}

// Whether someone other than the owner may see (and use) the app: published, with a live version
// that is public or unlisted.
bool open_to_others(const App& a, const std::optional<AppContent>& live) {
  return a.status == "published" && live && live->visibility != "private";
}

Error no_such_app() {
  return Error(ErrorCode::not_found, "no such app");
}

App require_app(store::Conn& c, const std::string& slug) {
  auto app = store::apps::find(c, slug);
  if (!app) throw no_such_app();
  return *app;
}

App require_owned(store::Conn& c, const std::string& slug, const store::User& me) {
  auto app = require_app(c, slug);
  if (app.owner_id != me.id && !me.is_admin()) throw no_such_app();  // others learn nothing
  return app;
}

std::optional<AppContent> live_of(store::Conn& c, const App& a) {
  if (!a.live_version_id) return std::nullopt;
  auto v = store::apps::version(c, *a.live_version_id);
  if (!v) return std::nullopt;
  return v->content;
}

AppSettings load_settings(store::Conn& c) {
  AppSettings s;
  if (auto v = store::settings::get(c, "apps.auto_approve")) s.auto_approve = *v == "true";
  if (auto v = store::settings::get(c, "apps.leak_word_run")) s.leak_word_run = std::stoll(*v);
  if (auto v = store::settings::get(c, "apps.leak_ngram_share")) s.leak_ngram_share = std::stod(*v);
  return s;
}

// An approved version goes live. An app its owner unpublished stays off the square (the new version
// is what republishing shows); a taken-down one comes back, as only a reviewer can approve it.
void publish(store::Conn& c, App& app, int64_t version_id, int64_t now) {
  app.live_version_id = version_id;
  app.draft_version_id.reset();
  if (app.status != "unpublished") {
    app.status = "published";
    app.takedown_reason.clear();
  }
  if (!app.published_at) app.published_at = now;
  app.updated_at = now;
  store::apps::save(c, app);
  store::apps::reindex(c, app, live_of(c, app));
}

int64_t plan_level(store::Conn& c, int64_t user_id, int64_t now) {
  auto sub = store::subscriptions::active(c, user_id, now);
  return sub ? sub->level : 0;
}

bool has_unlock(store::Conn& c, int64_t app_id, int64_t user_id) {
  return c.query_one("SELECT 1 FROM app_unlocks WHERE app_id = $1 AND user_id = $2", {app_id, user_id}).has_value();
}

// What keeps `user` (nobody: a visitor) from chatting with an app whose live content is `live`: ""
// when nothing does. Queries only for the gates the app has.
std::string gate_of(store::Conn& c, const App& app, const AppContent& live, const std::optional<store::User>& user,
                    int64_t now, bool& unlocked) {
  unlocked = false;
  if (user && (user->id == app.owner_id || user->is_admin())) {
    unlocked = true;
    return "";
  }
  if (live.price_mode == "one_time") unlocked = user && has_unlock(c, app.id, user->id);
  // The plan first: an unlock is no use to a user below it, so it is not what to offer them.
  if (live.min_plan_level > 0 && !(user && plan_level(c, user->id, now) >= live.min_plan_level)) return "plan_level";
  if (live.price_mode == "one_time" && !unlocked) return "unlock";
  if (live.paying_only && !(user && store::funding::is_paying(c, user->id, now))) return "paying";
  return "";
}

}  // namespace apps_internal

using namespace apps_internal;

Apps::Apps(store::Database& db, const Clock& clock, http::UpstreamClient& upstream, const crypto::SecretBox& box)
    : db_(db),
      clock_(clock),
      upstream_(upstream),
      box_(box),
      verdicts_(std::make_unique<SearchVerdicts>()),
      filters_(std::make_unique<SquareFiltersCache>()) {}

Apps::~Apps() = default;

void Apps::seed_system_apps(store::Conn& c, int64_t now) {
  if (store::settings::get(c, "apps.seeded")) return;
  store::settings::put(c, "apps.seeded", "true", now);
  auto owner = store::users::find_by_username(c, "plaza");
  // "!" is no argon2 hash: nobody can sign in as the system user.
  int64_t owner_id = owner ? owner->id : store::users::create(c, {"plaza", std::nullopt, "!", "user"}, now).id;
  struct Seed {
    const char* slug;
    const char* title;
    const char* avatar;
    const char* category;
    std::vector<std::string> tags;
    const char* description;
    const char* prompt;
  };
  const Seed seeds[] = {
      {"writing-coach",
       "写作教练 Writing Coach",
       "✍️",
       "writing",
       {"写作", "writing"},
       "Improves your drafts: clearer sentences, better structure, the same voice. 润色你的文章。",
       "You are a patient writing coach. Improve the user's text for clarity and structure while keeping their voice; "
       "explain the most important changes briefly. Answer in the language the user writes in."},
      {"code-explainer",
       "代码讲解 Code Explainer",
       "🧑‍💻",
       "programming",
       {"代码", "code"},
       "Explains code step by step and points out bugs. 逐行讲解代码。",
       "You are a senior engineer who explains code to a colleague: what it does, step by step, and what could go "
       "wrong. Be concrete and brief. Answer in the language the user writes in."},
      {"daily-planner",
       "日程规划 Daily Planner",
       "🗓️",
       "productivity",
       {"效率", "planning"},
       "Turns a to-do list into a realistic plan for the day. 把待办变成今天的计划。",
       "You turn the user's tasks into a realistic schedule for one day, with breaks, the hardest task first, and a "
       "short list of what to drop if time runs out. Answer in the language the user writes in."},
  };
  for (const auto& seed : seeds) {
    AppContent content;
    content.title = seed.title;
    content.avatar = seed.avatar;
    content.category = seed.category;
    content.tags = seed.tags;
    content.description = seed.description;
    content.default_model = "gpt-4o-mini";
    content.visibility = "public";
    content.system_prompt = seed.prompt;
    App app = store::apps::create(c, seed.slug, owner_id, "system", content, now);
    store::apps::set_review(c, *app.draft_version_id, "approved", "", "[]", std::nullopt, now);
    publish(c, app, *app.draft_version_id, now);
  }
}
}  // namespace plaza::services
