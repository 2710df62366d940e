#include "store/apps_repo.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <tuple>

#include "core/json.hpp"
#include "core/validation.hpp"
#include "store/json_columns.hpp"
#include "store/uploads_repo.hpp"

namespace plaza::store::apps {

namespace bj = boost::json;

namespace {

std::vector<std::string> strings_of(const bj::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto v = o.if_contains(key); v && v->is_array())
    for (const auto& item : v->as_array())
      if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

std::string string_of(const bj::object& o, std::string_view key, std::string fallback = {}) {
  if (auto v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return fallback;
}

const std::string kAppFields =
    "a.id, a.slug, a.owner_id, u.username, a.kind, a.status, a.takedown_reason, a.live_version_id, "
    "a.draft_version_id, a.uses, a.favorites, a.rating_sum, a.rating_count, a.trending, a.created_at, a.updated_at, "
    "a.published_at, a.users";
const std::string kAppColumns = kAppFields + " FROM apps a JOIN users u ON u.id = a.owner_id";

App to_app(const Row& r) {
  App a;
  a.id = r.i64(0);
  a.slug = r.str(1);
  a.owner_id = r.i64(2);
  a.owner_username = r.str(3);
  a.kind = r.str(4);
  a.status = r.str(5);
  a.takedown_reason = r.str(6);
  a.live_version_id = r.opt_i64(7);
  a.draft_version_id = r.opt_i64(8);
  a.uses = r.i64(9);
  a.favorites = r.i64(10);
  a.rating_sum = r.i64(11);
  a.rating_count = r.i64(12);
  a.trending = r.i64(13);
  a.created_at = r.i64(14);
  a.updated_at = r.i64(15);
  a.published_at = r.opt_i64(16);
  a.users = r.i64(17);
  return a;
}

constexpr const char* kVersionColumns =
    "id, app_id, number, content, review_status, review_reason, moderation_flags, submitted_at, reviewed_at, "
    "reviewed_by, created_at";

AppVersion to_version(const Row& r) {
  return AppVersion{r.i64(0),     r.i64(1),     r.i64(2), parse_content(r.str(3)),
                    r.str(4),     r.str(5),     r.str(6), r.opt_i64(7),
                    r.opt_i64(8), r.opt_i64(9), r.i64(10)};
}

constexpr int64_t kScoreScale = 1'000'000;
constexpr int64_t kMaxTotal = 1000;
constexpr int64_t kPriorRatings = 10;

}  // namespace

std::string content_json(const AppContent& c) {
  bj::array prefix;
  for (const auto& m : c.prefix_messages) prefix.push_back(bj::object{{"role", m.role}, {"content", m.content}});
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
               {"parameters", c.parameters},
               {"visibility", c.visibility},
               {"hide_preset", c.hide_preset},
               {"min_plan_level", c.min_plan_level},
               {"price_mode", c.price_mode},
               {"price", c.price},
               {"surcharge_ppm", c.surcharge_ppm},
               {"paying_only", c.paying_only},
               {"system_prompt", c.system_prompt},
               {"prefix_messages", std::move(prefix)},
               {"suffix", c.suffix}};
  return bj::serialize(o);
}

AppContent parse_content(const std::string& json) {
  AppContent c;
  boost::system::error_code ec;
  auto v = bj::parse(json, ec);
  if (ec || !v.is_object()) return c;
  const auto& o = v.as_object();
  c.title = string_of(o, "title");
  c.avatar = string_of(o, "avatar");
  c.tags = strings_of(o, "tags");
  c.category = string_of(o, "category");
  c.description = string_of(o, "description");
  c.instructions = string_of(o, "instructions");
  c.opening_message = string_of(o, "opening_message");
  c.suggested_questions = strings_of(o, "suggested_questions");
  c.default_model = string_of(o, "default_model");
  c.allowed_models = strings_of(o, "allowed_models");
  c.parameters = string_of(o, "parameters", "{}");
  c.visibility = string_of(o, "visibility", "private");
  if (auto h = o.if_contains("hide_preset"); h && h->is_bool()) c.hide_preset = h->as_bool();
  if (auto l = o.if_contains("min_plan_level"); l && l->is_int64()) c.min_plan_level = l->as_int64();
  c.price_mode = string_of(o, "price_mode", "free");
  if (auto v = o.if_contains("price"); v && v->is_int64()) c.price = v->as_int64();
  if (auto v = o.if_contains("surcharge_ppm"); v && v->is_int64()) c.surcharge_ppm = v->as_int64();
  if (auto v = o.if_contains("paying_only"); v && v->is_bool()) c.paying_only = v->as_bool();
  c.system_prompt = string_of(o, "system_prompt");
  if (auto p = o.if_contains("prefix_messages"); p && p->is_array())
    for (const auto& m : p->as_array())
      if (m.is_object())
        c.prefix_messages.push_back({string_of(m.as_object(), "role"), string_of(m.as_object(), "content")});
  c.suffix = string_of(o, "suffix");
  return c;
}

App create(Conn& c, const std::string& slug, int64_t owner_id, const std::string& kind, const AppContent& content,
           int64_t now) {
  int64_t id = c.query_one(
                    "INSERT INTO apps (slug, owner_id, kind, status, created_at, updated_at) "
                    "VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
                    {slug, owner_id, kind, now})
                   ->i64(0);
  add_version(c, id, content, now);
  return *find_by_id(c, id);
}

std::optional<App> find(Conn& c, const std::string& slug) {
  auto row = c.query_one(std::string("SELECT ") + kAppColumns + " WHERE a.slug = $1", {slug});
  if (!row) return std::nullopt;
  return to_app(*row);
}

std::vector<std::pair<App, std::optional<AppContent>>> find_with_live(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<std::pair<App, std::optional<AppContent>>> out;
  if (ids.empty()) return out;
  for (const auto& r :
       c.query("SELECT " + kAppFields +
                   ", v.content FROM apps a JOIN users u ON u.id = a.owner_id LEFT JOIN app_versions v ON v.id = "
                   "a.live_version_id WHERE " +
                   among(c.dialect(), "a.id", "$1"),
               {id_array(c.dialect(), ids)})
           .rows) {
    constexpr std::size_t kContent = 18;  // after the app's fields
    out.emplace_back(to_app(r),
                     r.is_null(kContent) ? std::nullopt : std::optional<AppContent>(parse_content(r.str(kContent))));
  }
  return out;
}

std::vector<AppVersion> versions(Conn& c, const std::vector<int64_t>& ids) {
  std::vector<AppVersion> out;
  if (ids.empty()) return out;
  for (const auto& r :
       c.query(std::string("SELECT ") + kVersionColumns + " FROM app_versions WHERE " + among(c.dialect(), "id", "$1"),
               {id_array(c.dialect(), ids)})
           .rows)
    out.push_back(to_version(r));
  return out;
}

ViewerMarks marks_among(Conn& c, int64_t user_id, const std::vector<int64_t>& app_ids) {
  ViewerMarks out;
  if (app_ids.empty()) return out;
  const std::string app_in_list = among(c.dialect(), "app_id", "$2");
  for (const auto& r :
       c.query("SELECT app_id, 0 FROM app_favorites WHERE user_id = $1 AND " + app_in_list +
                   " UNION ALL SELECT app_id, stars FROM app_ratings WHERE user_id = $1 AND " + app_in_list,
               {user_id, id_array(c.dialect(), app_ids)})
           .rows) {
    if (r.i64(1) == 0)  // stars are 1 to 5: 0 marks a favorite
      out.favorites.push_back(r.i64(0));
    else
      out.ratings.emplace_back(r.i64(0), r.i64(1));
  }
  return out;
}

std::optional<App> find_by_id(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kAppColumns + " WHERE a.id = $1", {id});
  if (!row) return std::nullopt;
  return to_app(*row);
}

std::vector<App> by_owner(Conn& c, int64_t owner_id) {
  std::vector<App> out;
  for (const auto& r :
       c.query(std::string("SELECT ") + kAppColumns + " WHERE a.owner_id = $1 ORDER BY a.id DESC", {owner_id}).rows)
    out.push_back(to_app(r));
  return out;
}

void save(Conn& c, const App& a) {
  c.exec(
      "UPDATE apps SET status = $2, takedown_reason = $3, live_version_id = $4, draft_version_id = $5, "
      "updated_at = $6, published_at = $7 WHERE id = $1",
      {a.id, a.status, a.takedown_reason, nullable(a.live_version_id), nullable(a.draft_version_id), a.updated_at,
       nullable(a.published_at)});
}

std::optional<AppVersion> version(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kVersionColumns + " FROM app_versions WHERE id = $1", {id});
  if (!row) return std::nullopt;
  return to_version(*row);
}

int64_t add_version(Conn& c, int64_t app_id, const AppContent& content, int64_t now) {
  int64_t number =
      c.query_one("SELECT COALESCE(MAX(number), 0) + 1 FROM app_versions WHERE app_id = $1", {app_id})->i64(0);
  std::string json = content_json(content);
  int64_t id = c.query_one(
                    "INSERT INTO app_versions (app_id, number, content, review_status, created_at) "
                    "VALUES ($1, $2, $3, 'draft', $4) RETURNING id",
                    {app_id, number, json, now})
                   ->i64(0);
  uploads::mark_used(c, json);  // the avatar, or an image a text links to: kept for good
  c.exec("UPDATE apps SET draft_version_id = $2, updated_at = $3 WHERE id = $1", {app_id, id, now});
  return id;
}

void update_content(Conn& c, int64_t version_id, const AppContent& content) {
  std::string json = content_json(content);
  // The reviewer's reason stays until the next submission (mark_submitted clears it): it is what the
  // creator is fixing, and a first save must not erase it.
  c.exec(
      "UPDATE app_versions SET content = $2, review_status = 'draft', moderation_flags = '[]', "
      "submitted_at = NULL WHERE id = $1",
      {version_id, json});
  uploads::mark_used(c, json);
}

void lock_version(Conn& c, int64_t version_id) {
  c.exec("UPDATE app_versions SET review_status = review_status WHERE id = $1", {version_id});
}

void set_review(Conn& c, int64_t version_id, const std::string& status, const std::string& reason,
                const std::string& flags_json, std::optional<int64_t> reviewer, int64_t now) {
  c.exec(
      "UPDATE app_versions SET review_status = $2, review_reason = $3, moderation_flags = $4, reviewed_by = $5, "
      "reviewed_at = $6 WHERE id = $1",
      {version_id, status, reason, flags_json, nullable(reviewer), now});
}

void mark_submitted(Conn& c, int64_t version_id, const std::string& flags_json, int64_t now) {
  c.exec(
      "UPDATE app_versions SET review_status = 'pending', review_reason = '', moderation_flags = $2, "
      "submitted_at = $3 WHERE id = $1",
      {version_id, flags_json, now});
}

std::vector<AppVersion> pending(Conn& c, int64_t limit) {
  std::vector<AppVersion> out;
  for (const auto& r :
       c.query(std::string("SELECT ") + kVersionColumns +
                   " FROM app_versions WHERE review_status = 'pending' ORDER BY submitted_at, id LIMIT $1",
               {limit})
           .rows)
    out.push_back(to_version(r));
  return out;
}

void reindex(Conn& c, const App& app, const std::optional<AppContent>& live) {
  bool listed = app.status == "published" && live && live->visibility == "public";
  std::string text;
  if (live) {
    text = ascii_lower(live->title + "\n" + live->description);
    for (const auto& t : live->tags) text += "\n" + ascii_lower(t);
  }
  c.exec("UPDATE apps SET listed = $2, search_text = $3, category = $4 WHERE id = $1",
         {app.id, int64_t{listed}, listed ? text : std::string(), listed ? live->category : std::string()});
  c.exec("DELETE FROM app_tags WHERE app_id = $1", {app.id});
  if (listed)
    for (const auto& t : live->tags)
      c.exec("INSERT INTO app_tags (app_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING", {app.id, t});
  if (c.dialect() == Dialect::sqlite) {  // on PostgreSQL a trigger does this
    c.exec("DELETE FROM apps_search WHERE rowid = $1", {app.id});
    if (listed) c.exec("INSERT INTO apps_search (rowid, search_text) VALUES ($1, $2)", {app.id, text});
  }
}

namespace {

// Which rows of the search table (the listed apps' text) hold q, as a condition on a parameter.
struct TextMatch {
  std::string key;        // the search table's app id column
  std::string condition;  // with "@" where the parameter goes
  Value pattern;
};

TextMatch text_match(Dialect d, const std::string& q) {
  bool trigrams = utf8_length(q) >= 3;  // both indexes cut text into trigrams: shorter words are scanned for
  if (d == Dialect::sqlite) {
    if (!trigrams) return {"rowid", "search_text LIKE @ ESCAPE '\\'", contains_pattern(q)};
    std::string phrase = "\"";
    for (char ch : q) phrase += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return {"rowid", "apps_search MATCH @", phrase + "\""};
  }
  // pg_trgm answers LIKE from its index, and the plan (made for each search) scans instead for a
  // shorter word.
  return {"id", "search_text LIKE @ ESCAPE '\\'", contains_pattern(q)};
}

std::string with_parameter(const std::string& condition, const std::string& placeholder) {
  auto at = condition.find('@');
  return condition.substr(0, at) + placeholder + condition.substr(at + 1);
}

}  // namespace

Page search(Conn& c, const Filter& f) {
  const std::string q = ascii_lower(f.q);
  const int64_t offset = std::max<int64_t>(f.offset, 0), limit = std::clamp<int64_t>(f.limit, 0, 100);
  const bool filtered = !f.tag.empty() || !f.category.empty() || f.owner_id;
  const bool narrowed = !q.empty() || filtered;
  const TextMatch text = text_match(c.dialect(), q);
  bool common_word = false;
  if (!q.empty()) {
    if (f.many_matches && (*f.many_matches || !filtered)) {  // the word matches at least what the search did
      common_word = *f.many_matches;
    } else {
      // How common is it? The search table yields matches in id order and the count stops at the
      // cap, so finding out costs little. A rare word's matches are collected (below); a common
      // one's would be thousands to sort for one page, so its page walks the sort order instead.
      common_word = c.query_with_fresh_plan("SELECT COUNT(*) FROM (SELECT 1 FROM apps_search WHERE " +
                                                with_parameter(text.condition, "$1") + " LIMIT $2) probe",
                                            {text.pattern, kMaxTotal})
                        .rows.at(0)
                        .i64(0) >= kMaxTotal;
    }
  }
  // The matches, as a WITH and a WHERE: the word by its rows in the search table (a rare word) or by
  // LIKE on the apps (a common one, checked on each app the walk reads).
  struct Matches {
    std::string with, where = " WHERE a.listed = 1";
    std::vector<Value> params;
    std::string param(Value v) {
      params.push_back(std::move(v));
      return "$" + std::to_string(params.size());
    }
  };
  auto matches = [&](bool word_by_like) {
    Matches m;
    if (!q.empty() && word_by_like) {
      m.where += " AND a.search_text LIKE " + m.param(contains_pattern(q)) + " ESCAPE '\\'";
    } else if (!q.empty()) {
      m.with = "WITH hits(id) AS MATERIALIZED (SELECT " + text.key + " FROM apps_search WHERE " +
               with_parameter(text.condition, m.param(text.pattern)) + ") ";
      m.where += " AND a.id IN (SELECT id FROM hits)";
    }
    if (!f.tag.empty()) {
      std::string tagged = "a.id IN (SELECT app_id FROM app_tags WHERE tag = " + m.param(f.tag) + ")";
      // For a walk PostgreSQL should check each app it reads against the tag's apps (hashed once), but
      // it rewrites a plain IN into a join and, taking the tag and the category for independent,
      // expects few matches and joins them all. It leaves an IN under an OR alone.
      if (word_by_like && c.dialect() == Dialect::postgres) tagged = "(" + tagged + " OR false)";
      m.where += " AND " + tagged;
    }
    if (!f.category.empty()) m.where += " AND a.category = " + m.param(f.category);
    if (f.owner_id) m.where += " AND a.owner_id = " + m.param(*f.owner_id);
    return m;
  };

  // Each order matches an index (listed, key, id), read backwards.
  std::string key = "a.trending";
  if (f.sort == "most_used") key = "a.uses";
  if (f.sort == "newest") key = "a.published_at";
  if (f.sort == "top_rated") key = "a.rating_score";

  Page page;
  if (f.many_matches != true && ((!q.empty() && !common_word) || filtered)) {
    // Few matches, probably: collect them all (up to one past the cap) in any order and sort them
    // here, so one statement gives both the page and its count.
    Matches m = matches(common_word);
    auto rows = c.query_with_fresh_plan(m.with + "SELECT a.id, COALESCE(" + key + ", 0) FROM apps a" + m.where +
                                            " LIMIT " + std::to_string(kMaxTotal + 1),
                                        m.params)
                    .rows;
    if (static_cast<int64_t>(rows.size()) <= kMaxTotal) {
      std::vector<std::pair<int64_t, int64_t>> found;  // (key, id): the page's order is both descending
      found.reserve(rows.size());
      for (const auto& r : rows) found.emplace_back(r.i64(1), r.i64(0));
      std::sort(found.begin(), found.end(), std::greater<>());
      page.total = static_cast<int64_t>(found.size());
      page.many_matches = page.total >= kMaxTotal;
      for (auto i = offset; i < page.total && i < offset + limit; ++i)
        page.ids.push_back(found[static_cast<std::size_t>(i)].second);
      return page;
    }
  }
  // Many matches: the page walks the sort order's index (a word by LIKE: its matches are many). Counted
  // up to the cap: an exact count of a common word's matches costs more than the page. With nothing
  // to narrow the list, the count rides on the page's statement (an uncorrelated subquery runs once).
  Matches m = matches(true);
  const std::string counted = narrowed ? std::to_string(kMaxTotal)
                                       : "(SELECT COUNT(*) FROM (SELECT 1 FROM apps a" + m.where + " LIMIT " +
                                             std::to_string(kMaxTotal) + ") counted)";
  const auto count_params = m.params;
  const std::string walk = m.with + "SELECT a.id, " + counted + " FROM apps a" + m.where + " ORDER BY " + key +
                           " DESC, a.id DESC LIMIT " + m.param(limit) + " OFFSET " + m.param(offset);
  // Unnarrowed, the plan does not depend on the values: prepared once.
  for (const auto& r : (narrowed ? c.query_with_fresh_plan(walk, m.params) : c.query(walk, m.params)).rows) {
    page.ids.push_back(r.i64(0));
    page.total = r.i64(1);
  }
  if (narrowed) {
    page.total = kMaxTotal;
    page.many_matches = true;
  } else if (page.ids.empty() && offset > 0) {  // past the last page: the total still says how many
    page.total = c.query_one("SELECT " + counted, count_params)->i64(0);
  }
  return page;
}

std::vector<Count> categories(Conn& c) {
  std::vector<Count> out;
  for (const auto& r : c.query("SELECT category, COUNT(*) FROM apps WHERE listed = 1 AND category <> '' GROUP BY "
                               "category ORDER BY COUNT(*) DESC, category")
                           .rows)
    out.push_back({r.str(0), r.i64(1)});
  return out;
}

std::vector<Count> tags(Conn& c, int64_t limit) {
  std::vector<Count> out;
  for (const auto& r :
       c.query("SELECT tag, COUNT(*) FROM app_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag LIMIT $1", {limit}).rows)
    out.push_back({r.str(0), r.i64(1)});
  return out;
}

bool set_favorite(Conn& c, int64_t app_id, int64_t user_id, bool on, int64_t now) {
  int64_t changed =
      on ? c.exec("INSERT INTO app_favorites (app_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                  {app_id, user_id, now})
         : c.exec("DELETE FROM app_favorites WHERE app_id = $1 AND user_id = $2", {app_id, user_id});
  if (changed) c.exec("UPDATE apps SET favorites = favorites + $2 WHERE id = $1", {app_id, int64_t{on ? 1 : -1}});
  return changed > 0;
}

bool is_favorite(Conn& c, int64_t app_id, int64_t user_id) {
  return c.query_one("SELECT 1 FROM app_favorites WHERE app_id = $1 AND user_id = $2", {app_id, user_id}).has_value();
}

std::vector<int64_t> favorites_of(Conn& c, int64_t user_id) {
  std::vector<int64_t> out;
  for (const auto& r :
       c.query("SELECT app_id FROM app_favorites WHERE user_id = $1 ORDER BY created_at DESC", {user_id}).rows)
    out.push_back(r.i64(0));
  return out;
}

void rate(Conn& c, int64_t app_id, int64_t user_id, int64_t stars, int64_t now) {
  // The app's row is locked before the user's earlier rating is read: two ratings sent at once by one
  // user (PostgreSQL runs writers side by side) would each find none and both count.
  c.exec("UPDATE apps SET rating_count = rating_count WHERE id = $1", {app_id});
  auto before = rating_of(c, app_id, user_id);
  c.exec(
      "INSERT INTO app_ratings (app_id, user_id, stars, created_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (app_id, user_id) DO UPDATE SET stars = excluded.stars, created_at = excluded.created_at",
      {app_id, user_id, stars, now});
  c.exec("UPDATE apps SET rating_sum = rating_sum + $2, rating_count = rating_count + $3 WHERE id = $1",
         {app_id, stars - before.value_or(0), int64_t{before ? 0 : 1}});
  // The app's place in "top rated" moves now; the prior (the site's mean) is refreshed by the job.
  auto prior = c.query_one("SELECT value FROM settings WHERE key = 'apps.rating_prior'");
  int64_t prior_mean = prior ? std::stoll(prior->str(0)) : 3 * kScoreScale;
  c.exec(
      "UPDATE apps SET rating_score = (rating_sum * CAST($2 AS BIGINT) + CAST($3 AS BIGINT) * CAST($4 AS BIGINT)) / "
      "(rating_count + CAST($3 AS BIGINT)) WHERE id = $1",
      {app_id, kScoreScale, kPriorRatings, prior_mean});
}

std::optional<int64_t> rating_of(Conn& c, int64_t app_id, int64_t user_id) {
  auto row = c.query_one("SELECT stars FROM app_ratings WHERE app_id = $1 AND user_id = $2", {app_id, user_id});
  if (!row) return std::nullopt;
  return row->i64(0);
}

int64_t rebuild_rollup(Conn& c) {
  c.exec("DELETE FROM app_users");
  c.exec("DELETE FROM app_user_days");
  // The rule usage::insert and PostgreSQL's trigger apply to each call: successful app calls, and
  // those paid for (paid credits, a surcharge, a subscription).
  int64_t rows = c.exec(
      "INSERT INTO app_user_days (day, app_id, user_id, calls, paying_calls) "
      "SELECT day, app_id, user_id, COUNT(*), SUM(CASE WHEN paid_uc > 0 OR surcharge_paid_uc > 0 OR "
      "subscription_id IS NOT NULL THEN 1 ELSE 0 END) FROM usage_events WHERE app_id IS NOT NULL AND status = 'ok' "
      "GROUP BY day, app_id, user_id");
  c.exec(
      "INSERT INTO app_users (app_id, user_id, calls) SELECT app_id, user_id, SUM(calls) FROM app_user_days "
      "GROUP BY app_id, user_id");
  return rows;
}

bool has_used(Conn& c, int64_t app_id, int64_t user_id) {
  return c
      .query_one("SELECT 1 FROM app_users WHERE app_id = $1 AND user_id = $2", {app_id, user_id})
      .has_value();
}

std::vector<Board> stored_leaderboard(Conn& c, const std::string& period) {
  std::vector<Board> out;
  for (const auto& r :
       c.query(
            "SELECT b.app_id, b.users, b.uses FROM app_leaderboards b JOIN apps a ON a.id = b.app_id AND a.listed = 1 "
            "WHERE b.period = $1 ORDER BY b.rank",
            {period})
           .rows)
    out.push_back({r.i64(0), r.i64(1), r.i64(2)});
  return out;
}

void store_leaderboard(Conn& c, const std::string& period, const std::vector<Board>& rows) {
  c.exec("DELETE FROM app_leaderboards WHERE period = $1", {period});
  int64_t rank = 0;
  for (const auto& b : rows)
    c.exec("INSERT INTO app_leaderboards (period, rank, app_id, users, uses) VALUES ($1, $2, $3, $4, $5)",
           {period, ++rank, b.app_id, b.users, b.uses});
}

std::vector<Board> leaderboard(Conn& c, const std::string& from_day, int64_t limit) {
  std::vector<Board> out;
  // Of all time from the pairs of app and user, of a period from their days. CASTs: PostgreSQL's
  // SUM of BIGINTs is a NUMERIC.
  const char* order = " ORDER BY users DESC, uses DESC, 1";
  auto rows = from_day <= kAllTime
                  ? c.query(std::string("SELECT u.app_id, COUNT(*) AS users, CAST(SUM(u.calls) AS BIGINT) AS uses "
                                        "FROM app_users u JOIN apps a ON a.id = u.app_id AND a.listed = 1 "
                                        "GROUP BY u.app_id") +
                                order + " LIMIT $1",
                            {limit})
                  : c.query(std::string("SELECT d.app_id, COUNT(DISTINCT d.user_id) AS users, CAST(SUM(d.calls) AS "
                                        "BIGINT) AS uses FROM app_user_days d JOIN apps a ON a.id = d.app_id AND "
                                        "a.listed = 1 WHERE d.day >= $1 GROUP BY d.app_id") +
                                order + " LIMIT $2",
                            {from_day, limit});
  for (const auto& r : rows.rows) out.push_back({r.i64(0), r.i64(1), r.i64(2)});
  return out;
}

int64_t distinct_users(Conn& c, int64_t app_id, int64_t counted_by_stats, int64_t exact_up_to) {
  int64_t n = c.query_one("SELECT COUNT(*) FROM (SELECT 1 FROM app_users WHERE app_id = $1 LIMIT $2) AS some_users",
                          {app_id, exact_up_to + 1})
                  ->i64(0);
  return n <= exact_up_to ? n : std::max(n, counted_by_stats);
}

UsageStats read_usage_stats(Conn& c, const std::vector<std::string>& last_days) {
  UsageStats out;
  if (!last_days.empty()) {
    std::map<std::string, double> weight;
    double w = 1000.0;
    for (const auto& d : last_days) {  // newest first
      weight[d] = w;
      w /= 2;
    }
    std::map<int64_t, double> score;
    for (const auto& r : c.query("SELECT app_id, day, COUNT(*) FROM app_user_days WHERE day >= $1 GROUP BY app_id, day",
                                 {last_days.back()})
                             .rows)
      score[r.i64(0)] += weight[r.str(1)] * static_cast<double>(r.i64(2));
    for (const auto& [id, s] : score) out.trending[id] = std::llround(s);
  }
  for (const auto& r : c.query("SELECT app_id, CAST(SUM(calls) AS BIGINT), COUNT(*) FROM app_users GROUP BY app_id")
                           .rows)
    out.uses_users[r.i64(0)] = {r.i64(1), r.i64(2)};
  return out;
}

void write_usage_stats(Conn& c, const UsageStats& stats) {
  // Every app with numbers now or before, with what it should show (none left: zero).
  struct Counters {
    int64_t trending = 0, uses = 0, users = 0;
  };
  std::map<int64_t, Counters> apps;
  for (const auto& r : c.query("SELECT id FROM apps WHERE trending <> 0 OR uses <> 0 OR users <> 0").rows)
    apps[r.i64(0)];
  for (const auto& [id, score] : stats.trending) apps[id].trending = score;
  for (const auto& [id, counts] : stats.uses_users) std::tie(apps[id].uses, apps[id].users) = counts;
  // Only the rows whose numbers changed are written: on PostgreSQL each write is a new row version
  // and index entries, so rewriting every app each time bloated the table the square reads. One
  // statement there (a statement per app would be a round trip each); one per app on SQLite.
  if (c.dialect() == Dialect::postgres && !apps.empty()) {
    std::vector<int64_t> ids, trending, uses, users;
    for (const auto& [id, n] : apps) {
      ids.push_back(id);
      trending.push_back(n.trending);
      uses.push_back(n.uses);
      users.push_back(n.users);
    }
    c.exec(
        "UPDATE apps t SET trending = d.trending, uses = d.uses, users = d.users FROM unnest(CAST($1 AS BIGINT[]), "
        "CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]), CAST($4 AS BIGINT[])) AS d(id, trending, uses, users) "
        "WHERE t.id = d.id AND (t.trending <> d.trending OR t.uses <> d.uses OR t.users <> d.users)",
        {id_array(c.dialect(), ids), id_array(c.dialect(), trending), id_array(c.dialect(), uses),
         id_array(c.dialect(), users)});
  } else if (c.dialect() == Dialect::sqlite) {
    for (const auto& [id, n] : apps)
      c.exec(
          "UPDATE apps SET trending = $2, uses = $3, users = $4 WHERE id = $1 AND (trending <> $2 OR uses <> $3 OR "
          "users <> $4)",
          {id, n.trending, n.uses, n.users});
  }
  // Bayesian average for "top rated": every app starts with kPriorRatings ratings at the site's
  // mean, so one 5-star rating does not outrank a hundred 4.8s. Integers, scaled by kScoreScale.
  auto m = c.query_one("SELECT SUM(rating_sum), SUM(rating_count) FROM apps WHERE listed = 1");
  int64_t prior_mean = 3 * kScoreScale;
  if (m && !m->is_null(1) && m->i64(1) > 0) prior_mean = m->i64(0) * kScoreScale / m->i64(1);
  c.exec(
      "INSERT INTO settings (key, value, updated_at) VALUES ('apps.rating_prior', $1, 0) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      {std::to_string(prior_mean)});
  // CASTs: PostgreSQL cannot type "$2 * $3" from two untyped parameters.
  c.exec(
      "UPDATE apps SET rating_score = (rating_sum * CAST($1 AS BIGINT) + CAST($2 AS BIGINT) * CAST($3 AS BIGINT)) / "
      "(rating_count + CAST($2 AS BIGINT)) WHERE rating_score <> (rating_sum * CAST($1 AS BIGINT) + CAST($2 AS "
      "BIGINT) * CAST($3 AS BIGINT)) / (rating_count + CAST($2 AS BIGINT))",
      {kScoreScale, kPriorRatings, prior_mean});
}

std::vector<std::string> words(Conn& c) {
  std::vector<std::string> out;
  for (const auto& r : c.query("SELECT word FROM moderation_words ORDER BY word").rows) out.push_back(r.str(0));
  return out;
}

void replace_words(Conn& c, const std::vector<std::string>& list) {
  c.exec("DELETE FROM moderation_words");
  for (const auto& w : list) c.exec("INSERT INTO moderation_words (word) VALUES ($1) ON CONFLICT DO NOTHING", {w});
}

}  // namespace plaza::store::apps
