#include "config/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

namespace plaza {
namespace {

namespace fs = std::filesystem;

// Each test runs in an empty temporary folder (load_config reads ./plaza.toml) with no PLAZA_*
// setting in the environment; both are restored afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "plaza-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    old_cwd_ = fs::current_path();
    fs::current_path(dir_);
    for (const auto& s : all_settings()) {
      if (const char* v = std::getenv(s.env.c_str())) saved_env_.emplace_back(s.env, v);
      ::unsetenv(s.env.c_str());
    }
  }
  void TearDown() override {
    for (const auto& s : all_settings()) ::unsetenv(s.env.c_str());
    for (const auto& [name, value] : saved_env_) ::setenv(name.c_str(), value.c_str(), 1);
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }

  std::string write_file(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  static void set_env(const char* name, const char* value) { ::setenv(name, value, 1); }

  // The message of the ConfigError load_config throws, or nothing when it succeeds.
  static std::optional<std::string> error_of(const std::string& file,
                                             const std::map<std::string, std::string>& flags = {}) {
    try {
      load_config(file, flags);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return std::nullopt;
  }

  fs::path dir_;
  fs::path old_cwd_;
  std::vector<std::pair<std::string, std::string>> saved_env_;
};

TEST_F(ConfigTest, DefaultsWithoutFileEnvironmentOrFlags) {
  Config c = load_config("", {});
  Config defaults;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, defaults.data_dir);
  EXPECT_EQ(c.db_threads, defaults.db_threads);
  EXPECT_EQ(c.session_ttl_hours, 720);
  EXPECT_EQ(c.password_cost, "interactive");
  EXPECT_FALSE(c.cookie_secure);
  EXPECT_TRUE(c.access_log);
  EXPECT_EQ(c.login_failures_before_backoff, 5);
}

TEST_F(ConfigTest, EffectiveDatabaseUrl) {
  Config c;
  EXPECT_EQ(c.effective_database_url(), "sqlite:./data/plaza.db");
  c.data_dir = "/srv/plaza";
  EXPECT_EQ(c.effective_database_url(), "sqlite:/srv/plaza/plaza.db");
  c.database_url = "postgresql://u@h/db";
  EXPECT_EQ(c.effective_database_url(), "postgresql://u@h/db");

  set_env("PLAZA_DATA_DIR", "/var/lib/plaza");
  EXPECT_EQ(load_config("", {}).effective_database_url(), "sqlite:/var/lib/plaza/plaza.db");
}

TEST_F(ConfigTest, EffectivePublicUrlFollowsListenUnlessSet) {
  Config c = load_config("", {{"listen", "0.0.0.0:9000"}});
  EXPECT_EQ(c.effective_public_url(), "http://0.0.0.0:9000");
  c = load_config("", {{"listen", "0.0.0.0:9000"}, {"public_url", "https://plaza.example"}});
  EXPECT_EQ(c.effective_public_url(), "https://plaza.example");
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlags) {
  auto file = write_file("site.toml", "listen = \"10.0.0.1:1\"\ndb_threads = 3\ncookie_secure = true\n");
  Config c = load_config(file, {});
  EXPECT_EQ(c.listen, "10.0.0.1:1");
  EXPECT_EQ(c.db_threads, 3);
  EXPECT_TRUE(c.cookie_secure);

  set_env("PLAZA_LISTEN", "10.0.0.2:2");
  c = load_config(file, {});
  EXPECT_EQ(c.listen, "10.0.0.2:2") << "the environment overrides the file";
  EXPECT_EQ(c.db_threads, 3) << "settings the environment does not name keep the file's value";

  c = load_config(file, {{"listen", "10.0.0.3:3"}});
  EXPECT_EQ(c.listen, "10.0.0.3:3") << "flags override the environment";
  EXPECT_EQ(c.db_threads, 3);
  EXPECT_TRUE(c.cookie_secure);
}

TEST_F(ConfigTest, ReadsPlazaTomlFromTheWorkingFolderWhenNoFileIsNamed) {
  write_file("plaza.toml", "session_ttl_hours = 48\n");
  EXPECT_EQ(load_config("", {}).session_ttl_hours, 48);
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  set_env("PLAZA_LISTEN", "abc");
  auto err = error_of("");
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("PLAZA_LISTEN"), std::string::npos) << *err;
  EXPECT_NE(err->find("abc"), std::string::npos) << *err;
}

TEST_F(ConfigTest, BadFlagValueNamesTheFlag) {
  auto err = error_of("", {{"db_threads", "many"}});
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("--db-threads"), std::string::npos) << *err;
  EXPECT_NE(err->find("not a whole number"), std::string::npos) << *err;
}

TEST_F(ConfigTest, BadFileValueNamesTheKey) {
  auto file = write_file("bad.toml", "io_threads = 9999\n");
  auto err = error_of(file);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("io_threads"), std::string::npos) << *err;
  EXPECT_NE(err->find("outside 0..256"), std::string::npos) << *err;
}

TEST_F(ConfigTest, RefusesValuesOutsideEachSettingsRules) {
  struct Case {
    const char* env;
    const char* value;
  };
  for (auto [env, value] :
       {Case{"PLAZA_DB_THREADS", "0"}, Case{"PLAZA_DB_THREADS", "3x"}, Case{"PLAZA_DB_THREADS", "99999999999999999999"},
        Case{"PLAZA_COOKIE_SECURE", "maybe"}, Case{"PLAZA_LISTEN", "host:99999"}, Case{"PLAZA_LISTEN", ":80"},
        Case{"PLAZA_DATABASE_URL", "mysql://x"}, Case{"PLAZA_DATABASE_URL", "sqlite:"},
        Case{"PLAZA_PASSWORD_COST", "cheap"}, Case{"PLAZA_LOG_LEVEL", "verbose"}}) {
    set_env(env, value);
    auto err = error_of("");
    EXPECT_TRUE(err.has_value()) << env << "=" << value;
    ::unsetenv(env);
  }
}

TEST_F(ConfigTest, AcceptsEveryBooleanSpelling) {
  for (const char* yes : {"true", "1", "yes"}) {
    set_env("PLAZA_TRUST_PROXY", yes);
    EXPECT_TRUE(load_config("", {}).trust_proxy) << yes;
  }
  for (const char* no : {"false", "0", "no"}) {
    set_env("PLAZA_ACCESS_LOG", no);
    EXPECT_FALSE(load_config("", {}).access_log) << no;
  }
}

TEST_F(ConfigTest, RefusesUnknownKeysInTheFile) {
  auto file = write_file("typo.toml", "listen = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n");
  auto err = error_of(file);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("unknown setting 'listen_adress'"), std::string::npos) << *err;
}

TEST_F(ConfigTest, RefusesUnknownFlags) {
  auto err = error_of("", {{"no_such_setting", "1"}});
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("no_such_setting"), std::string::npos) << *err;
}

TEST_F(ConfigTest, RefusesTablesAndArraysInTheFile) {
  auto file = write_file("nested.toml", "web_dir = [\"a\", \"b\"]\n");
  auto err = error_of(file);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("web_dir"), std::string::npos) << *err;
}

TEST_F(ConfigTest, ReportsTomlSyntaxErrorsWithThePath) {
  auto file = write_file("broken.toml", "listen = \"unterminated\n");
  auto err = error_of(file);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("broken.toml"), std::string::npos) << *err;
}

TEST_F(ConfigTest, ReportsAMissingFile) {
  EXPECT_TRUE(error_of((dir_ / "absent.toml").string()).has_value());
}

TEST(ConfigSettings, EachSettingHasOneNameUsedThreeWays) {
  std::set<std::string> names;
  for (const auto& s : all_settings()) {
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate " << s.name;
    std::string env = "PLAZA_", flag;
    for (char ch : s.name) {
      env.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
      flag.push_back(ch == '_' ? '-' : ch);
    }
    EXPECT_EQ(s.env, env);
    EXPECT_EQ(s.flag, flag);
    EXPECT_FALSE(s.help.empty()) << s.name;
  }
  EXPECT_TRUE(names.count("listen") && names.count("database_url") && names.count("password_cost"));
}

}  // namespace
}  // namespace plaza
