// Apps: who may chat with an app and with what content, buying a one-time app, and the app names
// a user's /v1/models lists.
#include "services/apps.hpp"

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "services/apps_internal.hpp"
#include "store/async.hpp"
#include "store/billing_repo.hpp"
#include "store/earnings_repo.hpp"

namespace plaza::services {

using store::App;
using namespace apps_internal;

namespace {
AppChat chat_of(store::Conn& c, const App& app, const store::User& me, int64_t now) {
  // The owner's chat is the preview: the draft when there is one. An administrator chats with what
  // users see, or with the draft of an app not yet published (a review); a draft's price, which no one
  // has approved, is not charged.
  if (app.owner_id == me.id || me.is_admin()) {
    auto live = live_of(c, app);
    bool draft_first = app.owner_id == me.id || !live;
    if (draft_first && app.draft_version_id)
      return {app, store::apps::version(c, *app.draft_version_id)->content, load_settings(c), true};
    if (live) return {app, *live, load_settings(c)};
    throw no_such_app();
  }
  auto live = live_of(c, app);
  if (!open_to_others(app, live)) throw no_such_app();
  bool unlocked = false;
  auto gate = gate_of(c, app, *live, me, now, unlocked);
  if (gate == "unlock") throw Error(ErrorCode::forbidden, "unlock this app first");
  if (gate == "paying")
    throw Error(ErrorCode::forbidden, "this app is for paying users (a subscription or paid credits)");
  if (gate == "plan_level")
    throw Error(ErrorCode::forbidden,
                "this app needs a plan of level " + std::to_string(live->min_plan_level) + " or higher");
  return {app, *live, load_settings(c)};
}
}  // namespace

awaitable<bool> Apps::unlock(store::User me, std::string slug, int64_t creator_share_ppm,
                             std::vector<std::string> credit_order) {
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    auto live = live_of(c, app);
    if (app.owner_id != me.id && !open_to_others(app, live)) throw no_such_app();
    if (!live || live->price_mode != "one_time") throw Error(ErrorCode::conflict, "this app has no unlock price");
    if (app.owner_id == me.id) return false;  // an owner has nothing to buy
    // Nothing is sold that the user could not use: a plan below the app's level, or (after paying)
    // neither a subscription nor paid credits left for an app that is for paying users.
    if (live->min_plan_level > 0 && plan_level(c, me.id, now) < live->min_plan_level)
      throw Error(ErrorCode::forbidden, "this app needs a plan of level " + std::to_string(live->min_plan_level) +
                                            " or higher: subscribe before unlocking it");
    store::earnings::Unlock u;
    u.app_id = app.id;
    u.owner_id = app.owner_id;
    u.user_app = app.kind == "user";
    u.user_id = me.id;
    u.price = live->price;
    u.name = live->title + " (app/" + app.slug + ")";  // the title the buyer saw when paying
    u.creator_share_ppm = creator_share_ppm;
    u.credit_order = credit_order;
    u.day = local_day(now);
    u.now = now;
    bool bought = store::earnings::charge_unlock(c, u);
    if (live->paying_only && !store::funding::is_paying(c, me.id, now))  // thrown: the charge is undone
      throw Error(
          ErrorCode::forbidden,
          "this app is for paying users: after this unlock you would have no subscription or paid credits left");
    return bought;
  });
}

awaitable<AppChat> Apps::for_chat(store::User me, std::string slug) {
  int64_t now = clock_.now_s();
  co_return co_await store::read(db_, [&](store::Conn& c) { return chat_of(c, require_app(c, slug), me, now); });
}

awaitable<AppChat> Apps::for_chat_by_id(store::User me, int64_t app_id) {
  int64_t now = clock_.now_s();
  co_return co_await store::read(db_, [&](store::Conn& c) {
    auto app = store::apps::find_by_id(c, app_id);
    if (!app) throw no_such_app();
    return chat_of(c, *app, me, now);
  });
}

awaitable<std::vector<std::string>> Apps::model_names(store::User me) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    std::vector<std::string> out;
    for (const auto& app : store::apps::by_owner(c, me.id))
      if (app.live_version_id || app.draft_version_id) out.push_back("app/" + app.slug);
    for (int64_t id : store::apps::favorites_of(c, me.id)) {
      auto app = store::apps::find_by_id(c, id);
      if (app && app->owner_id != me.id && open_to_others(*app, live_of(c, *app))) out.push_back("app/" + app->slug);
    }
    return out;
  });
}
}  // namespace plaza::services
