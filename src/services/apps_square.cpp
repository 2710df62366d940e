// Apps: what the square reads: an app's views for a viewer, search, filters, leaderboards, a
// creator's studio, favorites and ratings, and the stats job that counts uses.
#include "services/apps.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <set>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "services/apps_internal.hpp"
#include "services/search_verdicts.hpp"
#include "services/square_filters.hpp"
#include "store/async.hpp"

namespace plaza::services {

using store::App;
using store::AppContent;
using namespace apps_internal;

namespace {

// The views of `apps` (in their order) with a few queries for all of them: their live versions, and
// the viewer's favorites and ratings among them. Drafts (owner and staff only) and the gates of
// priced apps are read per app.
// `live` holds the live versions' contents already read, by version id.
std::vector<AppView> build_views(store::Conn& c, std::vector<App> apps, const std::optional<store::User>& viewer,
                                 int64_t now, std::map<int64_t, AppContent> live = {}) {
  std::vector<int64_t> ids, live_ids;
  for (const auto& a : apps) {
    ids.push_back(a.id);
    if (a.live_version_id && !live.count(*a.live_version_id)) live_ids.push_back(*a.live_version_id);
  }
  for (auto& v : store::apps::versions(c, live_ids)) live.emplace(v.id, std::move(v.content));
  std::set<int64_t> favorites;
  std::map<int64_t, int64_t> ratings;
  if (viewer) {
    auto marks = store::apps::marks_among(c, viewer->id, ids);
    favorites.insert(marks.favorites.begin(), marks.favorites.end());
    ratings.insert(marks.ratings.begin(), marks.ratings.end());
  }
  std::vector<AppView> out;
  for (auto& app : apps) {
    AppView v;
    if (app.live_version_id)
      if (auto l = live.find(*app.live_version_id); l != live.end()) v.live = l->second;
    bool privileged = owns(viewer, app) || staff(viewer);
    if (privileged && app.draft_version_id) v.draft = store::apps::version(c, *app.draft_version_id);
    const AppContent* shown = v.shown();
    v.can_see_preset = privileged || (shown && !shown->hide_preset);
    v.favorited = favorites.count(app.id) > 0;
    if (auto r = ratings.find(app.id); r != ratings.end()) v.my_rating = r->second;
    v.users = app.users;  // the stats job's count; one app's page counts now (Apps::get)
    if (v.live) v.blocked = gate_of(c, app, *v.live, viewer, now, v.unlocked);
    v.app = std::move(app);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

AppView Apps::view_of(store::Conn& c, const App& app, const std::optional<store::User>& viewer, int64_t now) {
  return std::move(build_views(c, {app}, viewer, now).front());
}

std::vector<AppView> Apps::views_of(store::Conn& c, const std::vector<int64_t>& ids,
                                    const std::optional<store::User>& viewer, int64_t now) {
  std::map<int64_t, App> found;
  std::map<int64_t, AppContent> live;
  for (auto& [a, content] : store::apps::find_with_live(c, ids)) {
    if (content) live.emplace(*a.live_version_id, std::move(*content));
    found.emplace(a.id, std::move(a));
  }
  std::vector<App> apps;
  for (int64_t id : ids)
    if (auto it = found.find(id); it != found.end()) apps.push_back(it->second);
  return build_views(c, std::move(apps), viewer, now, std::move(live));
}

awaitable<AppView> Apps::get(std::optional<store::User> viewer, std::string slug) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    auto view = view_of(c, app, viewer, clock_.now_s());
    if (!owns(viewer, app) && !staff(viewer) && !open_to_others(app, view.live)) throw no_such_app();
    view.users = store::apps::distinct_users(c, app.id, app.users);  // one app's page: counted now, up to a bound
    return view;
  });
}

awaitable<std::pair<std::vector<AppView>, int64_t>> Apps::search(std::optional<store::User> viewer,
                                                                 store::apps::Filter filter) {
  int64_t now = clock_.now_s();
  const std::string key = SearchVerdicts::key(filter);
  filter.many_matches = verdicts_->find(key, now);
  auto [views, page] = co_await store::read(db_, [&](store::Conn& c) {
    auto page = store::apps::search(c, filter);
    return std::make_pair(views_of(c, page.ids, viewer, now), page);
  });
  if (page.many_matches && page.many_matches != filter.many_matches) verdicts_->remember(key, *page.many_matches, now);
  co_return std::make_pair(std::move(views), page.total);
}

std::string period_start(const std::string& period, int64_t now) {
  if (period == "day") return local_day(now);
  if (period == "week") return local_day(now - 6 * 86'400);
  if (period == "month") return local_day(now - 29 * 86'400);
  if (period == "all") return std::string(store::apps::kAllTime);
  throw Error(ErrorCode::invalid_request, "period is day, week, month or all", "period");
}

awaitable<SquareFilters> Apps::filters() {
  int64_t now = clock_.now_s();
  uint64_t generation = 0;
  if (auto kept = filters_->find(now, generation)) co_return *kept;
  auto read = co_await store::read(db_, [](store::Conn& c) {
    return SquareFilters{store::apps::categories(c), store::apps::tags(c, 50)};
  });
  filters_->keep(read, now, generation);
  co_return read;
}

awaitable<std::vector<store::apps::Board>> Apps::leaderboard(std::string period) {
  std::string from = period_start(period, clock_.now_s());
  co_return co_await store::read(db_, [&](store::Conn& c) {
    auto rows = store::apps::stored_leaderboard(c, period);
    return rows.empty() ? store::apps::leaderboard(c, from, 50) : rows;
  });
}

awaitable<std::vector<AppView>> Apps::studio(store::User me) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    std::vector<AppView> out;
    std::vector<int64_t> ids;
    for (const auto& app : store::apps::by_owner(c, me.id)) ids.push_back(app.id);
    out = views_of(c, ids, me, clock_.now_s());
    return out;
  });
}

awaitable<std::vector<AppView>> Apps::favorites(store::User me) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    std::vector<AppView> out;
    for (auto& view : views_of(c, store::apps::favorites_of(c, me.id), me, clock_.now_s()))
      if (owns(me, view.app) || open_to_others(view.app, view.live)) out.push_back(std::move(view));
    return out;
  });
}

awaitable<AppView> Apps::favorite(store::User me, std::string slug, bool on) {
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    if (!owns(me, app) && !open_to_others(app, live_of(c, app))) throw no_such_app();
    store::apps::set_favorite(c, app.id, me.id, on, now);
    return view_of(c, *store::apps::find_by_id(c, app.id), me, clock_.now_s());
  });
}

awaitable<AppView> Apps::rate(store::User me, std::string slug, int64_t stars) {
  if (stars < 1 || stars > 5) throw Error(ErrorCode::invalid_request, "stars are 1 to 5", "stars");
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    if (!owns(me, app) && !open_to_others(app, live_of(c, app))) throw no_such_app();
    if (owns(me, app)) throw Error(ErrorCode::forbidden, "creators do not rate their own apps");
    if (!store::apps::has_used(c, app.id, me.id))
      throw Error(ErrorCode::forbidden, "chat with the app before you rate it");
    store::apps::rate(c, app.id, me.id, stars, now);
    return view_of(c, *store::apps::find_by_id(c, app.id), me, clock_.now_s());
  });
}

namespace {

struct SquareStats {
  store::apps::UsageStats usage;
  std::vector<std::pair<std::string, std::vector<store::apps::Board>>> leaderboards;  // by period
};

SquareStats read_square_stats(store::Conn& c, int64_t now) {
  std::vector<std::string> days;
  for (int i = 0; i < 7; ++i) days.push_back(local_day(now - i * 86'400));
  SquareStats out{store::apps::read_usage_stats(c, days), {}};
  for (const char* period : {"day", "week", "month", "all"})
    out.leaderboards.emplace_back(period, store::apps::leaderboard(c, period_start(period, now), 50));
  return out;
}

void write_square_stats(store::Conn& c, const SquareStats& stats) {
  store::apps::write_usage_stats(c, stats.usage);
  for (const auto& [period, rows] : stats.leaderboards) store::apps::store_leaderboard(c, period, rows);
}

}  // namespace

awaitable<void> Apps::refresh_stats(int64_t now) {
  auto started = std::chrono::steady_clock::now();
  auto stats = co_await store::read(db_, [&](store::Conn& c) { return read_square_stats(c, now); });
  auto read = std::chrono::steady_clock::now();
  co_await store::write(db_, [&](store::Conn& c) { write_square_stats(c, stats); });
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  spdlog::debug("app stats: {} apps used, read in {} ms, written in {} ms", stats.usage.uses_users.size(),
                ms(read - started), ms(std::chrono::steady_clock::now() - read));
}

void Apps::refresh_stats(store::Conn& c, int64_t now) {
  write_square_stats(c, read_square_stats(c, now));
}
}  // namespace plaza::services
