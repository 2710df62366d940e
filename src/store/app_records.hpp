#pragma once
// Rows for the app square: an app, its versions' content, and what the square shows.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plaza::store {

struct PrefixMessage {
  std::string role;  // user | assistant
  std::string content;
};

// What a creator edits and the operator reviews. The preset (system prompt, prefix messages,
// suffix) is the part a hidden app never shows to anyone but its owner and admins.
struct AppContent {
  std::string title;
  std::string avatar;  // an emoji, or /uploads/<file>
  std::vector<std::string> tags;
  std::string category;
  std::string description;
  std::string instructions;  // markdown shown when a chat opens
  std::string opening_message;
  std::vector<std::string> suggested_questions;
  std::string default_model;
  std::vector<std::string> allowed_models;  // empty: only the default model
  std::string parameters = "{}";          // a JSON object of sampling parameters
  std::string visibility = "private";     // private | unlisted | public
  bool hide_preset = true;
  int64_t min_plan_level = 0;
  // Pricing (creator revenue): a surcharge per message (price, µc) or per token (surcharge_ppm of the
  // model cost), or a one-time unlock (price); paying_only keeps the app for paying users.
  std::string price_mode = "free";  // free | per_message | per_token | one_time
  int64_t price = 0;
  int64_t surcharge_ppm = 0;
  bool paying_only = false;
  std::string system_prompt;
  std::vector<PrefixMessage> prefix_messages;
  std::string suffix;
};

struct AppVersion {
  int64_t id = 0;
  int64_t app_id = 0;
  int64_t number = 0;
  AppContent content;
  std::string review_status = "draft";  // draft | pending | approved | rejected
  std::string review_reason;
  std::string moderation_flags = "[]";  // JSON: [{field, word}]
  std::optional<int64_t> submitted_at;
  std::optional<int64_t> reviewed_at;
  std::optional<int64_t> reviewed_by;
  int64_t created_at = 0;
};

struct App {
  int64_t id = 0;
  std::string slug;
  int64_t owner_id = 0;
  std::string owner_username;
  std::string kind = "user";     // user | system
  std::string status = "draft";  // draft | published | unpublished | taken_down
  std::string takedown_reason;
  std::optional<int64_t> live_version_id;
  std::optional<int64_t> draft_version_id;
  int64_t uses = 0;
  int64_t favorites = 0;
  int64_t rating_sum = 0;
  int64_t rating_count = 0;
  int64_t trending = 0;
  int64_t users = 0;  // distinct users, kept with `uses` by the stats job
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> published_at;
};

}  // namespace plaza::store
