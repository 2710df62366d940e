#include "config/config.hpp"

#include "core/money.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <functional>

namespace plaza {

namespace {

using Setter = std::function<std::string(Config&, const std::string&)>;  // returns an error or ""

struct Setting {
  SettingInfo info;
  Setter set;
};

template <class Int>
Setter int_setting(Int Config::*member, Int min, Int max) {
  return [=](Config& c, const std::string& v) -> std::string {
    Int out{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size()) return "'" + v + "' is not a whole number";
    if (out < min || out > max) return "'" + v + "' is outside " + std::to_string(min) + ".." + std::to_string(max);
    c.*member = out;
    return "";
  };
}

Setter bool_setting(bool Config::*member) {
  return [=](Config& c, const std::string& v) -> std::string {
    if (v == "true" || v == "1" || v == "yes")
      c.*member = true;
    else if (v == "false" || v == "0" || v == "no")
      c.*member = false;
    else
      return "'" + v + "' is not true or false";
    return "";
  };
}

Setter string_setting(std::string Config::*member, std::function<std::string(const std::string&)> check = {}) {
  return [=](Config& c, const std::string& v) -> std::string {
    if (check) {
      if (auto err = check(v); !err.empty()) return err;
    }
    c.*member = v;
    return "";
  };
}

std::string check_listen(const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "'" + v + "' is not host:port";
  int port = -1;
  auto [p, ec] = std::from_chars(v.data() + colon + 1, v.data() + v.size(), port);
  if (ec != std::errc() || p != v.data() + v.size() || port < 0 || port > 65535)
    return "'" + v + "' has no valid port (0-65535)";
  return "";
}

std::string check_database_url(const std::string& v) {
  if (v.empty() || v.starts_with("sqlite:") || v.starts_with("postgresql://") || v.starts_with("postgres://"))
    return "";
  return "'" + v + "' must start with sqlite: or postgresql://";
}

std::string check_one_of(const std::string& v, std::initializer_list<const char*> options) {
  std::string list;
  for (const char* o : options) {
    if (v == o) return "";
    list += list.empty() ? o : std::string(", ") + o;
  }
  return "'" + v + "' must be one of: " + list;
}

Setting make(std::string name, std::string help, Setter set) {
  std::string env = "PLAZA_";
  std::string flag;
  for (char ch : name) {
    env.push_back(ch == '_' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    flag.push_back(ch == '_' ? '-' : ch);
  }
  return {{std::move(name), std::move(env), std::move(flag), std::move(help)}, std::move(set)};
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> kSettings = {
      make("listen", "address to listen on, host:port (port 0 picks a free port)",
           string_setting(&Config::listen, check_listen)),
      make("data_dir", "folder for the SQLite database, uploads and generated keys", string_setting(&Config::data_dir)),
      make("database_url", "sqlite:PATH or postgresql://... (default sqlite:<data_dir>/plaza.db)",
           string_setting(&Config::database_url, check_database_url)),
      make("web_dir", "folder of the built web app", string_setting(&Config::web_dir)),
      make("public_url", "the site's address as users see it, for links in logs and mails",
           string_setting(&Config::public_url)),
      make("io_threads", "I/O threads (0: one per core)", int_setting(&Config::io_threads, 0, 256)),
      make("db_threads", "threads for blocking database and hashing work", int_setting(&Config::db_threads, 1, 256)),
      make("db_pool_size", "PostgreSQL connections / SQLite reader connections",
           int_setting(&Config::db_pool_size, 1, 512)),
      make("cookie_secure", "mark cookies Secure (set when served over HTTPS)", bool_setting(&Config::cookie_secure)),
      make("session_ttl_hours", "how long a sign-in lasts", int_setting(&Config::session_ttl_hours, 1, 24 * 365)),
      make("shutdown_grace_seconds", "time in-flight requests get to finish on SIGTERM",
           int_setting(&Config::shutdown_grace_seconds, 0, 3600)),
      make("header_timeout_ms", "time allowed for a request's head to arrive",
           int_setting(&Config::header_timeout_ms, 50, 600'000)),
      make("body_timeout_ms", "time allowed for a request's body to arrive",
           int_setting(&Config::body_timeout_ms, 50, 3'600'000)),
      make("idle_timeout_seconds", "keep-alive connections idle this long are closed",
           int_setting(&Config::idle_timeout_seconds, 1, 3600)),
      make("max_header_bytes", "largest accepted request head", int_setting(&Config::max_header_bytes, 1024, 1 << 20)),
      make("max_body_bytes", "largest accepted body on /api",
           int_setting<int64_t>(&Config::max_body_bytes, 1024, int64_t{1} << 32)),
      make("max_v1_body_bytes", "largest accepted body on /v1",
           int_setting<int64_t>(&Config::max_v1_body_bytes, 1024, int64_t{1} << 32)),
      make("password_cost", "argon2id cost: interactive, moderate (min is for tests)",
           string_setting(&Config::password_cost,
                          [](const std::string& v) {
                            return check_one_of(v, {"interactive", "moderate", "min"});
                          })),
      make("access_log", "write a JSON access log line per request", bool_setting(&Config::access_log)),
      make("log_level", "trace, debug, info, warn, error",
           string_setting(&Config::log_level,
                          [](const std::string& v) {
                            return check_one_of(v, {"trace", "debug", "info", "warn", "error"});
                          })),
      make("trust_proxy", "take the client address from X-Forwarded-For (only behind a proxy you run)",
           bool_setting(&Config::trust_proxy)),
      make("api_rate_per_minute", "requests per minute per client address on /api and /v1",
           int_setting(&Config::api_rate_per_minute, 1, 10'000'000)),
      make("secret_key",
           "base64 of 32 bytes that seals channel keys; all instances need the same one "
           "(default: generated in <data_dir>/secret.key)",
           string_setting(&Config::secret_key)),
      make("tokenizer_dir", "folder with tiktoken's o200k_base.json and cl100k_base.json",
           string_setting(&Config::tokenizer_dir)),
      make("timezone", "the operator's timezone, e.g. Asia/Shanghai (usage days, settlement)",
           string_setting(&Config::timezone)),
      make("stream_heartbeat_seconds", "SSE keep-alive comment interval while an upstream is silent",
           int_setting(&Config::stream_heartbeat_seconds, 1, 600)),
      make("relay_max_attempts", "channels tried per request before giving up",
           int_setting(&Config::relay_max_attempts, 1, 20)),
      make("max_request_seconds",
           "a chat request's time limit, failover included: an answer still going then ends as timed out",
           int_setting(&Config::max_request_seconds, 1, 86'400)),
      make("channel_refresh_ms", "how often each instance reloads channels from the database",
           int_setting(&Config::channel_refresh_ms, 100, 600'000)),
      make("api_key_cache_ms", "how long an instance trusts an API key it has read (0: read it on every request)",
           int_setting(&Config::api_key_cache_ms, 0, 600'000)),
      make("probe_interval_seconds", "how often automatically disabled channel keys are probed",
           int_setting(&Config::probe_interval_seconds, 1, 86'400)),
      make("billing", "charge requests for their models (turn off only to measure billing's cost)",
           bool_setting(&Config::billing)),
      make("deduction_order", "the order funding sources pay for a request: subscription,count_pack,paid,gift",
           string_setting(&Config::deduction_order,
                          [](const std::string& v) -> std::string {
                            try {
                              money::parse_deduction_order(v);
                              return {};
                            } catch (const std::invalid_argument& e) {
                              return e.what();
                            }
                          })),
      make("hold_ttl_seconds", "how long a request's holds live before the reaper voids them (after a crash)",
           int_setting(&Config::hold_ttl_seconds, 1, 7 * 86'400)),
      make("reaper_interval_seconds", "how often expired holds are voided and due subscriptions renewed",
           int_setting(&Config::reaper_interval_seconds, 1, 86'400)),
      make("lease_seconds",
           "how long an instance's lease on a user's credits funds non-streamed API calls without a hold each (0: "
           "every call places its own hold)",
           int_setting(&Config::lease_seconds, 0, 3600)),
      make("lease_idle_seconds", "a lease on a user's credits is given back after this long without a call",
           int_setting(&Config::lease_idle_seconds, 1, 3600)),
      make("signup_gift", "gift credits (in µc) every new account starts with",
           int_setting(&Config::signup_gift, int64_t{0}, int64_t{1} << 50)),
      make("app_stats_interval_seconds", "how often the app square's uses and trending scores are recomputed",
           int_setting(&Config::app_stats_interval_seconds, 1, 86'400)),
      make("upload_unused_seconds",
           "how long an uploaded image that no app or model names is kept before the clean-up removes it",
           int_setting(&Config::upload_unused_seconds, 1, 365 * 86'400)),
      make("upload_cleanup_interval_seconds", "how often unused uploaded images are removed",
           int_setting(&Config::upload_cleanup_interval_seconds, 1, 86'400)),
      make("payment_reconcile_interval_seconds",
           "how often pending top-ups are looked up at the payment provider (fulfilled when paid, expired when over)",
           int_setting(&Config::payment_reconcile_interval_seconds, 1, 86'400)),
      make("currency", "the currency shown next to credits (ISO code, e.g. CNY, USD)",
           string_setting(&Config::currency,
                          [](const std::string& v) -> std::string {
                            bool ok = v.size() == 3;
                            for (char ch : v) ok = ok && ch >= 'A' && ch <= 'Z';
                            return ok ? "" : "'" + v + "' is not a three-letter currency code";
                          })),
      make("credits_per_currency_unit", "how many credits one unit of the currency buys (display only)",
           int_setting(&Config::credits_per_currency_unit, int64_t{1}, int64_t{1'000'000})),
      make("creator_share_ppm", "creators' share (ppm) of surcharges and unlocks paid from paid credits",
           int_setting(&Config::creator_share_ppm, int64_t{0}, int64_t{1'000'000})),
      make("subscription_pool_ppm", "share (ppm) of a subscriber's daily plan value shared among the apps they used",
           int_setting(&Config::subscription_pool_ppm, int64_t{0}, int64_t{1'000'000})),
      make("pack_pool_ppm", "share (ppm) of the paid credits spent on an app's model costs that its creator earns",
           int_setting(&Config::pack_pool_ppm, int64_t{0}, int64_t{1'000'000})),
      make("clearing_days", "days pending creator earnings wait (for freezes and reversals) before they are available",
           int_setting(&Config::clearing_days, 0, 365)),
      make("payout_minimum", "the smallest payout (µc) a creator may request; 0: any amount",
           int_setting(&Config::payout_minimum, int64_t{0}, int64_t{1} << 50)),
      make("settlement_hour", "local hour (0-23, operator timezone) after which the previous day is settled",
           int_setting(&Config::settlement_hour, 0, 23)),
      make("settlement_batch_users", "users settled per transaction (smaller: shorter write locks)",
           int_setting(&Config::settlement_batch_users, 1, 1'000'000)),
      make("settlement_lease_seconds", "how long a settling instance's lease on a day lasts without progress",
           int_setting(&Config::settlement_lease_seconds, 5, 86'400)),
      make("settlement_interval_seconds", "how often each instance checks for a day to settle and earnings to clear",
           int_setting(&Config::settlement_interval_seconds, 1, 86'400)),
      make("login_failures_before_backoff", "failed sign-ins per address or username before waiting is required",
           int_setting(&Config::login_failures_before_backoff, 1, 1000)),
  };
  return kSettings;
}

void apply(Config& c, const Setting& s, const std::string& value, const std::string& source) {
  if (auto err = s.set(c, value); !err.empty())
    throw ConfigError("configuration: " + source + ": " + err + " (" + s.info.help + ")");
}

std::string toml_to_string(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  if (auto i = node.value<int64_t>()) return std::to_string(*i);
  return "\x01";  // not a scalar we accept; the setter rejects it with the setting's name
}

}  // namespace

const std::vector<SettingInfo>& all_settings() {
  static const std::vector<SettingInfo> kInfos = [] {
    std::vector<SettingInfo> out;
    for (const auto& s : settings()) out.push_back(s.info);
    return out;
  }();
  return kInfos;
}

std::string Config::effective_database_url() const {
  return database_url.empty() ? "sqlite:" + data_dir + "/plaza.db" : database_url;
}

std::string Config::effective_public_url() const {
  if (!public_url.empty()) return public_url;
  return "http://" + listen;
}

Config load_config(const std::string& file, const std::map<std::string, std::string>& flags) {
  Config c;
  std::string path = file;
  if (path.empty() && std::filesystem::exists("plaza.toml")) path = "plaza.toml";
  if (!path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      throw ConfigError("configuration: " + path + ": " + std::string(e.description()));
    }
    for (auto&& [key, node] : table) {
      const Setting* found = nullptr;
      for (const auto& s : settings())
        if (s.info.name == key.str()) found = &s;
      if (!found) throw ConfigError("configuration: " + path + ": unknown setting '" + std::string(key.str()) + "'");
      std::string value = toml_to_string(node);
      if (value == "\x01")
        throw ConfigError("configuration: " + path + ": " + found->info.name + " must be a string, number or boolean");
      apply(c, *found, value, path + ": " + found->info.name);
    }
  }
  for (const auto& s : settings()) {
    if (const char* v = std::getenv(s.info.env.c_str())) apply(c, s, v, s.info.env);
  }
  for (const auto& [name, value] : flags) {
    bool known = false;
    for (const auto& s : settings()) {
      if (s.info.name == name) {
        apply(c, s, value, "--" + s.info.flag);
        known = true;
      }
    }
    if (!known) throw ConfigError("configuration: unknown setting '" + name + "'");
  }
  if (c.effective_database_url().starts_with("sqlite:") && c.effective_database_url().size() == 7)
    throw ConfigError("configuration: database_url: sqlite: needs a file path");
  return c;
}

}  // namespace plaza
