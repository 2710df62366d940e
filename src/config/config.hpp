#pragma once
// Site configuration: plaza.toml, overridden by PLAZA_* environment variables, overridden by flags.
// Every setting has one name used three ways: `data_dir` in the file, PLAZA_DATA_DIR in the
// environment, --data-dir on the command line.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace plaza {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  std::string database_url;  // empty: sqlite:<data_dir>/plaza.db
  std::string web_dir = "./web/dist";
  std::string public_url;  // empty: http://<listen>
  int io_threads = 0;      // 0: one per core
  int db_threads = 8;      // threads that run blocking database and hashing work
  int db_pool_size = 8;    // PostgreSQL connections, SQLite readers
  bool cookie_secure = false;
  int session_ttl_hours = 720;
  int shutdown_grace_seconds = 10;
  int header_timeout_ms = 10'000;  // the whole request head must arrive within this
  int body_timeout_ms = 30'000;    // the body must arrive within this
  int idle_timeout_seconds = 60;   // keep-alive connections with no request are closed after this
  int max_header_bytes = 16 * 1024;
  int64_t max_body_bytes = 1024 * 1024;         // /api routes
  int64_t max_v1_body_bytes = 8 * 1024 * 1024;  // /v1 routes (images inline in chat requests)
  std::string password_cost = "interactive";    // interactive | moderate | min (tests only)
  bool access_log = true;
  std::string log_level = "info";
  bool trust_proxy = false;        // take the client address from X-Forwarded-For
  int api_rate_per_minute = 1200;  // per client address, over /api and /v1
  int login_failures_before_backoff = 5;
  std::string secret_key;        // base64 of 32 bytes; empty: <data_dir>/secret.key (generated)
  std::string tokenizer_dir;     // tiktoken encoder files; empty: found next to the install
  std::string timezone = "UTC";  // the operator's timezone (usage days, settlement)
  int stream_heartbeat_seconds = 15;
  int relay_max_attempts = 3;
  int max_request_seconds = 1200;  // a relayed request's time limit (shorter than hold_ttl_seconds)
  int channel_refresh_ms = 5000;
  int api_key_cache_ms = 5000;  // how long a read key is trusted (other instances announce changes: store/changes.hpp)
  int probe_interval_seconds = 60;
  bool billing = true;  // charge requests (off only to measure what billing costs)
  std::string deduction_order = "subscription,count_pack,paid,gift";
  int hold_ttl_seconds = 1800;       // a request's holds expire after this (longer than any request runs)
  int reaper_interval_seconds = 60;  // how often expired holds are voided and subscriptions renewed
  int lease_seconds = 10;            // an instance's lease on a user's credits takes API calls this long (0: none)
  int lease_idle_seconds = 2;        // ... and is given back after this long without a call
  int64_t signup_gift = 0;           // gift µc each new account starts with
  int app_stats_interval_seconds = 300;
  int upload_unused_seconds = 7 * 86'400;  // uploaded images no app or model named by then are removed
  int upload_cleanup_interval_seconds = 3600;
  std::string currency = "CNY";            // the money users pay in, for display next to credits
  int64_t credits_per_currency_unit = 10;  // e.g. 10 credits = 1 CNY
  int payment_reconcile_interval_seconds = 60;  // how often pending top-ups are looked up at Stripe
  // Creator revenue (DESIGN, creator earnings); shares in parts per million.
  int64_t creator_share_ppm = 700'000;      // of surcharges and unlocks paid from paid credits
  int64_t subscription_pool_ppm = 100'000;  // of a subscriber's daily plan value
  int64_t pack_pool_ppm = 100'000;          // of the paid credits a user spends on an app's model costs
  int clearing_days = 7;                    // pending earnings become available after this many days
  int64_t payout_minimum = 0;               // µc: the smallest payout a creator may ask for (0: any)
  int settlement_hour = 4;                  // local hour after which yesterday is settled
  int settlement_batch_users = 5000;        // users per settlement transaction
  int settlement_lease_seconds = 120;       // a settling instance's lease, renewed by every batch
  int settlement_interval_seconds = 60;     // how often an instance checks whether a day is due

  std::string effective_database_url() const;
  std::string effective_public_url() const;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SettingInfo {
  std::string name;  // file key
  std::string env;   // environment variable
  std::string flag;  // command-line flag without dashes
  std::string help;
};
const std::vector<SettingInfo>& all_settings();

// Loads the file (when `file` is non-empty, or ./plaza.toml exists), then the environment, then
// `flags` (setting name -> value). Throws ConfigError naming the setting that is wrong.
Config load_config(const std::string& file, const std::map<std::string, std::string>& flags);

}  // namespace plaza
