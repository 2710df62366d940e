#include "services/api_keys.hpp"

#include "core/error.hpp"
#include "core/money.hpp"
#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/settings_repo.hpp"

namespace plaza::services {

namespace {
constexpr int64_t kTouchEverySeconds = 60;  // last_used_at is a hint; a write per request would cost too much
constexpr int64_t kRereadTimeoutMs = 1000;  // a read again that has not come back by then is tried by another caller
}  // namespace

std::string ApiKeys::masked(const store::ApiKey& key) {
  return "sk-" + key.secret_start + "…" + key.secret_end;
}

namespace {
void check_spend_limit(std::optional<int64_t> spend_limit) {
  if (spend_limit && (*spend_limit < 0 || *spend_limit > (int64_t{1} << 50)))
    throw Error(ErrorCode::invalid_request, "spend_limit is out of range", "spend_limit");
}
std::string describe_limit(std::optional<int64_t> limit) {
  return limit ? money::format_credits(*limit) + " credits" : "no limit";
}
}  // namespace

awaitable<CreatedKey> ApiKeys::create(int64_t user_id, std::string name, std::optional<int64_t> expires_at,
                                      std::vector<std::string> models, std::optional<int64_t> spend_limit) {
  check_spend_limit(spend_limit);
  if (auto err = check_display_name(name)) throw Error(ErrorCode::invalid_request, *err, "name");
  if (expires_at && *expires_at <= clock_.now_s())
    throw Error(ErrorCode::invalid_request, "expires_at must be in the future", "expires_at");
  if (models.size() > kMaxKeyModels) throw Error(ErrorCode::invalid_request, "too many models", "models");
  for (const auto& m : models) {
    if (m.empty() || m.size() > 128 || !is_valid_utf8(m))
      throw Error(ErrorCode::invalid_request, "each model must be 1 to 128 characters", "models");
  }
  std::string body = crypto::random_base62(kKeySecretChars);
  std::string secret = "sk-" + body;
  store::api_keys::NewKey k{
      user_id,    name,       crypto::sha256_hex(secret), body.substr(0, 4), body.substr(body.size() - 4), models,
      expires_at, spend_limit};
  auto key = co_await store::write(db_, [&](store::Conn& c) {
    auto count = c.query_one("SELECT COUNT(*) FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL", {user_id});
    if (count->i64(0) >= static_cast<int64_t>(kMaxKeysPerUser))
      throw Error(ErrorCode::conflict, "you have too many active keys; revoke some first");
    auto created = store::api_keys::create(c, k, clock_.now_s());
    store::audit::record(c, user_id, "key.created", "key:" + std::to_string(created.id), name, clock_.now_s());
    return created;
  });
  co_return CreatedKey{std::move(key), std::move(secret)};
}

awaitable<std::vector<store::ApiKey>> ApiKeys::list(int64_t user_id) {
  co_return co_await store::read(db_, [&](store::Conn& c) { return store::api_keys::list_for_user(c, user_id); });
}

awaitable<void> ApiKeys::revoke(int64_t user_id, int64_t key_id) {
  bool done = co_await store::write(db_, [&](store::Conn& c) {
    bool revoked = store::api_keys::revoke(c, user_id, key_id, clock_.now_s());
    if (revoked) store::audit::record(c, user_id, "key.revoked", "key:" + std::to_string(key_id), "", clock_.now_s());
    store::announce(c, "user:" + std::to_string(user_id));
    return revoked;
  });
  if (!done) throw Error(ErrorCode::not_found, "no such active key");
  forget_if([key_id](const Cached& c) { return c.owner.key.id == key_id; });
}

awaitable<store::ApiKey> ApiKeys::set_spend_limit(int64_t user_id, int64_t key_id, std::optional<int64_t> spend_limit) {
  check_spend_limit(spend_limit);
  auto key = co_await store::write(db_, [&](store::Conn& c) -> std::optional<store::ApiKey> {
    auto before = store::api_keys::find_active(c, user_id, key_id);
    if (!before || !store::api_keys::set_spend_limit(c, user_id, key_id, spend_limit)) return std::nullopt;
    store::audit::record(c, user_id, "key.spend_limit", "key:" + std::to_string(key_id),
                         before->name + ": " + describe_limit(before->spend_limit) + " -> " +
                             describe_limit(spend_limit) + " (spent " + money::format_credits(before->spent) + ")",
                         clock_.now_s());
    // Other instances drop their cached copy of the user's keys: whether a key has a limit decides
    // how its calls are held (meter: key_limited).
    store::announce(c, "user:" + std::to_string(user_id));
    before->spend_limit = spend_limit;
    return before;
  });
  if (!key) throw Error(ErrorCode::not_found, "no such active key");
  forget_if([key_id](const Cached& c) { return c.owner.key.id == key_id; });
  co_return *key;
}

template <class Pred>
void ApiKeys::forget_if(Pred pred) {
  std::lock_guard lock(mutex_);
  ++generation_;
  std::erase_if(cache_, [&](const auto& entry) { return pred(entry.second); });
}

void ApiKeys::forget_all() {
  forget_if([](const Cached&) { return true; });
}

void ApiKeys::forget_user(int64_t user_id) {
  forget_if([user_id](const Cached& c) { return c.owner.user.id == user_id; });
}

std::pair<std::optional<ApiKeys::Cached>, uint64_t> ApiKeys::cached(const std::string& hash, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(hash);
  if (it == cache_.end()) return {std::nullopt, generation_};
  auto& entry = it->second;
  int64_t age = now_ms - entry.loaded_ms;
  if (age < 0 || age >= 2 * options_.cache_ms) {  // a clock that went back, or long unused
    cache_.erase(it);
    return {std::nullopt, generation_};
  }
  if (age < options_.cache_ms) return {entry, generation_};
  bool being_read = entry.reading_since_ms > 0 && now_ms - entry.reading_since_ms < kRereadTimeoutMs;
  if (being_read) return {entry, generation_};
  entry.reading_since_ms = now_ms;  // this caller reads it (keep() replaces the entry)
  return {std::nullopt, generation_};
}

void ApiKeys::drop(const std::string& hash) {
  std::lock_guard lock(mutex_);
  // A request that read the key before it was dropped must not put it back. Only a real drop counts:
  // unknown keys (anyone can send them) would otherwise make every read's keep() come to nothing.
  if (cache_.erase(hash) > 0) ++generation_;
}

void ApiKeys::keep(const std::string& hash, const store::api_keys::KeyOwner& owner, int64_t loaded_ms,
                   uint64_t generation) {
  if (options_.cache_ms <= 0) return;
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;  // a forget happened meanwhile: read again next time
  if (auto it = cache_.find(hash); it != cache_.end()) {
    // A request that went on with an entry being read again keeps its touch, but neither puts the
    // older read back over the newer one nor ends the read in flight.
    if (it->second.loaded_ms > loaded_ms) return;
    if (it->second.loaded_ms == loaded_ms)
      it->second.owner = owner;  // the same read, touched
    else
      it->second = Cached{owner, loaded_ms};  // a newer read
    return;
  }
  if (cache_.size() >= options_.cache_entries) cache_.clear();
  cache_.emplace(hash, Cached{owner, loaded_ms});
}

awaitable<std::optional<store::api_keys::KeyOwner>> ApiKeys::authenticate(std::string secret) {
  if (secret.size() != 3 + kKeySecretChars || !secret.starts_with("sk-")) co_return std::nullopt;
  auto hash = crypto::sha256_hex(secret);
  int64_t now_ms = clock_.now_ms();
  int64_t loaded_ms = now_ms;
  auto [hit, generation] = cached(hash, now_ms);
  std::optional<store::api_keys::KeyOwner> found;
  bool keep_it = false;
  if (hit) {
    found = std::move(hit->owner);
    loaded_ms = hit->loaded_ms;
  } else {
    found = co_await store::read(db_, [&](store::Conn& c) { return store::api_keys::find_by_hash(c, hash); });
    keep_it = true;
  }
  int64_t now = now_ms / 1000;
  if (!found || found->key.revoked_at || (found->key.expires_at && *found->key.expires_at <= now) ||
      found->user.banned) {
    drop(hash);  // nobody goes on with the entry as it was
    co_return std::nullopt;
  }
  if (!found->key.last_used_at || *found->key.last_used_at + kTouchEverySeconds <= now) {
    int64_t id = found->key.id;
    co_await store::write(db_, [&](store::Conn& c) { store::api_keys::touch(c, id, now); });
    found->key.last_used_at = now;
    keep_it = true;  // keep the touch, or every request would write until the entry expires
  }
  if (keep_it) keep(hash, *found, loaded_ms, generation);
  co_return found;
}

}  // namespace plaza::services
