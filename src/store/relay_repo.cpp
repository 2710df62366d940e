#include "store/relay_repo.hpp"

#include <boost/json.hpp>
#include <limits>

#include "store/json_columns.hpp"
#include "store/uploads_repo.hpp"

namespace plaza::store {

namespace bj = boost::json;

namespace {

std::string models_json(const std::vector<ChannelModel>& v) {
  bj::array a;
  for (const auto& m : v) a.push_back(bj::object{{"model", m.model}, {"upstream", m.upstream}});
  return bj::serialize(a);
}

std::vector<ChannelModel> parse_models(const std::string& text) {
  std::vector<ChannelModel> out;
  boost::system::error_code ec;
  auto v = bj::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& m : v.as_array()) {
    if (!m.is_object()) continue;
    const auto& o = m.as_object();
    auto model = o.if_contains("model");
    auto upstream = o.if_contains("upstream");
    if (model && model->is_string())
      out.push_back({std::string(model->as_string()),
                     upstream && upstream->is_string() ? std::string(upstream->as_string()) : ""});
  }
  return out;
}

constexpr const char* kChannelColumns =
    "id, type, name, base_url, models, user_groups, priority, weight, enabled, auto_disabled, disabled_reason, "
    "connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, proxy, created_at, updated_at, default_max_tokens";

Channel to_channel(const Row& r) {
  Channel ch;
  ch.id = r.i64(0);
  ch.type = r.str(1);
  ch.name = r.str(2);
  ch.base_url = r.str(3);
  ch.models = parse_models(r.str(4));
  ch.groups = from_json_array(r.str(5));
  ch.priority = r.i64(6);
  ch.weight = r.i64(7);
  ch.enabled = r.boolean(8);
  ch.auto_disabled = r.boolean(9);
  ch.disabled_reason = r.str(10);
  ch.connect_timeout_ms = r.i64(11);
  ch.first_byte_timeout_ms = r.i64(12);
  ch.idle_timeout_ms = r.i64(13);
  ch.proxy = r.str(14);
  ch.created_at = r.i64(15);
  ch.updated_at = r.i64(16);
  ch.default_max_tokens = r.i64(17);
  return ch;
}

void load_keys(Conn& c, std::vector<Channel>& channels) {
  auto rows = c.query("SELECT id, channel_id, sealed, hint, enabled, disabled_reason FROM channel_keys ORDER BY id");
  for (const auto& r : rows.rows) {
    for (auto& ch : channels) {
      if (ch.id == r.i64(1)) ch.keys.push_back({r.i64(0), r.str(2), r.str(3), r.boolean(4), r.str(5)});
    }
  }
}

}  // namespace

namespace channels {

std::vector<Channel> list(Conn& c) {
  auto rows = c.query(std::string("SELECT ") + kChannelColumns + " FROM channels ORDER BY priority DESC, id");
  std::vector<Channel> out;
  for (const auto& r : rows.rows) out.push_back(to_channel(r));
  load_keys(c, out);
  return out;
}

std::optional<Channel> find(Conn& c, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kChannelColumns + " FROM channels WHERE id = $1", {id});
  if (!row) return std::nullopt;
  std::vector<Channel> one{to_channel(*row)};
  auto keys = c.query(
      "SELECT id, channel_id, sealed, hint, enabled, disabled_reason FROM channel_keys "
      "WHERE channel_id = $1 ORDER BY id",
      {id});
  for (const auto& r : keys.rows) one[0].keys.push_back({r.i64(0), r.str(2), r.str(3), r.boolean(4), r.str(5)});
  return one[0];
}

bool name_taken(Conn& c, const std::string& name, int64_t except_id) {
  return c.query_one("SELECT 1 FROM channels WHERE name = $1 AND id <> $2", {name, except_id}).has_value();
}

int64_t create(Conn& c, const Channel& ch, int64_t now) {
  auto row = c.query_one(
      "INSERT INTO channels (type, name, base_url, models, user_groups, priority, weight, enabled, "
      "connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, proxy, created_at, updated_at, default_max_tokens) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING id",
      {ch.type, ch.name, ch.base_url, models_json(ch.models), to_json_array(ch.groups), ch.priority, ch.weight,
       int64_t{ch.enabled}, ch.connect_timeout_ms, ch.first_byte_timeout_ms, ch.idle_timeout_ms, ch.proxy, now,
       ch.default_max_tokens});
  int64_t id = row->i64(0);
  for (const auto& k : ch.keys) add_key(c, id, k.sealed, k.hint, now);
  return id;
}

void update(Conn& c, const Channel& ch, int64_t now) {
  c.exec(
      "UPDATE channels SET type = $2, name = $3, base_url = $4, models = $5, user_groups = $6, priority = $7, "
      "weight = $8, enabled = $9, connect_timeout_ms = $10, first_byte_timeout_ms = $11, idle_timeout_ms = $12, "
      "proxy = $13, updated_at = $14, default_max_tokens = $15 WHERE id = $1",
      {ch.id, ch.type, ch.name, ch.base_url, models_json(ch.models), to_json_array(ch.groups), ch.priority, ch.weight,
       int64_t{ch.enabled}, ch.connect_timeout_ms, ch.first_byte_timeout_ms, ch.idle_timeout_ms, ch.proxy, now,
       ch.default_max_tokens});
}

void remove(Conn& c, int64_t id) {
  c.exec("DELETE FROM channels WHERE id = $1", {id});
}

void add_key(Conn& c, int64_t channel_id, const std::string& sealed, const std::string& hint, int64_t now) {
  c.exec("INSERT INTO channel_keys (channel_id, sealed, hint, created_at) VALUES ($1, $2, $3, $4)",
         {channel_id, sealed, hint, now});
}

void remove_keys(Conn& c, int64_t channel_id) {
  c.exec("DELETE FROM channel_keys WHERE channel_id = $1", {channel_id});
}

void set_key_enabled(Conn& c, int64_t key_id, bool enabled, const std::string& reason) {
  c.exec("UPDATE channel_keys SET enabled = $2, disabled_reason = $3 WHERE id = $1",
         {key_id, int64_t{enabled}, enabled ? std::string() : reason});
}

void set_auto_disabled(Conn& c, int64_t id, bool disabled, const std::string& reason, int64_t now) {
  c.exec("UPDATE channels SET auto_disabled = $2, disabled_reason = $3, updated_at = $4 WHERE id = $1",
         {id, int64_t{disabled}, disabled ? reason : std::string(), now});
}

KeyDisabled disable_key(Conn& c, int64_t channel_id, int64_t key_id, const std::string& reason, int64_t now) {
  c.exec("UPDATE channels SET updated_at = updated_at WHERE id = $1", {channel_id});  // the lock
  KeyDisabled out;
  out.key_was_on = c.exec("UPDATE channel_keys SET enabled = 0, disabled_reason = $2 WHERE id = $1 AND enabled = 1",
                          {key_id, reason}) > 0;
  auto left = c.query_one("SELECT COUNT(*) FROM channel_keys WHERE channel_id = $1 AND enabled = 1", {channel_id});
  if (left && left->i64(0) > 0) return out;
  set_auto_disabled(c, channel_id, true, reason, now);
  out.channel_disabled = true;
  return out;
}

}  // namespace channels

namespace models {

namespace {
constexpr const char* kColumns =
    "id, display_name, description, icon, tags, context_length, enabled, created_at, image_tokens, reads_images, "
    "position";
Model to_model(const Row& r) {
  return Model{r.str(0), r.str(1), r.str(2),     r.str(3), from_json_array(r.str(4)), r.i64(5), r.boolean(6),
               r.i64(7), r.i64(8), r.boolean(9), r.i64(10)};
}
}  // namespace

std::vector<Model> list(Conn& c) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM models ORDER BY position, id");
  std::vector<Model> out;
  for (const auto& r : rows.rows) out.push_back(to_model(r));
  return out;
}

std::optional<Model> find(Conn& c, const std::string& id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " FROM models WHERE id = $1", {id});
  if (!row) return std::nullopt;
  return to_model(*row);
}

void upsert(Conn& c, const Model& m, int64_t now) {
  c.exec(
      "INSERT INTO models (id, display_name, description, icon, tags, context_length, enabled, created_at, updated_at, "
      "image_tokens, reads_images, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11) ON CONFLICT "
      "(id) "
      "DO UPDATE SET "
      "display_name = "
      "excluded.display_name, "
      "description = excluded.description, icon = excluded.icon, tags = excluded.tags, "
      "context_length = excluded.context_length, enabled = excluded.enabled, updated_at = excluded.updated_at, "
      "image_tokens = excluded.image_tokens, reads_images = excluded.reads_images, position = excluded.position",
      {m.id, m.display_name, m.description, m.icon, to_json_array(m.tags), m.context_length, int64_t{m.enabled}, now,
       m.image_tokens, int64_t{m.reads_images}, m.position});
  uploads::mark_used(c, m.icon);
}

bool remove(Conn& c, const std::string& id) {
  return c.exec("DELETE FROM models WHERE id = $1", {id}) > 0;
}

}  // namespace models

namespace usage {

const char* const kEventColumns =
    "request_id, created_at, day, user_id, api_key_id, surface, model, channel_id, prompt_tokens, completion_tokens, "
    "cached_tokens, tokens_reported, status, error_code, attempts, latency_ms, ttft_ms, priced, cost, allowance_uc, "
    "count_pack_uc, paid_uc, gift_uc, surcharge, subscription_id, plan_daily_value, user_pack_id, app_id, "
    "app_owner_id, "
    "app_kind, surcharge_paid_uc, surcharge_gift_uc, creator_uc, error_detail";
UsageEvent to_event(const Row& r) {
  UsageEvent e;
  e.request_id = r.str(0);
  e.created_at = r.i64(1);
  e.day = r.str(2);
  e.user_id = r.i64(3);
  e.api_key_id = r.opt_i64(4);
  e.surface = r.str(5);
  e.model = r.str(6);
  e.channel_id = r.opt_i64(7);
  e.prompt_tokens = r.i64(8);
  e.completion_tokens = r.i64(9);
  e.cached_tokens = r.i64(10);
  e.tokens_reported = r.boolean(11);
  e.status = r.str(12);
  e.error_code = r.str(13);
  e.attempts = r.i64(14);
  e.latency_ms = r.i64(15);
  e.ttft_ms = r.opt_i64(16);
  e.priced = r.boolean(17);
  e.cost = r.i64(18);
  e.allowance_uc = r.i64(19);
  e.count_pack_uc = r.i64(20);
  e.paid_uc = r.i64(21);
  e.gift_uc = r.i64(22);
  e.surcharge = r.i64(23);
  e.subscription_id = r.opt_i64(24);
  e.plan_daily_value = r.i64(25);
  e.user_pack_id = r.opt_i64(26);
  e.app_id = r.opt_i64(27);
  e.app_owner_id = r.opt_i64(28);
  e.app_kind = r.opt_str(29).value_or("");
  e.surcharge_paid_uc = r.i64(30);
  e.surcharge_gift_uc = r.i64(31);
  e.creator_uc = r.i64(32);
  e.error_detail = r.str(33);
  if (r.size() > 34) e.id = r.i64(34);
  return e;
}

namespace {
// An app's successful call counted in the square's roll-up (migrations 8 and 12): what PostgreSQL's
// trigger does for each row, done here on SQLite (migration 16 says why).
void roll_up_app_call(Conn& c, const UsageEvent& e) {
  const bool paying = e.paid_uc > 0 || e.surcharge_paid_uc > 0 || e.subscription_id;
  c.exec(
      "INSERT INTO app_user_days (day, app_id, user_id, calls, paying_calls) VALUES ($1, $2, $3, 1, $4) "
      "ON CONFLICT (day, app_id, user_id) DO UPDATE SET calls = calls + 1, paying_calls = paying_calls + "
      "excluded.paying_calls",
      {e.day, *e.app_id, e.user_id, int64_t{paying}});
  c.exec(
      "INSERT INTO app_users (app_id, user_id, calls) VALUES ($1, $2, 1) "
      "ON CONFLICT (app_id, user_id) DO UPDATE SET calls = calls + 1",
      {*e.app_id, e.user_id});
}
}  // namespace

bool insert(Conn& c, const UsageEvent& e) {
  bool inserted =
      c.exec(std::string("INSERT INTO usage_events (") + kEventColumns +
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
                 "$21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34) ON CONFLICT (request_id) DO "
                 "NOTHING",
             {e.request_id,
              e.created_at,
              e.day,
              e.user_id,
              nullable(e.api_key_id),
              e.surface,
              e.model,
              nullable(e.channel_id),
              e.prompt_tokens,
              e.completion_tokens,
              e.cached_tokens,
              int64_t{e.tokens_reported},
              e.status,
              e.error_code,
              e.attempts,
              e.latency_ms,
              nullable(e.ttft_ms),
              int64_t{e.priced},
              e.cost,
              e.allowance_uc,
              e.count_pack_uc,
              e.paid_uc,
              e.gift_uc,
              e.surcharge,
              nullable(e.subscription_id),
              e.plan_daily_value,
              nullable(e.user_pack_id),
              nullable(e.app_id),
              nullable(e.app_owner_id),
              e.app_kind.empty() ? kNull : Value(e.app_kind),
              e.surcharge_paid_uc,
              e.surcharge_gift_uc,
              e.creator_uc,
              e.error_detail}) > 0;
  if (inserted && c.dialect() == Dialect::sqlite && e.app_id && e.status == "ok") roll_up_app_call(c, e);
  return inserted;
}

bool recorded(Conn& c, const std::string& request_id) {
  return c.query_one("SELECT 1 FROM usage_events WHERE request_id = $1", {request_id}).has_value();
}

std::optional<UsageEvent> find(Conn& c, const std::string& request_id) {
  auto row = c.query_one(std::string("SELECT ") + kEventColumns + " FROM usage_events WHERE request_id = $1", {request_id});
  if (!row) return std::nullopt;
  return to_event(*row);
}

std::vector<UsageEvent> list_for_user(Conn& c, int64_t user_id, int64_t limit) {
  auto rows = c.query(
      std::string("SELECT ") + kEventColumns + " FROM usage_events WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
      {user_id, limit});
  std::vector<UsageEvent> out;
  for (const auto& r : rows.rows) out.push_back(to_event(r));
  return out;
}

}  // namespace usage

namespace conversations {

namespace {
Conversation to_conversation(const Row& r) {
  return Conversation{r.i64(0), r.i64(1), r.str(2), r.str(3), r.i64(4), r.i64(5), r.opt_i64(6)};
}
constexpr const char* kColumns = "id, user_id, title, model, created_at, updated_at, app_id";
}  // namespace

int64_t count(Conn& c, int64_t user_id) {
  return c.query_one("SELECT COUNT(*) FROM conversations WHERE user_id = $1", {user_id})->i64(0);
}

std::vector<Conversation> list(Conn& c, int64_t user_id, int64_t limit, const std::optional<ConversationCursor>& after,
                               std::string_view title_part) {
  constexpr int64_t kFirst = std::numeric_limits<int64_t>::max();
  // One statement for every page and search: no cursor reads from the top, no title part matches all.
  // `updated_at <= $2` is the index's range; the OR only sorts out the ties at its edge.
  auto rows =
      c.query(std::string("SELECT ") + kColumns +
                  " FROM conversations WHERE user_id = $1 AND updated_at <= $2 AND (updated_at < $2 OR id < $3) "
                  "AND LOWER(title) LIKE LOWER($4) ESCAPE '\\' ORDER BY updated_at DESC, id DESC LIMIT $5",
              {user_id, after ? after->updated_at : kFirst, after ? after->id : kFirst,
               title_part.empty() ? std::string("%") : contains_pattern(title_part), limit});
  std::vector<Conversation> out;
  for (const auto& r : rows.rows) out.push_back(to_conversation(r));
  return out;
}

std::optional<Conversation> find(Conn& c, int64_t user_id, int64_t id) {
  auto row = c.query_one(std::string("SELECT ") + kColumns + " FROM conversations WHERE id = $1 AND user_id = $2",
                         {id, user_id});
  if (!row) return std::nullopt;
  return to_conversation(*row);
}

Conversation create(Conn& c, int64_t user_id, const std::string& title, const std::string& model, int64_t now,
                    std::optional<int64_t> app_id) {
  auto row = c.query_one(
      "INSERT INTO conversations (user_id, title, model, created_at, updated_at, app_id) VALUES ($1, $2, $3, $4, $4, $5) "
      "RETURNING id",
      {user_id, title, model, now, nullable(app_id)});
  return Conversation{row->i64(0), user_id, title, model, now, now, app_id};
}

bool rename(Conn& c, int64_t user_id, int64_t id, const std::string& title, int64_t now) {
  return c.exec("UPDATE conversations SET title = $3, updated_at = $4 WHERE id = $1 AND user_id = $2",
                {id, user_id, title, now}) > 0;
}

void touch(Conn& c, int64_t id, const std::string& model, int64_t now) {
  c.exec("UPDATE conversations SET model = $2, updated_at = $3 WHERE id = $1", {id, model, now});
}

bool remove(Conn& c, int64_t user_id, int64_t id) {
  return c.exec("DELETE FROM conversations WHERE id = $1 AND user_id = $2", {id, user_id}) > 0;
}

int64_t remove_all(Conn& c, int64_t user_id) {
  return c.exec("DELETE FROM conversations WHERE user_id = $1", {user_id});
}

std::vector<Message> messages(Conn& c, int64_t conversation_id) {
  auto rows = c.query(
      "SELECT id, conversation_id, role, content, model, prompt_tokens, completion_tokens, status, request_id, "
      "created_at, left_out, images_left_out FROM messages WHERE conversation_id = $1 ORDER BY id",
      {conversation_id});
  std::vector<Message> out;
  for (const auto& r : rows.rows)
    out.push_back(Message{r.i64(0),
                          r.i64(1),
                          r.str(2),
                          r.str(3),
                          r.str(4),
                          r.i64(5),
                          r.i64(6),
                          r.str(7),
                          r.str(8),
                          r.i64(9),
                          r.i64(10),
                          {},
                          r.i64(11)});
  auto images = c.query(
      "SELECT i.message_id, i.name FROM message_images i JOIN messages m ON m.id = i.message_id "
      "WHERE m.conversation_id = $1 ORDER BY i.message_id, i.position",
      {conversation_id});
  auto m = out.begin();  // both in id order
  for (const auto& r : images.rows) {
    while (m != out.end() && m->id < r.i64(0)) ++m;
    if (m != out.end() && m->id == r.i64(0)) m->images.push_back(r.str(1));
  }
  return out;
}

Message add_message(Conn& c, const Message& m) {
  auto row = c.query_one(
      "INSERT INTO messages (conversation_id, role, content, model, prompt_tokens, completion_tokens, status, "
      "request_id, created_at, left_out, images_left_out) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
      "RETURNING id",
      {m.conversation_id, m.role, m.content, m.model, m.prompt_tokens, m.completion_tokens, m.status, m.request_id,
       m.created_at, m.left_out, m.images_left_out});
  Message out = m;
  out.id = row->i64(0);
  int64_t position = 0;
  for (const auto& name : m.images)
    c.exec("INSERT INTO message_images (message_id, position, name) VALUES ($1, $2, $3)", {out.id, position++, name});
  return out;
}

int64_t truncate_from(Conn& c, int64_t conversation_id, int64_t message_id) {
  return c.exec("DELETE FROM messages WHERE conversation_id = $1 AND id >= $2", {conversation_id, message_id});
}

int64_t remove_range(Conn& c, int64_t conversation_id, int64_t from_id, int64_t before_id) {
  return c.exec("DELETE FROM messages WHERE conversation_id = $1 AND id >= $2 AND id < $3",
                {conversation_id, from_id, before_id});
}

bool claim_answer(Conn& c, int64_t conversation_id, const std::string& token, int64_t until, int64_t now) {
  return c.exec(
             "UPDATE conversations SET answer_token = $2, answer_until = $3 WHERE id = $1 AND "
             "(answer_until IS NULL OR answer_until <= $4)",
             {conversation_id, token, until, now}) > 0;
}

bool renew_answer(Conn& c, int64_t conversation_id, const std::string& token, int64_t until) {
  return c.exec("UPDATE conversations SET answer_until = $3 WHERE id = $1 AND answer_token = $2",
                {conversation_id, token, until}) > 0;
}

bool release_answer(Conn& c, int64_t conversation_id, const std::string& token) {
  return c.exec("UPDATE conversations SET answer_token = NULL, answer_until = NULL WHERE id = $1 AND answer_token = $2",
                {conversation_id, token}) > 0;
}

}  // namespace conversations

}  // namespace plaza::store
