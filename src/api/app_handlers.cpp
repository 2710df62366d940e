#include "api/app_handlers.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <map>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "services/square_filters.hpp"
#include "store/async.hpp"
#include "store/users_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;
using store::AppContent;

namespace {

bj::object content_json(const AppContent& c, bool with_preset) {
  boost::system::error_code ec;
  auto params = bj::parse(c.parameters, ec);
  bj::object o{{"title", c.title},
               {"avatar", c.avatar},
               {"tags", json::string_array(c.tags)},
               {"category", c.category},
               {"description", c.description},
               {"instructions", c.instructions},
               {"opening_message", c.opening_message},
               {"suggested_questions", json::string_array(c.suggested_questions)},
               {"default_model", c.default_model},
               {"allowed_models", json::string_array(c.allowed_models)},
               {"parameters", ec ? bj::value(bj::object{}) : params},
               {"visibility", c.visibility},
               {"hide_preset", c.hide_preset},
               {"min_plan_level", c.min_plan_level},
               {"pricing", bj::object{{"mode", c.price_mode},
                                      {"price", c.price},
                                      {"surcharge_ppm", c.surcharge_ppm},
                                      {"paying_only", c.paying_only}}}};
  // The only place a preset is written into a response: callers decide with can_see_preset.
  if (with_preset) {
    bj::array prefix;
    for (const auto& m : c.prefix_messages) prefix.push_back(bj::object{{"role", m.role}, {"content", m.content}});
    o["preset"] = bj::object{{"system_prompt", c.system_prompt}, {"prefix_messages", std::move(prefix)}, {"suffix", c.suffix}};
  }
  return o;
}

std::string slug_param(const Ctx& ctx) {
  return std::string(ctx.req.param("slug"));
}

std::vector<std::string> string_list(const bj::object& body, std::string_view key, std::size_t max,
                                     std::vector<std::string> fallback) {
  auto v = json::optional_string_array(body, key, max);
  return v ? *v : fallback;
}

// Applies the fields present in `body` onto `c` (a create starts from defaults, an edit from the
// current draft), so a PATCH changes only what it names.
void apply(AppContent& c, const bj::object& body) {
  auto str = [&](std::string_view key, std::string& field) {
    if (auto v = json::optional_string(body, key)) field = *v;
  };
  str("title", c.title);
  str("avatar", c.avatar);
  str("category", c.category);
  str("description", c.description);
  str("instructions", c.instructions);
  str("opening_message", c.opening_message);
  str("default_model", c.default_model);
  str("visibility", c.visibility);
  c.tags = string_list(body, "tags", 11, c.tags);
  c.suggested_questions = string_list(body, "suggested_questions", 9, c.suggested_questions);
  c.allowed_models = string_list(body, "allowed_models", 21, c.allowed_models);
  if (auto h = json::optional_bool(body, "hide_preset")) c.hide_preset = *h;
  if (auto l = json::optional_int(body, "min_plan_level")) c.min_plan_level = *l;
  if (auto p = body.if_contains("pricing"); p && !p->is_null()) {
    if (!p->is_object()) throw Error(ErrorCode::invalid_request, "pricing is an object", "pricing");
    const auto& pricing = p->as_object();
    if (auto v = json::optional_string(pricing, "mode"); v && *v != c.price_mode) {
      // A new mode starts without the old one's amounts: a free app has none, a percentage is no
      // per-message price, and a per-message price is no unlock price. What the request sets for
      // the new mode is applied below (and refused when the mode has no such field).
      c.price_mode = *v;
      c.price = 0;
      c.surcharge_ppm = 0;
    }
    if (auto v = json::optional_int(pricing, "price")) c.price = *v;
    if (auto v = json::optional_int(pricing, "surcharge_ppm")) c.surcharge_ppm = *v;
    if (auto v = json::optional_bool(pricing, "paying_only")) c.paying_only = *v;
  }
  if (auto p = body.if_contains("parameters"); p && !p->is_null()) {
    if (!p->is_object()) throw Error(ErrorCode::invalid_request, "parameters is a JSON object", "parameters");
    c.parameters = bj::serialize(*p);
  }
  if (auto p = body.if_contains("preset"); p && !p->is_null()) {
    if (!p->is_object()) throw Error(ErrorCode::invalid_request, "preset is an object", "preset");
    const auto& preset = p->as_object();
    if (auto v = json::optional_string(preset, "system_prompt")) c.system_prompt = *v;
    if (auto v = json::optional_string(preset, "suffix")) c.suffix = *v;
    if (auto m = preset.if_contains("prefix_messages"); m && !m->is_null()) {
      if (!m->is_array()) throw Error(ErrorCode::invalid_request, "prefix_messages is a list", "prefix_messages");
      c.prefix_messages.clear();
      for (const auto& item : m->as_array()) {
        if (!item.is_object()) throw Error(ErrorCode::invalid_request, "each prefix message is {role, content}", "prefix_messages");
        c.prefix_messages.push_back(
            {json::require_string(item.as_object(), "role"), json::require_string(item.as_object(), "content")});
      }
    }
  }
}

bj::array apps_json(const std::vector<services::AppView>& views) {
  bj::array out;
  for (const auto& v : views) out.push_back(app_json(v));
  return out;
}

}  // namespace

bj::object app_json(const services::AppView& v) {
  const auto& a = v.app;
  const AppContent* shown = v.shown();
  bj::object o = shown ? content_json(*shown, v.can_see_preset) : bj::object{};
  o["id"] = a.id;
  o["slug"] = a.slug;
  o["kind"] = a.kind;
  o["status"] = a.status;
  o["takedown_reason"] = a.takedown_reason;
  o["owner"] = bj::object{{"id", a.owner_id}, {"username", a.owner_username}};
  double avg = a.rating_count ? static_cast<double>(a.rating_sum) / static_cast<double>(a.rating_count) : 0.0;
  o["stats"] = bj::object{{"uses", a.uses},
                          {"users", v.users},
                          {"favorites", a.favorites},
                          {"rating_avg", avg},
                          {"rating_count", a.rating_count}};
  o["favorited"] = v.favorited;
  o["unlocked"] = v.unlocked;
  o["access"] = bj::object{{"ok", v.blocked.empty()},
                           {"reason", v.blocked.empty() ? bj::value(nullptr) : bj::value(v.blocked)}};
  o["my_rating"] = json::nullable(v.my_rating);
  o["created_at"] = a.created_at;
  o["updated_at"] = a.updated_at;
  o["published_at"] = json::nullable(a.published_at);
  if (v.draft) {
    bj::object d = content_json(v.draft->content, true);  // drafts reach only owners and admins
    d["review_status"] = v.draft->review_status;
    d["review_reason"] = v.draft->review_reason;
    boost::system::error_code ec;
    auto flags = bj::parse(v.draft->moderation_flags, ec);
    d["moderation_flags"] = ec ? bj::value(bj::array{}) : flags;
    d["submitted_at"] = json::nullable(v.draft->submitted_at);
    d["revision"] = services::review_revision(*v.draft);
    o["draft"] = std::move(d);
  } else {
    o["draft"] = nullptr;
  }
  return o;
}

awaitable<http::Response> list_apps(Ctx& ctx) {
  store::apps::Filter f;
  f.q = ctx.req.query_param("q").value_or("");
  if (f.q.size() > 200) throw Error(ErrorCode::invalid_request, "the search is too long", "q");
  f.tag = ctx.req.query_param("tag").value_or("");
  f.category = ctx.req.query_param("category").value_or("");
  f.sort = ctx.req.query_param("sort").value_or("trending");
  if (f.sort != "trending" && f.sort != "most_used" && f.sort != "newest" && f.sort != "top_rated")
    throw Error(ErrorCode::invalid_request, "sort is trending, most_used, newest or top_rated", "sort");
  int64_t page = query_int(ctx, "page", 1, 1, 10'000);
  int64_t per_page = query_int(ctx, "per_page", 24, 1, 100);
  f.limit = per_page;
  f.offset = (page - 1) * per_page;
  if (auto author = ctx.req.query_param("author"); author && !author->empty()) {
    std::string name = *author;
    auto user = co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::users::find_by_username(c, name); });
    if (!user) co_return json_response(200, bj::object{{"apps", bj::array{}}, {"total", 0}, {"page", page}, {"per_page", per_page}});
    f.owner_id = user->id;
  }
  auto [views, total] = co_await ctx.site.apps.search(ctx.viewer(), f);
  co_return json_response(200, bj::object{{"apps", apps_json(views)}, {"total", total}, {"page", page}, {"per_page", per_page}});
}

awaitable<http::Response> app_categories(Ctx& ctx) {
  auto filters = co_await ctx.site.apps.filters();
  bj::array cj, tj;
  for (const auto& x : filters.categories) cj.push_back(bj::object{{"name", x.name}, {"count", x.count}});
  for (const auto& x : filters.tags) tj.push_back(bj::object{{"name", x.name}, {"count", x.count}});
  co_return json_response(200, bj::object{{"categories", std::move(cj)}, {"tags", std::move(tj)}});
}

awaitable<http::Response> get_leaderboard(Ctx& ctx) {
  std::string period = ctx.req.query_param("period").value_or("week");
  const auto& me = ctx.viewer();
  auto board = co_await ctx.site.apps.leaderboard(period);
  auto rows = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    std::vector<int64_t> ids;
    for (const auto& b : board) ids.push_back(b.app_id);
    std::map<int64_t, services::AppView> views;
    for (auto& v : services::Apps::views_of(c, ids, me, ctx.site.clock.now_s())) views.emplace(v.app.id, std::move(v));
    std::vector<std::pair<store::apps::Board, services::AppView>> out;
    for (const auto& b : board)
      if (auto it = views.find(b.app_id); it != views.end()) out.emplace_back(b, it->second);
    return out;
  });
  bj::array out;
  int64_t rank = 0;
  for (const auto& [b, v] : rows)
    out.push_back(bj::object{{"rank", ++rank}, {"users", b.users}, {"uses", b.uses}, {"app", app_json(v)}});
  co_return json_response(200, bj::object{{"period", period}, {"apps", std::move(out)}});
}

// A homepage is for what a creator put on the square: without a listed app it would only tell anyone
// that the account exists and when it joined, so it answers as an unknown name does. The creator
// and staff see it anyway.
bool homepage_shown(const Ctx& ctx, int64_t creator_id, int64_t listed_apps) {
  const auto& viewer = ctx.viewer();
  return listed_apps > 0 || (viewer && (viewer->id == creator_id || viewer->is_admin()));
}

awaitable<http::Response> get_creator(Ctx& ctx) {
  std::string name(ctx.req.param("username"));
  auto user = co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::users::find_by_username(c, name); });
  if (!user) throw Error(ErrorCode::not_found, "no such creator");
  store::apps::Filter f;
  f.owner_id = user->id;
  f.sort = "most_used";
  f.limit = 100;
  auto [views, total] = co_await ctx.site.apps.search(ctx.viewer(), f);
  if (!homepage_shown(ctx, user->id, total)) throw Error(ErrorCode::not_found, "no such creator");
  int64_t uses = 0, favorites = 0;
  for (const auto& v : views) {
    uses += v.app.uses;
    favorites += v.app.favorites;
  }
  co_return json_response(
      200, bj::object{{"creator", bj::object{{"id", user->id}, {"username", user->username}, {"joined_at", user->created_at}}},
                      {"apps", apps_json(views)},
                      {"totals", bj::object{{"apps", total}, {"uses", uses}, {"favorites", favorites}}}});
}

awaitable<http::Response> my_favorites(Ctx& ctx) {
  auto views = co_await ctx.site.apps.favorites(ctx.me());
  co_return json_response(200, bj::object{{"apps", apps_json(views)}});
}

awaitable<http::Response> get_app(Ctx& ctx) {
  auto v = co_await ctx.site.apps.get(ctx.viewer(), slug_param(ctx));
  auto out = app_json(v);
  // Whether the author's homepage answers this viewer, so an unlisted app's page does not link to a
  // 404. A listed app is on it by definition; otherwise one search of the author's listed apps.
  bool homepage = v.app.status == "published" && v.live && v.live->visibility == "public";
  if (!homepage) {
    store::apps::Filter f;
    f.owner_id = v.app.owner_id;
    f.limit = 1;
    auto listed = co_await ctx.site.apps.search(ctx.viewer(), f);
    homepage = homepage_shown(ctx, v.app.owner_id, listed.second);
  }
  out["owner"].as_object()["homepage"] = homepage;
  co_return json_response(200, out);
}

awaitable<http::Response> create_app(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string slug = json::require_string(body, "slug");
  AppContent content;
  apply(content, body);
  auto v = co_await ctx.site.apps.create(ctx.me(), slug, content);
  co_return json_response(201, app_json(v));
}

awaitable<http::Response> update_app(Ctx& ctx) {
  auto body = body_object(ctx);
  std::string slug = slug_param(ctx);
  auto content = co_await ctx.site.apps.editable(ctx.me(), slug);
  apply(content, body);
  auto v = co_await ctx.site.apps.update(ctx.me(), slug, content);
  co_return json_response(200, app_json(v));
}

awaitable<http::Response> submit_app(Ctx& ctx) {
  co_return json_response(200, app_json(co_await ctx.site.apps.submit(ctx.me(), slug_param(ctx))));
}

awaitable<http::Response> unpublish_app(Ctx& ctx) {
  co_return json_response(200, app_json(co_await ctx.site.apps.unpublish(ctx.me(), slug_param(ctx))));
}

awaitable<http::Response> republish_app(Ctx& ctx) {
  co_return json_response(200, app_json(co_await ctx.site.apps.republish(ctx.me(), slug_param(ctx))));
}

awaitable<http::Response> favorite_app(Ctx& ctx) {
  co_return json_response(200, app_json(co_await ctx.site.apps.favorite(ctx.me(), slug_param(ctx), true)));
}

awaitable<http::Response> unfavorite_app(Ctx& ctx) {
  co_return json_response(200, app_json(co_await ctx.site.apps.favorite(ctx.me(), slug_param(ctx), false)));
}

awaitable<http::Response> rate_app(Ctx& ctx) {
  auto body = body_object(ctx);
  auto stars = json::optional_int(body, "stars");
  if (!stars) throw Error(ErrorCode::invalid_request, "stars are 1 to 5", "stars");
  co_return json_response(200, app_json(co_await ctx.site.apps.rate(ctx.me(), slug_param(ctx), *stars)));
}

awaitable<http::Response> studio_apps(Ctx& ctx) {
  auto views = co_await ctx.site.apps.studio(ctx.me());
  // With the share of an app's price its creator earns, which the studio's pricing section states.
  co_return json_response(200, bj::object{{"apps", apps_json(views)},
                                          {"creator_share_ppm", ctx.site.earnings.options().creator_share_ppm}});
}

awaitable<http::Response> admin_reviews(Ctx& ctx) {
  auto queue = co_await ctx.site.apps.review_queue(ctx.me());
  bj::array out;
  for (const auto& item : queue) {
    bj::object draft = content_json(item.draft.content, true);
    draft["review_status"] = item.draft.review_status;
    boost::system::error_code ec;
    auto flags = bj::parse(item.draft.moderation_flags, ec);
    draft["moderation_flags"] = ec ? bj::value(bj::array{}) : flags;
    draft["submitted_at"] = json::nullable(item.draft.submitted_at);
    draft["number"] = item.draft.number;
    draft["revision"] = services::review_revision(item.draft);
    out.push_back(bj::object{{"app", app_json(item.view)},
                             {"draft", std::move(draft)},
                             {"live", item.live ? bj::value(content_json(*item.live, true)) : bj::value(nullptr)}});
  }
  co_return json_response(200, bj::object{{"queue", std::move(out)}});
}

awaitable<http::Response> admin_approve(Ctx& ctx) {
  std::optional<std::string> revision;  // the body is optional: {revision}
  if (!ctx.req.body.empty()) revision = json::optional_string(body_object(ctx), "revision");
  co_return json_response(200, app_json(co_await ctx.site.apps.approve(ctx.me(), slug_param(ctx), revision)));
}

awaitable<http::Response> admin_reject(Ctx& ctx) {
  auto body = body_object(ctx);
  co_return json_response(
      200, app_json(co_await ctx.site.apps.reject(ctx.me(), slug_param(ctx), json::require_string(body, "reason"),
                                                  json::optional_string(body, "revision"))));
}

awaitable<http::Response> admin_takedown(Ctx& ctx) {
  auto body = body_object(ctx);
  co_return json_response(
      200, app_json(co_await ctx.site.apps.takedown(ctx.me(), slug_param(ctx), json::require_string(body, "reason"))));
}

awaitable<http::Response> admin_get_words(Ctx& ctx) {
  auto words = co_await ctx.site.apps.words();
  co_return json_response(200, bj::object{{"words", json::string_array(words)}});
}

awaitable<http::Response> admin_put_words(Ctx& ctx) {
  auto body = body_object(ctx);
  auto words = json::optional_string_array(body, "words", 100'001);
  if (!words) throw Error(ErrorCode::invalid_request, "words is a list", "words");
  co_await ctx.site.apps.set_words(ctx.me(), *words);
  auto saved = co_await ctx.site.apps.words();
  co_return json_response(200, bj::object{{"words", json::string_array(saved)}});
}

awaitable<http::Response> admin_get_app_settings(Ctx& ctx) {
  auto s = co_await ctx.site.apps.settings();
  co_return json_response(200, bj::object{{"auto_approve", s.auto_approve},
                                          {"leak_word_run", s.leak_word_run},
                                          {"leak_ngram_share", s.leak_ngram_share}});
}

awaitable<http::Response> admin_put_app_settings(Ctx& ctx) {
  auto body = body_object(ctx);
  auto s = co_await ctx.site.apps.settings();
  if (auto v = json::optional_bool(body, "auto_approve")) s.auto_approve = *v;
  if (auto v = json::optional_int(body, "leak_word_run")) s.leak_word_run = *v;
  if (auto v = body.if_contains("leak_ngram_share"); v && !v->is_null()) {
    if (!v->is_number()) throw Error(ErrorCode::invalid_request, "leak_ngram_share is a number", "leak_ngram_share");
    s.leak_ngram_share = v->to_number<double>();
  }
  co_await ctx.site.apps.set_settings(ctx.me(), s);
  co_return json_response(200, bj::object{{"auto_approve", s.auto_approve},
                                          {"leak_word_run", s.leak_word_run},
                                          {"leak_ngram_share", s.leak_ngram_share}});
}

namespace {
bj::object provider_json(const services::ProviderConfig& p) {
  // Keys are write-only: an admin learns whether one is set, never the key.
  return bj::object{{"kind", p.kind},
                    {"base_url", p.base_url},
                    {"model", p.model},
                    {"has_api_key", !p.api_key.empty()},
                    {"has_secret_key", !p.secret_key.empty()}};
}
}  // namespace

awaitable<http::Response> admin_get_provider(Ctx& ctx) {
  co_return json_response(200, provider_json(co_await ctx.site.apps.provider()));
}

awaitable<http::Response> admin_put_provider(Ctx& ctx) {
  auto body = body_object(ctx);
  services::ProviderConfig p;
  p.kind = json::optional_string(body, "kind").value_or("");
  p.base_url = json::optional_string(body, "base_url").value_or("");
  p.model = json::optional_string(body, "model").value_or("");
  p.api_key = json::optional_string(body, "api_key").value_or("");
  p.secret_key = json::optional_string(body, "secret_key").value_or("");
  co_await ctx.site.apps.set_provider(ctx.me(), p);
  co_return json_response(200, provider_json(co_await ctx.site.apps.provider()));
}

awaitable<http::Response> admin_audit(Ctx& ctx) {
  int64_t limit = query_int(ctx, "limit", 100, 1, 500);
  int64_t before = query_int(ctx, "before", INT64_MAX, 1, INT64_MAX);
  auto rows = co_await store::read(ctx.site.db, [&](store::Conn& c) {
    return c.query("SELECT l.id, COALESCE(u.username, ''), l.action, l.target, l.detail, l.created_at FROM audit_log l "
                   "LEFT JOIN users u ON u.id = l.actor_id WHERE l.id < $1 ORDER BY l.id DESC LIMIT $2",
                   {before, limit});
  });
  bj::array out;
  for (const auto& r : rows.rows)
    out.push_back(bj::object{{"id", r.i64(0)},
                             {"actor", r.str(1)},
                             {"action", r.str(2)},
                             {"target", r.str(3)},
                             {"detail", r.str(4)},
                             {"created_at", r.i64(5)}});
  co_return json_response(200, bj::object{{"entries", std::move(out)}});
}

}  // namespace plaza::api
