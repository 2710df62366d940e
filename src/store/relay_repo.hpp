#pragma once
// Channels, models, usage events, conversations and messages.
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/relay_records.hpp"

namespace plaza::store {

namespace channels {
std::vector<Channel> list(Conn& c);  // with keys
std::optional<Channel> find(Conn& c, int64_t id);
// Another channel than `except_id` has this name (the list, the request log's filter and the
// model catalogue tell channels apart by name).
bool name_taken(Conn& c, const std::string& name, int64_t except_id);
int64_t create(Conn& c, const Channel& ch, int64_t now);  // keys too
void update(Conn& c, const Channel& ch, int64_t now);     // fields, not keys
void remove(Conn& c, int64_t id);
void add_key(Conn& c, int64_t channel_id, const std::string& sealed, const std::string& hint, int64_t now);
void remove_keys(Conn& c, int64_t channel_id);
void set_key_enabled(Conn& c, int64_t key_id, bool enabled, const std::string& reason);
void set_auto_disabled(Conn& c, int64_t id, bool disabled, const std::string& reason, int64_t now);
// Disables the key and, when it was the channel's last enabled key, the channel (auto_disabled).
// The channel's row is locked first, so two keys failing at once cannot each count the other as
// still enabled.
struct KeyDisabled {
  bool key_was_on = false;        // this call switched the key off (not another request before it)
  bool channel_disabled = false;  // the channel went too
};
KeyDisabled disable_key(Conn& c, int64_t channel_id, int64_t key_id, const std::string& reason, int64_t now);
}  // namespace channels

namespace models {
std::vector<Model> list(Conn& c);
std::optional<Model> find(Conn& c, const std::string& id);
void upsert(Conn& c, const Model& m, int64_t now);
bool remove(Conn& c, const std::string& id);
}  // namespace models

namespace usage {
extern const char* const kEventColumns;
UsageEvent to_event(const Row& r);  // a row of kEventColumns
// Idempotent on request_id: a retried settlement writes nothing twice. An app's successful call is
// also counted in the square's roll-up (app_user_days, app_users): by a trigger on PostgreSQL, here
// on SQLite; so on SQLite a usage event written by other means is not counted.
bool insert(Conn& c, const UsageEvent& e);  // false: the request id has an event already
std::optional<UsageEvent> find(Conn& c, const std::string& request_id);
bool recorded(Conn& c, const std::string& request_id);  // an event has this request id
std::vector<UsageEvent> list_for_user(Conn& c, int64_t user_id, int64_t limit);
}  // namespace usage

namespace conversations {
// Up to `limit` of a user's conversations, most recently used first, after `after` when given, and
// with `title_part` in their title when it is not empty (in any case, as the database lowers letters).
std::vector<Conversation> list(Conn& c, int64_t user_id, int64_t limit,
                               const std::optional<ConversationCursor>& after = std::nullopt,
                               std::string_view title_part = "");
std::optional<Conversation> find(Conn& c, int64_t user_id, int64_t id);
int64_t count(Conn& c, int64_t user_id);
Conversation create(Conn& c, int64_t user_id, const std::string& title, const std::string& model, int64_t now,
                    std::optional<int64_t> app_id = std::nullopt);
bool rename(Conn& c, int64_t user_id, int64_t id, const std::string& title, int64_t now);
void touch(Conn& c, int64_t id, const std::string& model, int64_t now);
bool remove(Conn& c, int64_t user_id, int64_t id);
int64_t remove_all(Conn& c, int64_t user_id);
std::vector<Message> messages(Conn& c, int64_t conversation_id);
Message add_message(Conn& c, const Message& m);
// Deletes the message and everything after it.
int64_t truncate_from(Conn& c, int64_t conversation_id, int64_t message_id);
// Deletes the messages with ids in [from_id, before_id) (what an edit or a regeneration replaces).
int64_t remove_range(Conn& c, int64_t conversation_id, int64_t from_id, int64_t before_id);
// The lease of the request answering a conversation (one answer at a time, whichever instance):
// taken when no other request holds it or its holder let it run out (`until` <= now), extended
// while the answer goes on, given back at its end. Each is false when the lease is not `token`'s.
bool claim_answer(Conn& c, int64_t conversation_id, const std::string& token, int64_t until, int64_t now);
bool renew_answer(Conn& c, int64_t conversation_id, const std::string& token, int64_t until);
bool release_answer(Conn& c, int64_t conversation_id, const std::string& token);
}  // namespace conversations

}  // namespace plaza::store
