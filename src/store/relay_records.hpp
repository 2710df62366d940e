#pragma once
// Rows for the relay: channels and their keys, the model catalogue, usage events, conversations.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plaza::store {

struct ChannelModel {
  std::string model;     // the public id users ask for
  std::string upstream;  // the name the upstream knows it by
};

struct ChannelKey {
  int64_t id = 0;
  std::string sealed;  // secretbox-sealed secret; never leaves the server
  std::string hint;    // last 4 characters, for admins telling keys apart
  bool enabled = true;
  std::string disabled_reason;
};

struct Channel {
  int64_t id = 0;
  std::string type;  // openai | anthropic
  std::string name;
  std::string base_url;
  std::vector<ChannelModel> models;
  std::vector<std::string> groups;  // empty: every group
  int64_t priority = 0;
  int64_t weight = 1;
  bool enabled = true;
  bool auto_disabled = false;  // by the relay after an auth or quota answer; the probe re-enables it
  std::string disabled_reason;
  int64_t connect_timeout_ms = 10'000;
  int64_t first_byte_timeout_ms = 60'000;
  int64_t idle_timeout_ms = 60'000;
  std::string proxy;
  int64_t default_max_tokens = 0;  // anthropic: max_tokens of a request that sets none (0: Plaza's 4,096)
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::vector<ChannelKey> keys;

  const ChannelModel* find_model(const std::string& public_id) const {
    for (const auto& m : models)
      if (m.model == public_id) return &m;
    return nullptr;
  }
  bool allows_group(const std::string& group) const {
    if (groups.empty()) return true;
    for (const auto& g : groups)
      if (g == group) return true;
    return false;
  }
};

struct Model {
  std::string id;
  std::string display_name;
  std::string description;
  std::string icon;
  std::vector<std::string> tags;
  int64_t context_length = 0;
  bool enabled = true;
  int64_t created_at = 0;
  int64_t image_tokens = 0;  // what one image counts in a prompt here; 0: the default (relay::kDefaultImageTokens)
  bool reads_images = true;  // false: a text-only model, sent no images
  int64_t position = 0;      // in the chat's picker: smallest first, then by id
};

struct UsageEvent {
  std::string request_id;
  int64_t created_at = 0;
  std::string day;  // operator-timezone date, YYYY-MM-DD
  int64_t user_id = 0;
  std::optional<int64_t> api_key_id;
  std::string surface;  // web | api
  std::string model;
  std::optional<int64_t> channel_id;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  bool tokens_reported = false;  // by the upstream; otherwise counted with the tokenizer
  std::string status;            // ok | error | cancelled
  std::string error_code;
  std::string error_detail;  // for the operator: what the upstream said (no key, no URL), at most 500 bytes
  int64_t attempts = 1;
  int64_t latency_ms = 0;
  std::optional<int64_t> ttft_ms;
  // Money (µc), written by billing's settlement in the same transaction as the postings.
  bool priced = false;     // the list cost before funding was above zero
  int64_t cost = 0;        // list cost: price x tokens (or per call) x group multiplier
  int64_t allowance_uc = 0;  // the part covered by the subscription allowance
  int64_t count_pack_uc = 0;
  int64_t paid_uc = 0;
  int64_t gift_uc = 0;
  int64_t surcharge = 0;  // the app's surcharge that was charged: its paid and gift parts below
  int64_t surcharge_paid_uc = 0;
  int64_t surcharge_gift_uc = 0;
  int64_t creator_uc = 0;  // the creator's direct share of the paid part, credited as pending earnings
  std::optional<int64_t> subscription_id;
  int64_t plan_daily_value = 0;
  std::optional<int64_t> user_pack_id;
  std::optional<int64_t> app_id;  // a chat with an app: the app, its owner and kind (system | user)
  std::optional<int64_t> app_owner_id;
  std::string app_kind;
  int64_t id = 0;  // read back only
};

struct Conversation {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string title;
  std::string model;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> app_id;  // a chat with an app
};

// Where a page of a user's conversations (most recently used first) starts: after the conversation
// last shown, by its updated_at and id.
struct ConversationCursor {
  int64_t updated_at = 0;
  int64_t id = 0;
};

struct Message {
  int64_t id = 0;
  int64_t conversation_id = 0;
  std::string role;  // user | assistant
  std::string content;
  std::string model;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  std::string status;  // ok | error | cancelled
  std::string request_id;
  int64_t created_at = 0;
  int64_t left_out = 0;  // an answer: the earlier messages its question went without (no room in the context)
  std::vector<std::string> images;  // a user's message: the names of the images sent with it (upload_files)
  int64_t images_left_out = 0;      // an answer: earlier images its question went without (the size limit)
};

}  // namespace plaza::store
