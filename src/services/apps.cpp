#include "services/apps.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <set>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/moderation.hpp"
#include "core/money.hpp"
#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "relay/request_fields.hpp"
#include "services/app_site_checks.hpp"
#include "services/search_verdicts.hpp"
#include "services/square_filters.hpp"
#include "store/async.hpp"
#include "store/billing_repo.hpp"
#include "store/earnings_repo.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

namespace bj = boost::json;
using store::App;
using store::AppContent;

namespace {

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

// Every text field a submission carries, for moderation.
std::vector<std::pair<std::string, std::string>> text_fields(const AppContent& c) {
  std::vector<std::pair<std::string, std::string>> out{{"title", c.title},
                                                       {"description", c.description},
                                                       {"instructions", c.instructions},
                                                       {"opening_message", c.opening_message},
                                                       {"category", c.category},
                                                       {"system_prompt", c.system_prompt},
                                                       {"suffix", c.suffix}};
  for (const auto& t : c.tags) out.emplace_back("tags", t);
  for (const auto& q : c.suggested_questions) out.emplace_back("suggested_questions", q);
  for (const auto& m : c.prefix_messages) out.emplace_back("prefix_messages", m.content);
  return out;
}

// The word list's hits and the external provider's, as the draft's moderation flags.
std::string moderate(store::Conn& c, const AppContent& content, const std::vector<ModerationFlag>& external) {
  moderation::Matcher matcher(store::apps::words(c));
  bj::array flags;
  if (!matcher.empty())
    for (const auto& [field, text] : text_fields(content))
      for (const auto& hit : matcher.find(text)) flags.push_back(bj::object{{"field", field}, {"word", hit.word}});
  for (const auto& f : external) flags.push_back(bj::object{{"field", f.field}, {"word", f.word}});
  return bj::serialize(flags);
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

}  // namespace

void check_slug(const std::string& slug) {
  if (slug.size() < 3 || slug.size() > 40)
    throw Error(ErrorCode::invalid_request, "a slug is 3 to 40 characters", "slug");
  for (char ch : slug)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
      throw Error(ErrorCode::invalid_request, "a slug has lower-case letters, digits and dashes", "slug");
  if (slug.front() == '-' || slug.back() == '-')
    throw Error(ErrorCode::invalid_request, "a slug does not start or end with a dash", "slug");
}

void check_pricing(const AppContent& c) {
  constexpr int64_t kCredit = money::kMicro;
  if (c.price_mode == "free") {
    if (c.price != 0 || c.surcharge_ppm != 0)
      throw Error(ErrorCode::invalid_request, "a free app has no price", "pricing");
  } else if (c.price_mode == "per_message") {
    if (c.price < 1 || c.price > 100 * kCredit)
      throw Error(ErrorCode::invalid_request, "a surcharge per message is above 0 and at most 100 credits", "pricing");
    if (c.surcharge_ppm != 0)
      throw Error(ErrorCode::invalid_request, "a per-message price has no percentage", "pricing");
  } else if (c.price_mode == "per_token") {
    if (c.surcharge_ppm < 1 || c.surcharge_ppm > 10'000'000)
      throw Error(ErrorCode::invalid_request, "a per-token surcharge is above 0% and at most 1000% of the model cost",
                  "pricing");
    if (c.price != 0) throw Error(ErrorCode::invalid_request, "a per-token surcharge has no fixed price", "pricing");
  } else if (c.price_mode == "one_time") {
    if (c.price < 1 || c.price > 10'000 * kCredit)
      throw Error(ErrorCode::invalid_request, "an unlock costs above 0 and at most 10,000 credits", "pricing");
    if (c.surcharge_ppm != 0) throw Error(ErrorCode::invalid_request, "an unlock has no percentage", "pricing");
  } else {
    throw Error(ErrorCode::invalid_request, "pricing mode is free, per_message, per_token or one_time", "pricing");
  }
}

void check_content(const AppContent& c) {
  auto text = [](const std::string& v, std::size_t max, const char* field, bool required = false) {
    if (required && v.empty()) throw Error(ErrorCode::invalid_request, std::string(field) + " is required", field);
    if (v.size() > max || !is_valid_utf8(v))
      throw Error(ErrorCode::invalid_request, std::string(field) + " is too long or not text", field);
  };
  text(c.title, 100, "title", true);
  text(c.avatar, 300, "avatar");
  text(c.category, 50, "category");
  text(c.description, 1000, "description");
  text(c.instructions, 20000, "instructions");
  text(c.opening_message, 4000, "opening_message");
  text(c.default_model, 200, "default_model", true);
  text(c.system_prompt, 64 * 1024, "system_prompt");
  text(c.suffix, 8000, "suffix");
  if (c.tags.size() > 10) throw Error(ErrorCode::invalid_request, "at most 10 tags", "tags");
  for (const auto& t : c.tags) text(t, 30, "tags", true);
  if (c.suggested_questions.size() > 8)
    throw Error(ErrorCode::invalid_request, "at most 8 suggested questions", "suggested_questions");
  for (const auto& q : c.suggested_questions) text(q, 300, "suggested_questions", true);
  if (c.allowed_models.size() > 20) throw Error(ErrorCode::invalid_request, "at most 20 models", "allowed_models");
  for (const auto& m : c.allowed_models) text(m, 200, "allowed_models", true);
  if (c.prefix_messages.size() > 20)
    throw Error(ErrorCode::invalid_request, "at most 20 prefix messages", "prefix_messages");
  for (const auto& m : c.prefix_messages) {
    if (m.role != "user" && m.role != "assistant")
      throw Error(ErrorCode::invalid_request, "prefix messages are from the user or the assistant", "prefix_messages");
    text(m.content, 16000, "prefix_messages", true);
  }
  if (c.visibility != "private" && c.visibility != "unlisted" && c.visibility != "public")
    throw Error(ErrorCode::invalid_request, "visibility is private, unlisted or public", "visibility");
  if (c.min_plan_level < 0 || c.min_plan_level > 100)
    throw Error(ErrorCode::invalid_request, "min_plan_level is 0..100", "min_plan_level");
  check_pricing(c);
  boost::system::error_code ec;
  auto params = bj::parse(c.parameters, ec);
  if (ec || !params.is_object() || c.parameters.size() > 4000)
    throw Error(ErrorCode::invalid_request, "parameters is a JSON object", "parameters");
  for (const auto& [key, value] : params.as_object())
    if (!app_parameter(key))
      throw Error(
          ErrorCode::invalid_request,
          "parameters may set sampling, length and reasoning only (temperature, top_p, max_tokens, ...), not '" +
              std::string(key) + "'",
          "parameters");
  // A chat's cost is estimated from them: a length of "500" or 0 would make every chat a 400.
  try {
    relay::check_cost_fields(params.as_object());
  } catch (const Error& e) {
    throw Error(ErrorCode::invalid_request, std::string("parameters: ") + e.what(), "parameters");
  }
}

std::string review_revision(const store::AppVersion& v) {
  return crypto::sha256_hex(std::to_string(v.id) + "|" + std::to_string(v.submitted_at.value_or(0)) + "|" +
                            store::apps::content_json(v.content))
      .substr(0, 16);
}

namespace {
// The version in review, as the reviewer saw it when they name its revision.
store::AppVersion in_review(store::Conn& c, const App& app, const std::optional<std::string>& revision) {
  if (app.draft_version_id) store::apps::lock_version(c, *app.draft_version_id);  // then read as it stands
  auto draft = app.draft_version_id ? store::apps::version(c, *app.draft_version_id) : std::nullopt;
  if (!draft || draft->review_status != "pending") throw Error(ErrorCode::conflict, "nothing of this app is in review");
  if (revision && *revision != review_revision(*draft))
    throw Error(ErrorCode::conflict, "the creator changed this submission after you opened it: look at it again",
                "revision");
  return *draft;
}
}  // namespace

bool app_parameter(std::string_view field) {
  static constexpr std::string_view kAllowed[] = {"temperature",
                                                  "top_p",
                                                  "top_k",
                                                  "min_p",
                                                  "max_tokens",
                                                  "max_completion_tokens",
                                                  "presence_penalty",
                                                  "frequency_penalty",
                                                  "repetition_penalty",
                                                  "stop",
                                                  "seed",
                                                  "response_format",
                                                  "reasoning_effort",
                                                  "reasoning",  // OpenRouter's {effort, max_tokens, exclude}
                                                  "include_reasoning"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), field) != std::end(kAllowed);
}

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

awaitable<AppView> Apps::create(store::User me, std::string slug, AppContent content) {
  check_slug(slug);
  check_content(content);
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    check_site_offers(c, content);
    std::optional<App> app;
    try {
      app = store::apps::create(c, slug, me.id, me.is_admin() ? "system" : "user", content, now);
    } catch (const store::UniqueViolation&) {
      throw Error(ErrorCode::conflict, "this slug is taken", "slug");
    }
    return view_of(c, *app, me, clock_.now_s());
  });
}

awaitable<AppContent> Apps::editable(store::User me, std::string slug) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (app.draft_version_id) return store::apps::version(c, *app.draft_version_id)->content;
    auto live = live_of(c, app);
    return live.value_or(AppContent{});
  });
}

awaitable<AppView> Apps::update(store::User me, std::string slug, AppContent content) {
  check_content(content);
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    auto stored =
        app.draft_version_id ? std::optional(store::apps::version(c, *app.draft_version_id)->content) : live_of(c, app);
    check_site_offers_changed(c, content, stored);
    if (app.draft_version_id) {
      // Editing a submission takes it out of the queue: it is a draft again until resubmitted.
      store::apps::update_content(c, *app.draft_version_id, content);
    } else {
      store::apps::add_version(c, app.id, content, now);  // the live version stays up meanwhile
    }
    auto fresh = *store::apps::find_by_id(c, app.id);
    fresh.updated_at = now;
    store::apps::save(c, fresh);
    // Visibility and the like are part of the reviewed content; a private app has nobody to hide from.
    return view_of(c, fresh, me, clock_.now_s());
  });
}

awaitable<AppView> Apps::submit(store::User me, std::string slug) {
  // The external provider is asked outside any transaction; the write below checks that the draft
  // it judged is still the one being submitted.
  struct Draft {
    int64_t version_id;
    std::string content;
    TextFields fields;
    ProviderConfig provider;
  };
  auto draft = co_await store::read(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (!app.draft_version_id) throw Error(ErrorCode::conflict, "there are no changes to submit");
    auto v = *store::apps::version(c, *app.draft_version_id);
    if (v.review_status == "pending") throw Error(ErrorCode::conflict, "this version is already in review");
    check_site_offers(c, v.content);  // saved when the site still offered what it names, maybe
    return Draft{v.id, store::apps::content_json(v.content), text_fields(v.content), load_provider(c, box_)};
  });
  std::vector<ModerationFlag> external;
  if (auto provider = make_provider(draft.provider, upstream_)) external = co_await provider->check(draft.fields);
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    auto v = app.draft_version_id ? store::apps::version(c, *app.draft_version_id) : std::nullopt;
    if (!v || v->id != draft.version_id || store::apps::content_json(v->content) != draft.content ||
        v->review_status == "pending")
      throw Error(ErrorCode::conflict, "the app changed while it was being checked; submit it again");
    std::string flags = moderate(c, v->content, external);
    store::apps::mark_submitted(c, v->id, flags, now);
    store::audit::record(c, me.id, "app.submit", "app:" + slug, "version " + std::to_string(v->number), now);
    // An app an administrator took down goes back through a person, however clean its text.
    if (flags == "[]" && load_settings(c).auto_approve && app.status != "taken_down") {
      store::apps::set_review(c, v->id, "approved", "", flags, std::nullopt, now);
      publish(c, app, v->id, now);
      store::audit::record(c, std::nullopt, "app.auto_approve", "app:" + slug, "", now);
    }
    return view_of(c, *store::apps::find_by_id(c, app.id), me, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<AppView> Apps::unpublish(store::User me, std::string slug) {
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (app.status != "published") throw Error(ErrorCode::conflict, "the app is not published");
    app.status = "unpublished";
    app.updated_at = now;
    store::apps::save(c, app);
    store::apps::reindex(c, app, live_of(c, app));
    store::audit::record(c, me.id, "app.unpublish", "app:" + slug, "", now);
    return view_of(c, app, me, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<AppView> Apps::republish(store::User me, std::string slug) {
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (app.status != "unpublished" || !app.live_version_id)
      throw Error(ErrorCode::conflict, app.status == "taken_down"
                                           ? "an administrator took this app down; edit it and submit it again"
                                           : "only an unpublished app with an approved version can be republished");
    app.status = "published";
    app.updated_at = now;
    store::apps::save(c, app);
    store::apps::reindex(c, app, live_of(c, app));
    store::audit::record(c, me.id, "app.republish", "app:" + slug, "", now);
    return view_of(c, app, me, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
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

Apps::Apps(store::Database& db, const Clock& clock, http::UpstreamClient& upstream, const crypto::SecretBox& box)
    : db_(db),
      clock_(clock),
      upstream_(upstream),
      box_(box),
      verdicts_(std::make_unique<SearchVerdicts>()),
      filters_(std::make_unique<SquareFiltersCache>()) {}

Apps::~Apps() = default;

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

awaitable<std::vector<ReviewItem>> Apps::review_queue(store::User admin) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    std::vector<ReviewItem> out;
    for (auto& draft : store::apps::pending(c, 200)) {
      auto app = store::apps::find_by_id(c, draft.app_id);
      if (!app) continue;
      auto view = view_of(c, *app, admin, clock_.now_s());
      out.push_back({view, draft, view.live});
    }
    return out;
  });
}

awaitable<AppView> Apps::approve(store::User admin, std::string slug, std::optional<std::string> revision) {
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    auto draft = in_review(c, app, revision);
    check_site_offers(c, draft.content);  // the operator may have switched its model off since it was submitted
    store::apps::set_review(c, draft.id, "approved", "", draft.moderation_flags, admin.id, now);
    publish(c, app, draft.id, now);
    store::audit::record(c, admin.id, "app.approve", "app:" + slug, "version " + std::to_string(draft.number), now);
    return view_of(c, app, admin, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<AppView> Apps::reject(store::User admin, std::string slug, std::string reason,
                                std::optional<std::string> revision) {
  if (reason.empty() || reason.size() > 2000)
    throw Error(ErrorCode::invalid_request, "give the creator a reason (up to 2000 characters)", "reason");
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    auto draft = in_review(c, app, revision);
    store::apps::set_review(c, draft.id, "rejected", reason, draft.moderation_flags, admin.id, now);
    store::audit::record(c, admin.id, "app.reject", "app:" + slug, reason, now);
    return view_of(c, app, admin, clock_.now_s());
  });
}

awaitable<AppView> Apps::takedown(store::User admin, std::string slug, std::string reason) {
  if (reason.empty() || reason.size() > 2000)
    throw Error(ErrorCode::invalid_request, "give the creator a reason (up to 2000 characters)", "reason");
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    app.status = "taken_down";
    app.takedown_reason = reason;
    app.updated_at = now;
    store::apps::save(c, app);
    store::apps::reindex(c, app, live_of(c, app));
    store::audit::record(c, admin.id, "app.takedown", "app:" + slug, reason, now);
    return view_of(c, app, admin, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<std::vector<std::string>> Apps::words() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::apps::words(c); });
}

awaitable<void> Apps::set_words(store::User admin, std::vector<std::string> list) {
  if (list.size() > 100'000) throw Error(ErrorCode::invalid_request, "at most 100,000 words", "words");
  std::vector<std::string> clean;
  for (auto& w : list) {
    if (w.size() > 100 || !is_valid_utf8(w))
      throw Error(ErrorCode::invalid_request, "a word is too long or not text", "words");
    if (!moderation::normalize(w).empty()) clean.push_back(std::move(w));
  }
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    store::apps::replace_words(c, clean);
    store::audit::record(c, admin.id, "moderation.words", "words", std::to_string(clean.size()) + " words", now);
  });
}

awaitable<ProviderConfig> Apps::provider() {
  co_return co_await store::read(db_, [this](store::Conn& c) { return load_provider(c, box_); });
}

awaitable<void> Apps::set_provider(store::User admin, ProviderConfig config) {
  if (config.kind != "" && config.kind != "openai" && config.kind != "baidu")
    throw Error(ErrorCode::invalid_request, "the provider is openai, baidu or none", "kind");
  if (!config.kind.empty() && !config.base_url.empty() && !config.base_url.starts_with("https://") &&
      !config.base_url.starts_with("http://"))
    throw Error(ErrorCode::invalid_request, "base_url is an http(s) address", "base_url");
  if (config.kind == "openai" && config.base_url.empty())
    throw Error(ErrorCode::invalid_request, "base_url is required, e.g. https://api.openai.com/v1", "base_url");
  for (const auto* v : {&config.base_url, &config.model, &config.api_key, &config.secret_key})
    if (v->size() > 500) throw Error(ErrorCode::invalid_request, "a value is too long");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    auto stored = load_provider(c, box_);
    // Stored keys stay only with the address they were given for: a new base_url needs them again,
    // or an admin session could send them to a host of its choosing.
    bool same_place = config.kind == stored.kind && config.base_url == stored.base_url;
    if (!same_place && !config.kind.empty() && config.api_key.empty() && !stored.api_key.empty())
      throw Error(ErrorCode::invalid_request, "enter the key again for a new provider or address", "api_key");
    if (config.api_key.empty() && same_place) config.api_key = stored.api_key;
    if (config.secret_key.empty() && same_place) config.secret_key = stored.secret_key;
    save_provider(c, box_, config, now);
    store::audit::record(c, admin.id, "moderation.provider", "settings", config.kind.empty() ? "none" : config.kind,
                         now);
  });
}

awaitable<AppSettings> Apps::settings() {
  co_return co_await store::read(db_, [](store::Conn& c) { return load_settings(c); });
}

awaitable<void> Apps::set_settings(store::User admin, AppSettings s) {
  if (s.leak_word_run < 4 || s.leak_word_run > 200)
    throw Error(ErrorCode::invalid_request, "leak_word_run is 4..200", "leak_word_run");
  if (!(s.leak_ngram_share > 0.05 && s.leak_ngram_share <= 1.0))
    throw Error(ErrorCode::invalid_request, "leak_ngram_share is above 0.05 and at most 1", "leak_ngram_share");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    store::settings::put(c, "apps.auto_approve", s.auto_approve ? "true" : "false", now);
    store::settings::put(c, "apps.leak_word_run", std::to_string(s.leak_word_run), now);
    store::settings::put(c, "apps.leak_ngram_share", std::to_string(s.leak_ngram_share), now);
    store::audit::record(c, admin.id, "apps.settings", "settings",
                         std::string("auto_approve=") + (s.auto_approve ? "on" : "off"), now);
  });
}

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
