#pragma once
// Apps, their versions, the search index, favorites, ratings and the moderation word list.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/app_records.hpp"
#include "store/database.hpp"

namespace plaza::store::apps {

std::string content_json(const AppContent& c);
AppContent parse_content(const std::string& json);

// Creates the app with version 1 as its draft. Throws UniqueViolation when the slug is taken.
App create(Conn& c, const std::string& slug, int64_t owner_id, const std::string& kind, const AppContent& content,
           int64_t now);
std::optional<App> find(Conn& c, const std::string& slug);
std::optional<App> find_by_id(Conn& c, int64_t id);
// A page's worth at once (a statement each, not one per app): apps by id with their live version's
// content, versions by id, and which of the apps the user favorited and how they rated them.
std::vector<std::pair<App, std::optional<AppContent>>> find_with_live(Conn& c, const std::vector<int64_t>& ids);
std::vector<AppVersion> versions(Conn& c, const std::vector<int64_t>& ids);
struct ViewerMarks {
  std::vector<int64_t> favorites;
  std::vector<std::pair<int64_t, int64_t>> ratings;  // (app, stars)
};
ViewerMarks marks_among(Conn& c, int64_t user_id, const std::vector<int64_t>& app_ids);
std::vector<App> by_owner(Conn& c, int64_t owner_id);
// Writes the app's mutable columns (status, versions, reason, timestamps).
void save(Conn& c, const App& app);

std::optional<AppVersion> version(Conn& c, int64_t id);
// A new version numbered after the last, as the app's draft.
int64_t add_version(Conn& c, int64_t app_id, const AppContent& content, int64_t now);
// An edit of the draft: a draft again (out of the queue), keeping a rejection's reason until it is submitted.
void update_content(Conn& c, int64_t version_id, const AppContent& content);
// Holds a version against concurrent edits until the transaction ends (PostgreSQL writes run side by
// side: a review must decide on the content it read).
void lock_version(Conn& c, int64_t version_id);
void set_review(Conn& c, int64_t version_id, const std::string& status, const std::string& reason,
                const std::string& flags_json, std::optional<int64_t> reviewer, int64_t now);
void mark_submitted(Conn& c, int64_t version_id, const std::string& flags_json, int64_t now);
// Drafts waiting for review, oldest first.
std::vector<AppVersion> pending(Conn& c, int64_t limit);

// What the square and search see of an app: listed only while published and public.
void reindex(Conn& c, const App& app, const std::optional<AppContent>& live);

struct Filter {
  std::string q;
  std::string tag;
  std::string category;
  std::optional<int64_t> owner_id;
  std::string sort = "trending";  // trending | most_used | newest | top_rated
  int64_t offset = 0;
  int64_t limit = 24;
  // Whether the same search (q and filters) had at least the capped count of matches, when an
  // earlier one found out: saves finding out again. Either answer gives the same pages; "yes" makes
  // the total the cap.
  std::optional<bool> many_matches;
};
struct Page {
  std::vector<int64_t> ids;
  int64_t total = 0;
  std::optional<bool> many_matches;  // for a search with q or a filter: whether it had the capped count
};
Page search(Conn& c, const Filter& f);
struct Count {
  std::string name;
  int64_t count = 0;
};
std::vector<Count> categories(Conn& c);
std::vector<Count> tags(Conn& c, int64_t limit);

// Rebuilds the apps' roll-up of calls (app_user_days, app_users) from the usage events: the repair
// for calls written without it (an older SQLite server that wrote on after a newer binary migrated
// its file). For SQLite, whose one writer it excludes while it runs: PostgreSQL keeps its trigger,
// and `plaza admin rebuild-rollup` refuses it there. Returns the (day, app, user) rows written.
int64_t rebuild_rollup(Conn& c);

bool set_favorite(Conn& c, int64_t app_id, int64_t user_id, bool on, int64_t now);  // true when it changed
bool is_favorite(Conn& c, int64_t app_id, int64_t user_id);
std::vector<int64_t> favorites_of(Conn& c, int64_t user_id);
void rate(Conn& c, int64_t app_id, int64_t user_id, int64_t stars, int64_t now);
std::optional<int64_t> rating_of(Conn& c, int64_t app_id, int64_t user_id);
bool has_used(Conn& c, int64_t app_id, int64_t user_id);
// The apps' successful calls are rolled up per app, user and day as they are written (migration 8):
// the numbers below read those, not the usage events.
// Distinct users and calls per listed app since `from_day` (all time from kAllTime), most users first.
inline constexpr std::string_view kAllTime = "0000-00-00";
struct Board {
  int64_t app_id = 0;
  int64_t users = 0;
  int64_t uses = 0;
};
std::vector<Board> leaderboard(Conn& c, const std::string& from_day, int64_t limit);
// The stats job's copies, per period (day, week, month, all).
std::vector<Board> stored_leaderboard(Conn& c, const std::string& period);
void store_leaderboard(Conn& c, const std::string& period, const std::vector<Board>& rows);
// An app's users for its page: counted now up to `exact_up_to`; beyond, `counted_by_stats` (the
// stats job's count, minutes old) when higher, so a popular app's every view reads a bounded number of
// rows instead of all of its users.
int64_t distinct_users(Conn& c, int64_t app_id, int64_t counted_by_stats = 0, int64_t exact_up_to = 10'000);
// What the stats job reads. Reading is the heavy part (a row per app and user for the all-time
// numbers): it runs on a reader, outside the short transaction that writes the result.
struct UsageStats {
  std::map<int64_t, int64_t> trending;                        // app → score, for apps used lately
  std::map<int64_t, std::pair<int64_t, int64_t>> uses_users;  // app → all-time uses and distinct users
};
// Trending scores from the last days' unique users (newest first, each older day weighing half).
UsageStats read_usage_stats(Conn& c, const std::vector<std::string>& last_days);
// Writes what changed (apps no longer in the stats go back to zero) and the "top rated" scores.
void write_usage_stats(Conn& c, const UsageStats& stats);

std::vector<std::string> words(Conn& c);
void replace_words(Conn& c, const std::vector<std::string>& words);

}  // namespace plaza::store::apps
