#pragma once
// The app square's use cases: creating and editing apps (a published app keeps its live version
// while an edit is reviewed), submitting them through moderation to review, publishing,
// unpublishing and takedowns, who may see what (a hidden preset only to its owner and admins),
// discovery, favorites, ratings, and what a chat with an app is built from.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/secretbox.hpp"
#include "http/upstream_client.hpp"
#include "services/moderation_providers.hpp"
#include "store/app_records.hpp"
#include "store/apps_repo.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::services {

class SearchVerdicts;
class SquareFiltersCache;
struct SquareFilters;

using boost::asio::awaitable;

struct AppView {
  store::App app;
  std::optional<store::AppContent> live;   // the published version
  std::optional<store::AppVersion> draft;  // owner and admins only
  bool can_see_preset = false;             // of what is shown
  bool favorited = false;
  std::optional<int64_t> my_rating;
  int64_t users = 0;
  bool unlocked = false;  // a one-time app the viewer unlocked (always for its owner)
  std::string blocked;    // what stops the viewer from chatting: "", "unlock", "paying" or "plan_level"
  const store::AppContent* shown() const { return live ? &*live : draft ? &draft->content : nullptr; }
};

struct AppSettings {
  bool auto_approve = false;
  int64_t leak_word_run = 12;
  double leak_ngram_share = 0.5;
};

// What a chat with an app is made of.
struct AppChat {
  store::App app;
  store::AppContent content;  // the live version; the owner chats with the draft (preview)
  AppSettings settings;       // the leak guard's thresholds
  bool preview = false;       // content is an unreviewed draft: its price is not charged
};

struct ReviewItem {
  AppView view;
  store::AppVersion draft;
  std::optional<store::AppContent> live;
};

class Apps {
 public:
  Apps(store::Database& db, const Clock& clock, http::UpstreamClient& upstream, const crypto::SecretBox& box);
  ~Apps();

  awaitable<AppView> create(store::User me, std::string slug, store::AppContent content);
  // `patch` is applied by the handler onto the current draft (or the live version) first.
  awaitable<AppView> update(store::User me, std::string slug, store::AppContent content);
  awaitable<AppView> submit(store::User me, std::string slug);
  awaitable<AppView> unpublish(store::User me, std::string slug);
  awaitable<AppView> republish(store::User me, std::string slug);
  // The content an edit starts from: the draft, else the live version (owner only).
  awaitable<store::AppContent> editable(store::User me, std::string slug);

  awaitable<AppView> get(std::optional<store::User> viewer, std::string slug);
  awaitable<std::pair<std::vector<AppView>, int64_t>> search(std::optional<store::User> viewer,
                                                             store::apps::Filter filter);
  // The most used listed apps of a period (day, week, month, all): the stats job's copy, or computed
  // now while the job has not written one (the aggregation reads every usage event of the period).
  awaitable<std::vector<store::apps::Board>> leaderboard(std::string period);
  // The square's categories and its 50 most used tags, with counts (kept for a minute: see
  // services/square_filters.hpp).
  awaitable<SquareFilters> filters();
  awaitable<std::vector<AppView>> studio(store::User me);
  awaitable<std::vector<AppView>> favorites(store::User me);
  awaitable<AppView> favorite(store::User me, std::string slug, bool on);
  awaitable<AppView> rate(store::User me, std::string slug, int64_t stars);

  awaitable<std::vector<ReviewItem>> review_queue(store::User admin);
  // `revision` (from the queue: review_revision) makes sure the decision is about what the reviewer
  // saw: when the creator has changed the submission since, the answer is conflict and nothing changes.
  awaitable<AppView> approve(store::User admin, std::string slug, std::optional<std::string> revision);
  awaitable<AppView> reject(store::User admin, std::string slug, std::string reason,
                            std::optional<std::string> revision);
  awaitable<AppView> takedown(store::User admin, std::string slug, std::string reason);

  awaitable<std::vector<std::string>> words();
  awaitable<void> set_words(store::User admin, std::vector<std::string> words);
  awaitable<AppSettings> settings();
  awaitable<ProviderConfig> provider();
  // Keys left empty keep the stored ones.
  awaitable<void> set_provider(store::User admin, ProviderConfig config);
  awaitable<void> set_settings(store::User admin, AppSettings s);

  // Buys a one-time app for `me` (charged once; false when unlocked before). Error(conflict) when
  // the app has no unlock price.
  awaitable<bool> unlock(store::User me, std::string slug, int64_t creator_share_ppm,
                         std::vector<std::string> credit_order);
  // The app a user may chat with now, or an error (not_found / forbidden) saying why not.
  awaitable<AppChat> for_chat(store::User me, std::string slug);
  awaitable<AppChat> for_chat_by_id(store::User me, int64_t app_id);
  // `app/<slug>` names for /v1/models: the user's own apps and their favorites that they may use.
  awaitable<std::vector<std::string>> model_names(store::User me);

  // A fresh site's square is not empty: a few system apps (owned by the built-in user "plaza", who
  // cannot sign in), created once. Blocking: at start-up.
  static void seed_system_apps(store::Conn& c, int64_t now);
  // Recomputes uses, trending and the leaderboards (a periodic job). The usage events are read on a
  // reader, outside any write transaction (on SQLite a transaction holds the one write lock: on a
  // busy site's millions of events the reads took seconds, and every other write waited); then
  // what changed is written in a short one.
  awaitable<void> refresh_stats(int64_t now);
  // The same in the caller's transaction. Blocking: at start-up.
  static void refresh_stats(store::Conn& c, int64_t now);

  static AppView view_of(store::Conn& c, const store::App& app, const std::optional<store::User>& viewer, int64_t now);
  // The views of a page of apps, in the order of `ids` (missing ones skipped), with a few queries
  // for the whole page instead of several per app.
  static std::vector<AppView> views_of(store::Conn& c, const std::vector<int64_t>& ids,
                                       const std::optional<store::User>& viewer, int64_t now);

 private:
  store::Database& db_;
  const Clock& clock_;
  http::UpstreamClient& upstream_;
  const crypto::SecretBox& box_;
  std::unique_ptr<SearchVerdicts> verdicts_;  // what searches found out about their match counts
  std::unique_ptr<SquareFiltersCache> filters_;
};

// The first day of a leaderboard period, in the operator's timezone; throws on an unknown period.
std::string period_start(const std::string& period, int64_t now);

// Validation of an app's content and slug (before anything is stored).
void check_slug(const std::string& slug);
void check_content(const store::AppContent& c);
// The request fields an app's parameters may set: sampling, length and reasoning. Not `n` (it multiplies what
// users pay), nor tools or log-probabilities (they carry text past the leak guard).
bool app_parameter(std::string_view field);
// What a reviewer decides on: the submitted version, its content and when it was submitted.
std::string review_revision(const store::AppVersion& version);
void check_pricing(const store::AppContent& c);

}  // namespace plaza::services
