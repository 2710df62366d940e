#include "services/accounts.hpp"

#include "core/error.hpp"
#include "core/validation.hpp"
#include "services/api_keys.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/sessions_repo.hpp"
#include "store/settings_repo.hpp"
#include "store/users_repo.hpp"

namespace plaza::services {

namespace {

constexpr const char* kSetupTokenKey = "setup_token_hash";

void validate_new_account(const std::string& username, const std::string& password,
                          const std::optional<std::string>& email) {
  if (auto err = check_username(username)) throw Error(ErrorCode::invalid_request, *err, "username");
  if (auto err = check_password(password)) throw Error(ErrorCode::invalid_request, *err, "password");
  if (email)
    if (auto err = check_email(*email)) throw Error(ErrorCode::invalid_request, *err, "email");
}

std::optional<std::string> normalize_email(std::optional<std::string> email) {
  if (email && email->empty()) return std::nullopt;
  return email;
}

}  // namespace

Accounts::Accounts(store::Database& db, const Clock& clock, LoginThrottle& throttle, AccountsOptions options,
                   ApiKeys* keys)
    : db_(db), clock_(clock), throttle_(throttle), keys_(keys), options_(options) {
  dummy_hash_ = hash("plaza-dummy-password");
}

SignedIn Accounts::start_session(store::Conn& c, const store::User& user, const ClientInfo& client) {
  SignedIn s{user, crypto::random_token(), crypto::random_token(), clock_.now_s() + options_.session_ttl_s};
  store::sessions::create(c, crypto::sha256_hex(s.session_token), user.id, s.csrf_token, clock_.now_s(), s.expires_at,
                          std::string(utf8_prefix(client.ip, 64)), std::string(utf8_prefix(client.user_agent, 256)));
  return s;
}

awaitable<SignedIn> Accounts::register_user(std::string username, std::string password,
                                            std::optional<std::string> email, ClientInfo client) {
  email = normalize_email(std::move(email));
  validate_new_account(username, password, email);
  std::string password_hash = co_await store::run_on_pool(db_, [&] { return hash(password); });
  co_return co_await store::write(db_, [&](store::Conn& c) {
    try {
      auto user = store::users::create(c, {username, email, password_hash, "user"}, clock_.now_s());
      return start_session(c, user, client);
    } catch (const store::UniqueViolation&) {
      throw Error(ErrorCode::conflict, "this username is taken", "username");
    }
  });
}

awaitable<SignedIn> Accounts::login(std::string username, std::string password, ClientInfo client) {
  // One trip to the pool: the attempt counted with the throttle (or refused), look up, then verify
  // (against a dummy hash for an unknown name, so the time taken tells nothing).
  const std::string subject = username.substr(0, kUsernameMax);
  auto found = co_await store::run_on_pool(db_, [&]() -> std::optional<std::pair<store::User, std::string>> {
    auto creds = db_.write_sync([&](store::Conn& c) {
      throttle_.begin(c, client.ip, subject);
      bool malformed = username.empty() || username.size() > kUsernameMax || password.size() > kPasswordMax;
      return malformed ? std::nullopt : store::users::find_credentials(c, username);
    });
    bool ok = creds && crypto::verify_password(creds->second, password);
    if (!creds && password.size() <= kPasswordMax) crypto::verify_password(dummy_hash_, password);
    if (ok) return creds;
    db_.write_sync([&](store::Conn& c) { throttle_.failed_from(c, client.ip, subject); });
    if (throttle_.sweep_due()) db_.write_sync([&](store::Conn& c) { throttle_.sweep(c); });
    return std::nullopt;
  });
  if (!found) throw Error(ErrorCode::unauthorized, "wrong username or password");
  if (found->first.banned) throw Error(ErrorCode::forbidden, "this account is banned");
  co_return co_await store::write(db_, [&](store::Conn& c) {
    throttle_.succeeded(c, client.ip, subject);
    return start_session(c, found->first, client);
  });
}

awaitable<void> Accounts::logout(std::string session_token) {
  co_await store::write(db_, [&](store::Conn& c) { store::sessions::remove(c, crypto::sha256_hex(session_token)); });
}

awaitable<std::optional<store::SessionRecord>> Accounts::session(std::string session_token) {
  if (session_token.size() != 43) co_return std::nullopt;
  auto id_hash = crypto::sha256_hex(session_token);
  auto record = co_await store::read(db_, [&](store::Conn& c) { return store::sessions::find(c, id_hash); });
  if (!record || record->expires_at <= clock_.now_s() || record->user.banned) co_return std::nullopt;
  co_return record;
}

awaitable<void> Accounts::change_password(store::User me, ClientInfo client, std::string current, std::string next,
                                          std::string keep_session_token) {
  if (auto err = check_password(next)) throw Error(ErrorCode::invalid_request, *err, "new_password");
  const int64_t user_id = me.id;
  auto stored = co_await store::write(db_, [&](store::Conn& c) {
    throttle_.begin(c, client.ip, me.username);
    return store::users::password_hash(c, user_id);
  });
  if (!stored) throw Error(ErrorCode::not_found, "no such user");
  bool ok = co_await store::run_on_pool(db_, [&] { return crypto::verify_password(*stored, current); });
  if (!ok) {
    co_await store::write(db_, [&](store::Conn& c) { throttle_.failed_from(c, client.ip, me.username); });
    throw Error(ErrorCode::invalid_request, "the current password is wrong", "current_password");
  }
  std::string new_hash = co_await store::run_on_pool(db_, [&] { return hash(next); });
  co_await store::write(db_, [&](store::Conn& c) {
    throttle_.succeeded(c, client.ip, me.username);
    store::users::set_password_hash(c, user_id, new_hash, clock_.now_s());
    store::sessions::remove_all_for_user(c, user_id, crypto::sha256_hex(keep_session_token));
    store::audit::record(c, user_id, "user.password_changed", "user:" + std::to_string(user_id), "", clock_.now_s());
  });
}

awaitable<store::User> Accounts::update_email(int64_t user_id, std::optional<std::string> email) {
  email = normalize_email(std::move(email));
  if (email)
    if (auto err = check_email(*email)) throw Error(ErrorCode::invalid_request, *err, "email");
  co_return co_await store::write(db_, [&](store::Conn& c) {
    store::users::set_email(c, user_id, email, clock_.now_s());
    auto u = store::users::find(c, user_id);
    if (!u) throw Error(ErrorCode::not_found, "no such user");
    return *u;
  });
}

awaitable<bool> Accounts::setup_needed() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::users::count_admins(c) == 0; });
}

std::optional<std::string> Accounts::issue_setup_token_sync() {
  return db_.write_sync([&](store::Conn& c) -> std::optional<std::string> {
    if (store::users::count_admins(c) > 0) {
      store::settings::remove(c, kSetupTokenKey);
      return std::nullopt;
    }
    // Each start issues a fresh token (only its hash is kept), so the newest link in the log works.
    std::string token = crypto::random_token();
    store::settings::put(c, kSetupTokenKey, crypto::sha256_hex(token), clock_.now_s());
    return token;
  });
}

awaitable<SignedIn> Accounts::complete_setup(std::string token, std::string username, std::string password,
                                             std::optional<std::string> email, ClientInfo client) {
  email = normalize_email(std::move(email));
  validate_new_account(username, password, email);
  std::string password_hash = co_await store::run_on_pool(db_, [&] { return hash(password); });
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto stored = store::settings::get(c, kSetupTokenKey);
    if (store::users::count_admins(c) > 0 || !stored)
      throw Error(ErrorCode::conflict, "this site already has an administrator");
    if (!crypto::constant_time_equal(*stored, crypto::sha256_hex(token)))
      throw Error(ErrorCode::forbidden, "the setup link is not valid; use the newest link from the server log",
                  "token");
    try {
      auto user = store::users::create(c, {username, email, password_hash, "admin"}, clock_.now_s());
      store::settings::remove(c, kSetupTokenKey);
      store::audit::record(c, user.id, "setup.admin_created", "user:" + std::to_string(user.id), username,
                           clock_.now_s());
      return start_session(c, user, client);
    } catch (const store::UniqueViolation&) {
      throw Error(ErrorCode::conflict, "this username is taken", "username");
    }
  });
}

store::User Accounts::create_admin_sync(const std::string& username, const std::string& password) {
  if (auto err = check_username(username)) throw Error(ErrorCode::invalid_request, *err, "username");
  if (auto err = check_password(password)) throw Error(ErrorCode::invalid_request, *err, "password");
  std::string password_hash = hash(password);
  return db_.write_sync([&](store::Conn& c) {
    int64_t now = clock_.now_s();
    store::User user;
    if (auto existing = store::users::find_by_username(c, username)) {
      store::users::set_role(c, existing->id, "admin", now);
      store::users::set_password_hash(c, existing->id, password_hash, now);
      store::users::set_banned(c, existing->id, false, now);
      store::sessions::remove_all_for_user(c, existing->id, "");
      user = *store::users::find(c, existing->id);
    } else {
      user = store::users::create(c, {username, std::nullopt, password_hash, "admin"}, now);
    }
    store::settings::remove(c, kSetupTokenKey);
    store::audit::record(c, std::nullopt, "cli.admin_created", "user:" + std::to_string(user.id), username, now);
    return user;
  });
}

awaitable<std::pair<std::vector<store::User>, int64_t>> Accounts::list_users(std::string query, int64_t offset,
                                                                             int64_t limit) {
  if (query.size() > kUsernameMax) query.resize(kUsernameMax);
  offset = std::max<int64_t>(0, offset);
  limit = std::clamp<int64_t>(limit, 1, 200);
  co_return co_await store::read(db_, [&](store::Conn& c) {
    return std::make_pair(store::users::list(c, query, offset, limit), store::users::count(c, query));
  });
}

awaitable<store::User> Accounts::update_user(int64_t actor_id, int64_t user_id, UserChanges ch) {
  if (ch.role && *ch.role != "user" && *ch.role != "admin")
    throw Error(ErrorCode::invalid_request, "role must be user or admin", "role");
  if (ch.group)
    if (auto err = check_group(*ch.group)) throw Error(ErrorCode::invalid_request, *err, "group");
  if (actor_id == user_id && ((ch.role && *ch.role != "admin") || (ch.banned && *ch.banned)))
    throw Error(ErrorCode::invalid_request, "you cannot demote or ban yourself");
  auto user = co_await store::write(db_, [&](store::Conn& c) {
    auto before = store::users::find(c, user_id);
    if (!before) throw Error(ErrorCode::not_found, "no such user");
    int64_t now = clock_.now_s();
    std::string target = "user:" + std::to_string(user_id);
    if (ch.role && *ch.role != before->role) {
      store::users::set_role(c, user_id, *ch.role, now);
      store::audit::record(c, actor_id, "admin.user.role", target, *ch.role, now);
    }
    if (ch.group && *ch.group != before->group) {
      store::users::set_group(c, user_id, *ch.group, now);
      store::audit::record(c, actor_id, "admin.user.group", target, *ch.group, now);
    }
    if (ch.banned && *ch.banned != before->banned) {
      store::users::set_banned(c, user_id, *ch.banned, now);
      // A ban ends the user's sessions at once; their API keys are refused while banned.
      if (*ch.banned) store::sessions::remove_all_for_user(c, user_id, "");
      store::audit::record(c, actor_id, *ch.banned ? "admin.user.ban" : "admin.user.unban", target, "", now);
    }
    store::announce(c, "user:" + std::to_string(user_id));
    return *store::users::find(c, user_id);
  });
  if (keys_) keys_->forget_user(user_id);  // a ban or a new group applies to the user's keys at once
  co_return user;
}

}  // namespace plaza::services
