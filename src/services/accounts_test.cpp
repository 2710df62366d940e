#include "services/accounts.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "store/users_repo.hpp"
#include "support/run_sync.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

using test::error_of;
using test::run_sync;

constexpr int64_t kTtl = 3600;
constexpr int kFreeFailures = 3;
const std::string kPassword = "correct horse battery";

class AccountsTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    accounts_.emplace(db(), clock_, throttle_, AccountsOptions{crypto::PasswordCost::min, kTtl});
  }
  void TearDown() override {
    accounts_.reset();
    BackendTest::TearDown();
  }

  SignedIn sign_up(const std::string& name, const std::string& password = kPassword) {
    return run_sync(accounts_->register_user(name, password, std::nullopt, client_));
  }
  SignedIn login(const std::string& name, const std::string& password = kPassword) {
    return run_sync(accounts_->login(name, password, client_));
  }
  std::optional<Error> login_error(const std::string& name, const std::string& password) {
    return error_of(accounts_->login(name, password, client_));
  }
  bool signed_in(const std::string& token) { return run_sync(accounts_->session(token)).has_value(); }
  void ban(int64_t user_id) {
    db().write_sync([&](store::Conn& c) { store::users::set_banned(c, user_id, true, clock_.now_s()); });
  }

  ManualClock clock_{test::kStartMs};
  LoginThrottle throttle_{clock_, kFreeFailures};
  ClientInfo client_{"10.0.0.1", "gtest"};
  std::optional<Accounts> accounts_;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(AccountsTest);

TEST_P(AccountsTest, RegisterThenLogin) {
  SignedIn reg = sign_up("Alice");
  EXPECT_EQ(reg.user.username, "Alice");
  EXPECT_EQ(reg.user.role, "user");
  EXPECT_EQ(reg.session_token.size(), 43u);
  EXPECT_EQ(reg.csrf_token.size(), 43u);
  EXPECT_EQ(reg.expires_at, clock_.now_s() + kTtl);

  SignedIn in = login("alice");
  EXPECT_EQ(in.user.id, reg.user.id) << "sign-in ignores the name's case";
  EXPECT_NE(in.session_token, reg.session_token);

  auto s = run_sync(accounts_->session(in.session_token));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->user.id, reg.user.id);
  EXPECT_EQ(s->csrf_token, in.csrf_token);
  EXPECT_TRUE(signed_in(reg.session_token)) << "both sessions are live";
}

TEST_P(AccountsTest, RegisterRefusesBadInputAndCreatesNothing) {
  struct Case {
    std::string user, password;
    std::optional<std::string> email;
    std::string field;
  };
  for (const auto& c : {Case{"1bad", kPassword, {}, "username"}, Case{"alice", "short", {}, "password"},
                        Case{"alice", kPassword, "not-an-email", "email"}}) {
    auto err = error_of(accounts_->register_user(c.user, c.password, c.email, client_));
    ASSERT_TRUE(err.has_value()) << c.field;
    EXPECT_EQ(err->code(), ErrorCode::invalid_request);
    EXPECT_EQ(err->field(), c.field);
  }
  EXPECT_EQ(run_sync(accounts_->list_users("", 0, 10)).second, 0);
}

TEST_P(AccountsTest, EmptyEmailMeansNone) {
  SignedIn s = run_sync(accounts_->register_user("alice", kPassword, std::string(), client_));
  EXPECT_EQ(s.user.email, std::nullopt);
}

TEST_P(AccountsTest, DuplicateUsernameInAnyCaseIsAConflict) {
  sign_up("alice");
  for (const char* name : {"alice", "Alice", "ALICE"}) {
    auto err = error_of(accounts_->register_user(name, kPassword, std::nullopt, client_));
    ASSERT_TRUE(err.has_value()) << name;
    EXPECT_EQ(err->code(), ErrorCode::conflict);
    EXPECT_EQ(err->field(), "username");
  }
}

TEST_P(AccountsTest, WrongPasswordIsUnauthorizedAndCountsTowardsTheThrottle) {
  sign_up("alice");
  for (int i = 0; i < kFreeFailures; ++i) {
    auto err = login_error("alice", "wrong password");
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->code(), ErrorCode::unauthorized);
  }
  auto err = login_error("alice", kPassword);
  ASSERT_TRUE(err.has_value()) << "even the right password waits";
  EXPECT_EQ(err->code(), ErrorCode::rate_limited);
  EXPECT_EQ(err->retry_after, 1);
  clock_.advance_ms(1000);
  EXPECT_EQ(login("alice").user.username, "alice");
}

TEST_P(AccountsTest, UnknownUserLooksLikeAWrongPassword) {
  sign_up("alice");
  auto unknown = login_error("nobody", kPassword);
  auto wrong = login_error("alice", "wrong password");
  ASSERT_TRUE(unknown && wrong);
  EXPECT_EQ(unknown->code(), ErrorCode::unauthorized);
  EXPECT_EQ(std::string(unknown->what()), wrong->what());
  auto overlong = login_error(std::string(200, 'a'), kPassword);
  ASSERT_TRUE(overlong.has_value());
  EXPECT_EQ(overlong->code(), ErrorCode::unauthorized);
}

TEST_P(AccountsTest, SessionEndsAtExpiry) {
  SignedIn s = sign_up("alice");
  clock_.advance_ms((kTtl - 1) * 1000);
  EXPECT_TRUE(signed_in(s.session_token));
  clock_.advance_ms(1000);
  EXPECT_FALSE(signed_in(s.session_token));
}

TEST_P(AccountsTest, LogoutEndsOnlyThatSession) {
  SignedIn a = sign_up("alice");
  SignedIn b = login("alice");
  run_sync(accounts_->logout(a.session_token));
  EXPECT_FALSE(signed_in(a.session_token));
  EXPECT_TRUE(signed_in(b.session_token));
  run_sync(accounts_->logout(a.session_token));  // twice is harmless
}

TEST_P(AccountsTest, UnknownTokensAreNobody) {
  sign_up("alice");
  EXPECT_FALSE(signed_in(""));
  EXPECT_FALSE(signed_in("short"));
  EXPECT_FALSE(signed_in(crypto::random_token()));
  EXPECT_FALSE(signed_in(std::string(10'000, 'a')));
}

TEST_P(AccountsTest, ChangePasswordNeedsTheCurrentOne) {
  SignedIn a = sign_up("alice");
  SignedIn b = login("alice");
  auto err = error_of(
      accounts_->change_password(a.user, {"10.0.0.1", "test"}, "not my password", "new password 2", a.session_token));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::invalid_request);
  EXPECT_EQ(err->field(), "current_password");
  EXPECT_TRUE(signed_in(b.session_token)) << "a refused change ends nothing";
  EXPECT_EQ(login("alice").user.id, a.user.id) << "and keeps the old password";

  err = error_of(accounts_->change_password(a.user, {"10.0.0.1", "test"}, kPassword, "short", a.session_token));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->field(), "new_password");
}

TEST_P(AccountsTest, WrongCurrentPasswordsAreThrottledLikeSignIns) {
  SignedIn a = sign_up("alice");
  for (int i = 0; i < kFreeFailures; ++i)
    EXPECT_EQ(error_of(accounts_->change_password(a.user, {"10.0.0.1", "test"}, "guess " + std::to_string(i),
                                                  "new password 2", a.session_token))
                  ->code(),
              ErrorCode::invalid_request);
  auto err =
      error_of(accounts_->change_password(a.user, {"10.0.0.2", "test"}, kPassword, "new password 2", a.session_token));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::rate_limited) << "even the right one waits, from anywhere";
  EXPECT_TRUE(login_error("alice", kPassword).has_value()) << "the account's sign-ins wait too";
}

TEST_P(AccountsTest, ChangePasswordEndsOtherSessionsButKeepsTheCurrentOne) {
  SignedIn a = sign_up("alice");
  SignedIn b = login("alice");
  SignedIn bob = sign_up("bob");
  run_sync(accounts_->change_password(a.user, {"10.0.0.1", "test"}, kPassword, "new password 2", a.session_token));
  EXPECT_TRUE(signed_in(a.session_token));
  EXPECT_FALSE(signed_in(b.session_token));
  EXPECT_TRUE(signed_in(bob.session_token));
  ASSERT_TRUE(login_error("alice", kPassword).has_value());
  EXPECT_EQ(login("alice", "new password 2").user.id, a.user.id);
}

TEST_P(AccountsTest, BannedUserCannotSignInAndLosesTheirSession) {
  SignedIn a = sign_up("alice");
  ban(a.user.id);
  EXPECT_FALSE(signed_in(a.session_token));
  auto err = login_error("alice", kPassword);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::forbidden);
}

TEST_P(AccountsTest, AdminBanEndsSessionsAndUnbanRestoresSignIn) {
  auto admin = accounts_->create_admin_sync("root", kPassword);
  SignedIn a = sign_up("alice");
  auto banned = run_sync(accounts_->update_user(admin.id, a.user.id, UserChanges{.banned = true}));
  EXPECT_TRUE(banned.banned);
  run_sync(accounts_->update_user(admin.id, a.user.id, UserChanges{.banned = false}));
  EXPECT_FALSE(signed_in(a.session_token)) << "the ban ended the session for good";
  EXPECT_EQ(login("alice").user.id, a.user.id);

  auto self = error_of(accounts_->update_user(admin.id, admin.id, UserChanges{.role = "user"}));
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->code(), ErrorCode::invalid_request);
}

TEST_P(AccountsTest, SetupTokenCreatesTheFirstAdminOnce) {
  EXPECT_TRUE(run_sync(accounts_->setup_needed()));
  auto token = accounts_->issue_setup_token_sync();
  ASSERT_TRUE(token.has_value());

  auto err = error_of(accounts_->complete_setup(crypto::random_token(), "root", kPassword, std::nullopt, client_));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::forbidden);
  EXPECT_TRUE(run_sync(accounts_->setup_needed()));

  SignedIn root = run_sync(accounts_->complete_setup(*token, "root", kPassword, std::nullopt, client_));
  EXPECT_TRUE(root.user.is_admin());
  EXPECT_TRUE(signed_in(root.session_token));
  EXPECT_FALSE(run_sync(accounts_->setup_needed()));

  err = error_of(accounts_->complete_setup(*token, "root2", kPassword, std::nullopt, client_));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::conflict);
  EXPECT_EQ(accounts_->issue_setup_token_sync(), std::nullopt) << "no token once an admin exists";
}

TEST_P(AccountsTest, OnlyTheNewestSetupTokenWorks) {
  auto first = accounts_->issue_setup_token_sync();
  auto second = accounts_->issue_setup_token_sync();
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  auto err = error_of(accounts_->complete_setup(*first, "root", kPassword, std::nullopt, client_));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::forbidden);
  EXPECT_TRUE(run_sync(accounts_->complete_setup(*second, "root", kPassword, std::nullopt, client_)).user.is_admin());
}

TEST_P(AccountsTest, SetupWithATakenNameKeepsTheTokenUsable) {
  sign_up("root");
  auto token = accounts_->issue_setup_token_sync();
  ASSERT_TRUE(token.has_value());
  auto err = error_of(accounts_->complete_setup(*token, "ROOT", kPassword, std::nullopt, client_));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code(), ErrorCode::conflict);
  EXPECT_EQ(err->field(), "username");
  EXPECT_TRUE(run_sync(accounts_->complete_setup(*token, "admin", kPassword, std::nullopt, client_)).user.is_admin());
}

TEST_P(AccountsTest, CreateAdminPromotesAnExistingUser) {
  SignedIn bob = sign_up("bob");
  ban(bob.user.id);
  ASSERT_TRUE(accounts_->issue_setup_token_sync().has_value());
  store::User admin = accounts_->create_admin_sync("BOB", "fresh password 1");
  EXPECT_EQ(admin.id, bob.user.id);
  EXPECT_TRUE(admin.is_admin());
  EXPECT_FALSE(admin.banned);
  EXPECT_FALSE(signed_in(bob.session_token)) << "old sessions end with the reset";
  EXPECT_EQ(login("bob", "fresh password 1").user.role, "admin");
  EXPECT_FALSE(run_sync(accounts_->setup_needed()));
  EXPECT_EQ(accounts_->issue_setup_token_sync(), std::nullopt);
}

TEST_P(AccountsTest, CreateAdminCreatesAMissingUserAndValidates) {
  store::User admin = accounts_->create_admin_sync("root", kPassword);
  EXPECT_TRUE(admin.is_admin());
  EXPECT_EQ(login("root").user.id, admin.id);
  try {
    accounts_->create_admin_sync("no spaces allowed", kPassword);
    FAIL() << "bad username accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_request);
  }
}

}  // namespace
}  // namespace plaza::services
