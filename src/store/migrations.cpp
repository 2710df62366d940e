#include "store/migrations.hpp"

#include <chrono>

#include "store/schema.hpp"

namespace plaza::store {

namespace {

// Column types differ only in the identity columns, and a few lines are for PostgreSQL only; the
// rest is written once.
std::string for_dialect(std::string sql, Dialect d) {
  auto replace_all = [&](std::string_view from, std::string_view to) {
    for (std::size_t pos = 0; (pos = sql.find(from, pos)) != std::string::npos; pos += to.size())
      sql.replace(pos, from.size(), to);
  };
  replace_all("@ID@", d == Dialect::sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  // "--pg: STATEMENT" lines run on PostgreSQL only, "--sqlite: STATEMENT" on SQLite only.
  replace_all("--pg: ", d == Dialect::postgres ? "" : "-- ");
  replace_all("--sqlite: ", d == Dialect::sqlite ? "" : "-- ");
  return sql;
}

Migration both(int version, std::string name, const std::string& sql) {
  return {version, std::move(name), for_dialect(sql, Dialect::sqlite), for_dialect(sql, Dialect::postgres)};
}

const char* kFoundation = R"SQL(
CREATE TABLE users (
  id @ID@,
  username TEXT NOT NULL,
  username_lower TEXT NOT NULL UNIQUE,
  email TEXT,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  user_group TEXT NOT NULL DEFAULT 'default',
  banned INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX users_role ON users (role);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_keys (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  secret_start TEXT NOT NULL,
  secret_end TEXT NOT NULL,
  models TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
  id @ID@,
  actor_id BIGINT,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (created_at);
)SQL";

const char* kRelay = R"SQL(
CREATE TABLE channels (
  id @ID@,
  type TEXT NOT NULL CHECK (type IN ('openai', 'anthropic')),
  name TEXT NOT NULL,
  base_url TEXT NOT NULL,
  models TEXT NOT NULL DEFAULT '[]',
  user_groups TEXT NOT NULL DEFAULT '[]',
  priority INTEGER NOT NULL DEFAULT 0,
  weight INTEGER NOT NULL DEFAULT 1,
  enabled INTEGER NOT NULL DEFAULT 1,
  auto_disabled INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT NOT NULL DEFAULT '',
  connect_timeout_ms INTEGER NOT NULL DEFAULT 10000,
  first_byte_timeout_ms INTEGER NOT NULL DEFAULT 60000,
  idle_timeout_ms INTEGER NOT NULL DEFAULT 60000,
  proxy TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE channel_keys (
  id @ID@,
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  sealed TEXT NOT NULL,
  hint TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX channel_keys_channel ON channel_keys (channel_id);

CREATE TABLE models (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  icon TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  context_length INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE usage_events (
  id @ID@,
  request_id TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  day TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  api_key_id BIGINT,
  surface TEXT NOT NULL CHECK (surface IN ('web', 'api')),
  model TEXT NOT NULL,
  channel_id BIGINT,
  app_id BIGINT,
  app_owner_id BIGINT,
  app_kind TEXT,
  market_model_id BIGINT,
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  cached_tokens BIGINT NOT NULL DEFAULT 0,
  tokens_reported INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  error_code TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 1,
  latency_ms BIGINT NOT NULL DEFAULT 0,
  ttft_ms BIGINT
);
CREATE INDEX usage_events_user_time ON usage_events (user_id, created_at);
CREATE INDEX usage_events_day ON usage_events (day);

CREATE TABLE conversations (
  id @ID@,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  model TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX conversations_user ON conversations (user_id, updated_at);

CREATE TABLE messages (
  id @ID@,
  conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  prompt_tokens BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'ok',
  request_id TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
)SQL";

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

int current_version(Conn& c) {
  auto row = c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return static_cast<int>(row->i64(0));
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kAll = {both(1, "foundation", kFoundation),
                                              both(2, "relay", kRelay),
                                              both(3, "billing", schema::kBilling),
                                              both(4, "apps", schema::kApps),
                                              both(5, "earnings", schema::kEarnings),
                                              both(6, "search", schema::kSearch),
                                              both(7, "usage-indexes", schema::kUsageIndexes),
                                              both(8, "app-usage", schema::kAppUsage),
                                              both(9, "usage-by-user", schema::kUsageByUser),
                                              both(10, "login-failures", schema::kLoginFailures),
                                              both(11, "job-indexes", schema::kJobIndexes),
                                              both(12, "app-paying", schema::kAppPaying),
                                              both(13, "answer-lease", schema::kAnswerLease),
                                              both(14, "subscription-source", schema::kSubscriptionSource),
                                              both(15, "uploads", schema::kUploads),
                                              both(16, "rollup-in-writer", schema::kRollupInWriter),
                                              both(17, "upload-files", schema::kUploadFiles),
                                              both(18, "channel-answer-length", schema::kChannelAnswerLength),
                                              both(19, "message-left-out", schema::kMessageLeftOut),
                                              both(20, "message-images", schema::kMessageImages),
                                              both(21, "model-image-tokens", schema::kModelImageTokens),
                                              both(22, "model-reads-images", schema::kModelReadsImages),
                                              both(23, "message-images-left-out", schema::kMessageImagesLeftOut),
                                              both(24, "model-position", schema::kModelPosition),
                                              both(25, "usage-error-detail", schema::kUsageErrorDetail),
                                              both(26, "channel-names", schema::kChannelNames),
                                              both(27, "wallet-ops", schema::kWalletOps),
                                              both(28, "pack-limit", schema::kPackLimit),
                                              both(29, "payments", schema::kPayments)};
  return kAll;
}

int latest_schema_version() {
  return migrations().back().version;
}

int schema_version(Database& db) {
  return db.write_sync([](Conn& c) {
    c.exec_script(kCreateVersionTable);
    return current_version(c);
  });
}

int migrate(Database& db, int up_to) {
  int applied = 0;
  // Every pass re-reads the version under the lock, so instances migrating together apply each step once.
  for (const auto& m : migrations()) {
    if (m.version > up_to) break;
    bool did = db.write_sync([&](Conn& c) {
      // Instances starting together over PostgreSQL take turns; SQLite's BEGIN IMMEDIATE already does.
      if (c.dialect() == Dialect::postgres) c.exec("SELECT pg_advisory_xact_lock(7263001)");
      c.exec_script(kCreateVersionTable);
      int version = current_version(c);
      if (version > latest_schema_version())
        throw DatabaseError("the database schema is version " + std::to_string(version) +
                            ", newer than this plaza binary knows (" + std::to_string(latest_schema_version()) +
                            "); run a newer plaza");
      if (version >= m.version) return false;
      c.exec_script(c.dialect() == Dialect::sqlite ? m.sqlite : m.postgres);
      c.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
             {int64_t{m.version}, m.name, now_s()});
      return true;
    });
    if (did) ++applied;
  }
  return applied;  // a newer database was refused by the first pass of the loop
}

}  // namespace plaza::store
