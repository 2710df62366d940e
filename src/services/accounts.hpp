#pragma once
// Accounts: sign-up, sign-in, sessions, passwords, the first admin, and user administration.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "crypto/crypto.hpp"
#include "services/login_throttle.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace plaza::services {

class ApiKeys;

using boost::asio::awaitable;

struct AccountsOptions {
  crypto::PasswordCost password_cost = crypto::PasswordCost::interactive;
  int64_t session_ttl_s = 30 * 24 * 3600;
};

struct SignedIn {
  store::User user;
  std::string session_token;  // goes into the HttpOnly cookie; only its hash is stored
  std::string csrf_token;
  int64_t expires_at = 0;
};

struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

struct UserChanges {
  std::optional<std::string> role;
  std::optional<std::string> group;
  std::optional<bool> banned;
};

class Accounts {
 public:
  // `keys` (when there is one) forgets a user's cached keys when a ban or a group change is written.
  Accounts(store::Database& db, const Clock& clock, LoginThrottle& throttle, AccountsOptions options,
           ApiKeys* keys = nullptr);

  awaitable<SignedIn> register_user(std::string username, std::string password, std::optional<std::string> email,
                                    ClientInfo client);
  awaitable<SignedIn> login(std::string username, std::string password, ClientInfo client);
  awaitable<void> logout(std::string session_token);
  // The signed-in session for a cookie value; nothing when unknown, expired, or the user is banned.
  awaitable<std::optional<store::SessionRecord>> session(std::string session_token);
  // Ends every other session of the user. Wrong current passwords count as failed sign-ins of the
  // user from `client` (a stolen session must not be a way to guess the password).
  awaitable<void> change_password(store::User me, ClientInfo client, std::string current, std::string next,
                                  std::string keep_session_token);
  awaitable<store::User> update_email(int64_t user_id, std::optional<std::string> email);

  // First-admin setup: while the site has no admin, a one-time token (printed in the log) lets the
  // first visitor create the admin account.
  awaitable<bool> setup_needed();
  std::optional<std::string> issue_setup_token_sync();  // nothing when an admin exists
  awaitable<SignedIn> complete_setup(std::string token, std::string username, std::string password,
                                     std::optional<std::string> email, ClientInfo client);
  // `plaza admin create`: creates the admin, or promotes and resets an existing user.
  store::User create_admin_sync(const std::string& username, const std::string& password);

  awaitable<std::pair<std::vector<store::User>, int64_t>> list_users(std::string query, int64_t offset, int64_t limit);
  awaitable<store::User> update_user(int64_t actor_id, int64_t user_id, UserChanges changes);

 private:
  SignedIn start_session(store::Conn& c, const store::User& user, const ClientInfo& client);
  std::string hash(const std::string& password) const {
    return crypto::hash_password(password, options_.password_cost);
  }

  store::Database& db_;
  const Clock& clock_;
  LoginThrottle& throttle_;
  ApiKeys* keys_;
  AccountsOptions options_;
  std::string dummy_hash_;  // verified against when the username is unknown, so timing tells nothing
};

}  // namespace plaza::services
