// The plaza command line: serve, migrate, admin create, doctor. Only wiring lives here.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "api/site.hpp"
#include "config/config.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/tokenizer.hpp"
#include "crypto/crypto.hpp"
#include "http/server.hpp"
#include "jobs/scheduler.hpp"
#include "plaza/version.hpp"
#include "services/images.hpp"
#include "store/apps_repo.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/earnings_repo.hpp"
#include "store/ledger_repo.hpp"
#include "store/migrations.hpp"
#include "store/serving_lock.hpp"
#include "store/sessions_repo.hpp"

namespace {

using namespace plaza;

std::unique_ptr<store::Database> open_db(const Config& c) {
  return store::open_database(c.effective_database_url(), c.db_pool_size, c.db_threads);
}

// `plaza migrate`: not while a server uses a SQLite database (see ServingLock); a new server
// migrates the database itself when it starts.
int migrate_command(const Config& c, store::Database& db) {
  if (store::schema_version(db) < store::latest_schema_version() &&
      store::ServingLock::held(c.effective_database_url()))
    throw store::DatabaseError(
        "a running plaza serve uses this database, and this plaza would migrate it: stop the "
        "server first (a new server migrates the database when it starts)");
  return store::migrate(db);
}

// The other commands (settle, admin create) set up a new database but upgrade none: an older server
// may still be writing to it (servers from before ServingLock hold no lock to tell).
void migrate_if_new(store::Database& db) {
  int version = store::schema_version(db);
  if (version > 0 && version < store::latest_schema_version())
    throw store::DatabaseError("the database schema is version " + std::to_string(version) +
                               ", older than this plaza (" + std::to_string(store::latest_schema_version()) +
                               "): run `plaza migrate` or start `plaza serve` first");
  store::migrate(db);
}

std::string redact(const std::string& url) {
  // postgresql://user:secret@host/db -> postgresql://user:***@host/db
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// Pending top-ups looked up at Stripe per run: each is one call to Stripe, so a backlog drains over
// several runs rather than in one burst.
constexpr int64_t kPaymentReconcileBatch = 20;

// Automatically disabled channel keys come back when their upstream accepts them again.
boost::asio::awaitable<void> probe_channels(api::Site* site) {
  int revived = co_await site->channel_admin.probe_disabled();
  if (revived) spdlog::info("channel probe: {} key(s) enabled again", revived);
}

// After a crash, holds nobody will settle expire; the reaper voids them. Subscriptions that renew
// themselves are renewed here too. Both are idempotent, so every instance may run them.
boost::asio::awaitable<void> reap_and_renew(api::Site* site) {
  int64_t now = site->clock.now_s();
  int reaped = co_await store::write(site->db, [&](store::Conn& c) { return billing::reap_expired(c, now, 1000); });
  if (reaped) spdlog::warn("hold reaper: voided the holds of {} request(s) that never settled", reaped);
  int renewed = co_await site->wallet.renew_due(now);
  if (renewed) spdlog::info("subscriptions renewed: {}", renewed);
  // Sign-ins that ended: nothing else removes them, and the table would grow with every sign-in.
  co_await store::write(site->db, [&](store::Conn& c) { return store::sessions::remove_expired(c, now); });
}

// Leases on users' credits that are done (old, idle) give back what they hold.
boost::asio::awaitable<void> sweep_leases(api::Site* site) {
  site->meter.sweep_leases();
  co_return;
}

// Settles yesterday's creator earnings once the hour has come, resumes runs of crashed instances
// and clears what is due, on the settlement's own thread (a day may take a while).
boost::asio::awaitable<void> settlement_tick(api::Site* site) {
  site->settlement.enqueue("", false);
  co_return;
}

// Top-ups paid without a webhook (none configured, or lost) are credited; those nobody will pay expire.
boost::asio::awaitable<void> reconcile_payments(api::Site* site) {
  int looked = co_await site->payments.reconcile(kPaymentReconcileBatch);
  if (looked) spdlog::debug("payments: looked up {} pending order(s) at Stripe", looked);
}

// Uploaded images nothing named go, and so do this instance's copies of images gone.
boost::asio::awaitable<void> clean_up_uploads(api::Site* site) {
  int64_t now = site->clock.now_s();
  auto folder = services::images::folder(site->config.data_dir);
  int64_t unused = site->config.upload_unused_seconds;
  int64_t removed = co_await store::run_on_pool(
      site->db, [site, &folder, now, unused] { return services::images::clean_up(site->db, folder, now, unused); });
  if (removed) spdlog::info("uploads: removed {} image(s) that no app or model used", removed);
}

// Uses and trending scores of the square, recomputed from the usage events.
boost::asio::awaitable<void> refresh_app_stats(api::Site* site) {
  int64_t now = site->clock.now_s();
  co_await site->apps.refresh_stats(now);
}

// The id in a topic such as "user:42".
std::optional<int64_t> id_after(std::string_view topic, std::string_view prefix) {
  int64_t id = 0;
  if (!topic.starts_with(prefix)) return std::nullopt;
  auto [end, ec] = std::from_chars(topic.data() + prefix.size(), topic.data() + topic.size(), id);
  if (ec != std::errc() || end != topic.data() + topic.size()) return std::nullopt;
  return id;
}

// What another instance changed, heard through the database: the caches that hold it read it again.
void heard_change(api::Site& site, const std::string& topic) {
  bool all = topic == "*";  // (re)connected: whatever was announced meanwhile is unknown
  if (all || topic == "channels") site.channels.invalidate();
  if (all || topic == "prices") site.meter.prices().invalidate();
  if (all) {
    site.keys.forget_all();
    site.meter.retire_all_leases();
  } else if (auto user = id_after(topic, "user:")) {
    site.keys.forget_user(*user);
  } else if (auto wallet = id_after(topic, "wallet:")) {
    site.meter.retire_lease(*wallet);
  }
}

int serve(const Config& config) {
  std::filesystem::create_directories(config.data_dir);
  store::ServingLock serving(config.effective_database_url());
  auto db = open_db(config);
  int applied = store::migrate(*db);
  spdlog::info("database {} at schema version {} ({} applied now)", redact(config.effective_database_url()),
               store::latest_schema_version(), applied);

  SystemClock clock;
  // Images taken before the database held them are in this instance's folder only.
  auto uploads = services::images::folder(config.data_dir);
  if (int64_t copied = services::images::import_folder(*db, uploads, clock.now_s()))
    spdlog::info("uploads: copied {} images from {} into the database", copied, uploads.string());
  api::Site site(config, *db, clock);
  // Several instances share a PostgreSQL database: each hears the others' changes at once.
  std::unique_ptr<store::ChangeListener> changes;
  if (db->dialect() == store::Dialect::postgres)
    changes = std::make_unique<store::ChangeListener>(config.effective_database_url(),
                                                      [&site](const std::string& topic) { heard_change(site, topic); });
  db->write_sync([&](store::Conn& c) {
    services::Apps::seed_system_apps(c, clock.now_s());
    site.apps.refresh_stats(c, clock.now_s());  // leaderboards and scores before the first request
  });
  if (site.static_files.file_count() == 0)
    spdlog::warn("no web app in {}: build it with `make run` (or `npm run build` in web/)", config.web_dir);
  http::Router router;
  auto metrics = api::register_routes(router, site);

  auto colon = config.listen.rfind(':');
  http::ServerOptions opts;
  opts.host = config.listen.substr(0, colon);
  opts.port = static_cast<uint16_t>(std::stoi(config.listen.substr(colon + 1)));
  opts.threads = config.io_threads;
  opts.max_header_bytes = static_cast<std::size_t>(config.max_header_bytes);
  opts.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
  opts.body_timeout = std::chrono::milliseconds(config.body_timeout_ms);
  opts.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  opts.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  opts.access_log = config.access_log;
  opts.trust_proxy = config.trust_proxy;
  opts.open_cors_prefix = "/v1/";  // the OpenAI-compatible API: browser apps call it with their users' keys
  http::Server server(opts, router, *metrics);
  uint16_t port;
  try {
    port = server.listen();
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}: {}", config.listen, e.what());
    return 1;
  }
  std::string base = config.public_url.empty() ? "http://" + opts.host + ":" + std::to_string(port) : config.public_url;
  // Links built from it (a payment's return page, the webhook address) name the bound port.
  if (config.public_url.empty()) site.payments.set_public_url(base);
  if (auto token = site.accounts.issue_setup_token_sync())
    spdlog::warn(
        "this site has no administrator yet: open {}/setup?token={} to create one "
        "(or run `plaza admin create`)",
        base, *token);
  spdlog::info("plaza {} listening on http://{}:{}", kVersion, opts.host, port);
  jobs::Scheduler scheduler;
  scheduler.every("channel-probe", std::chrono::seconds(config.probe_interval_seconds),
                  [&site]() { return probe_channels(&site); });
  scheduler.every("hold-reaper", std::chrono::seconds(config.reaper_interval_seconds),
                  [&site]() { return reap_and_renew(&site); });
  scheduler.every("lease-sweep", std::chrono::seconds(1), [&site]() { return sweep_leases(&site); });
  scheduler.every("app-stats", std::chrono::seconds(config.app_stats_interval_seconds),
                  [&site]() { return refresh_app_stats(&site); });
  scheduler.every("settlement", std::chrono::seconds(config.settlement_interval_seconds),
                  [&site]() { return settlement_tick(&site); });
  scheduler.every("payment-reconcile", std::chrono::seconds(config.payment_reconcile_interval_seconds),
                  [&site]() { return reconcile_payments(&site); });
  scheduler.every("upload-cleanup", std::chrono::seconds(config.upload_cleanup_interval_seconds),
                  [&site]() { return clean_up_uploads(&site); });
  scheduler.start(server.executor());
  server.on_shutdown([&scheduler] { scheduler.stop(); });
  server.run();
  changes.reset();                // nothing heard from here on reaches the writer or the log once they stop
  site.upstream.close_idle();     // its sockets belong to the server's event loops
  site.meter.sweep_leases(true);  // every call is over: the leases' holds are voided before the writer stops
  // Threads that complete work onto the server's event loops must be gone before they are: a pool
  // thread may still hold a copy of a connection's executor for a moment after handing back a result.
  site.group_writer.stop();
  site.settlement.stop();
  db->stop_pool();
  spdlog::info("stopped");
  spdlog::shutdown();  // flushes the access log
  return 0;
}

// Recomputes every balance from the transfers and every held amount from the pending holds.
int check_ledger(store::Database& db) {
  int problems = 0;
  int64_t now = SystemClock().now_s();
  // One snapshot: balances, transfers and holds added up while a server goes on writing agree.
  db.snapshot_sync([&](store::Conn& c) {
    auto drift = store::ledger::drift(c);
    int64_t sum = store::ledger::balance_sum(c);
    auto overdue = store::ledger::overdue_holds(c, now);
    std::cout << "ledger: "
              << (drift.empty() && sum == 0 ? "balances reconcile with the transfers (zero drift)" : "DRIFT FOUND")
              << "\n";
    for (const auto& d : drift) {
      std::cout << "  account " << d.account_id << " (" << d.kind << ", user " << d.user_id << "): balance "
                << d.stored_balance << " but transfers say " << d.computed_balance << "; held " << d.stored_held
                << " but pending holds say " << d.computed_held << "\n";
      ++problems;
    }
    if (sum != 0) {
      std::cout << "  the balances sum to " << sum << " instead of 0\n";
      ++problems;
    }
    auto mismatches = store::earnings::pending_mismatches(c);
    std::cout << "creator earnings: "
              << (mismatches.empty() ? "pending balances match the pending earnings rows" : "MISMATCH FOUND") << "\n";
    for (const auto& m : mismatches) {
      std::cout << "  creator " << m.owner_id << ": pending balance " << m.balance << " but pending rows sum to "
                << m.rows << "\n";
      ++problems;
    }
    auto pending = store::ledger::pending_holds(c);
    std::cout << "holds pending: " << pending.all << " (leases on credits: " << pending.leases << ")\n";
    std::cout << "holds past their expiry: " << overdue.size() << (overdue.empty() ? "" : " (the reaper voids them)")
              << "\n";
    for (const auto& h : overdue)
      std::cout << "  request " << h.request_id << " " << h.source << " " << h.amount << " expired at " << h.expires_at
                << "\n";
  });
  return problems;
}

int doctor(const Config& config) {
  int problems = 0;
  std::cout << "configuration: ok (listen " << config.listen << ", data_dir " << config.data_dir << ")\n";
  std::cout << "database: " << redact(config.effective_database_url()) << "\n";
  std::unique_ptr<store::Database> db;
  try {
    db = open_db(config);
    std::cout << "  reachable: yes\n";
  } catch (const std::exception& e) {
    std::cout << "  reachable: NO: " << e.what() << "\n";
    return 1;
  }
  int version = store::schema_version(*db);
  int latest = store::latest_schema_version();
  std::cout << "  schema version: " << version << " (this binary: " << latest << ")";
  if (version < latest) {
    std::cout << " — pending migrations: run `plaza migrate`";
    ++problems;
  } else if (version > latest) {
    std::cout << " — the database is NEWER than this binary: run a newer plaza";
    ++problems;
  }
  std::cout << "\n";
  if (version == latest) problems += check_ledger(*db);
  try {
    load_encoders(config.tokenizer_dir);
    std::cout << "tokenizer: o200k_base and cl100k_base loaded\n";
  } catch (const std::exception& e) {
    // Prompts and answers without reported usage would be counted (and billed) by an estimate.
    std::cout << "tokenizer: NOT loaded (" << e.what() << "): token counts are estimates (set tokenizer_dir)\n";
    ++problems;
  }
  if (!std::filesystem::exists(std::filesystem::path(config.web_dir) / "index.html"))
    std::cout << "web app: not built in " << config.web_dir << " (run `make run`)\n";
  std::cout << (problems ? "problems found: " + std::to_string(problems) : std::string("no problems found")) << "\n";
  return problems ? 1 : 0;
}

// plaza settle: one day's creator earnings under the day's lease, then clearing of what is due.
int settle(const Config& config, std::string day, bool rerun, bool take_over) {
  auto db = open_db(config);
  migrate_if_new(*db);
  SystemClock clock;
  services::Settlement settlement(*db, clock, services::earnings_options(config));
  if (day.empty()) day = add_days(local_day(clock.now_s() - services::kSettleAfterSeconds), -1);
  if (day >= local_day(clock.now_s() - services::kSettleAfterSeconds)) {
    std::cerr << "error: " << day << " did not end five minutes ago or more in " << config.timezone << "\n";
    return 2;
  }
  // Tests stop a run midway the way a crash would (the lease stays taken; a later run resumes).
  int64_t crash_after = 0;
  if (const char* v = std::getenv("PLAZA_SETTLE_CRASH_AFTER_BATCHES")) crash_after = std::atoll(v);
  auto report = settlement.settle_day(day, rerun, take_over, [crash_after](int64_t batches) {
    if (crash_after > 0 && batches >= crash_after) std::raise(SIGKILL);
  });
  switch (report.outcome) {
    case services::Settlement::Outcome::already_done:
      std::cout << day << " was settled before (--rerun adds only rows that are missing)\n";
      break;
    case services::Settlement::Outcome::busy:
      std::cout << day << " is being settled by another instance (its lease runs for up to "
                << config.settlement_lease_seconds << " s; --take-over if it is known dead)\n";
      return 75;
    case services::Settlement::Outcome::settled:
      std::cout << "settled " << day << ": " << report.batches << " batch(es), " << report.rows << " earnings row(s), "
                << money::format_credits(report.amount) << " credits\n";
      break;
  }
  int64_t cleared = settlement.clear_due();
  if (cleared) std::cout << "cleared " << cleared << " earnings row(s) into available\n";
  settlement.stop();
  db->stop_pool();
  return 0;
}

// The process's local time is the operator's timezone: days and the settlement hour follow it.
bool apply_timezone(const std::string& tz) {
  if (tz != "UTC" && !std::filesystem::exists("/usr/share/zoneinfo/" + tz)) return false;
  setenv("TZ", tz.c_str(), 1);
  tzset();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::init();
  CLI::App app{"Plaza: an LLM chat platform with an app square"};
  app.set_version_flag("--version", std::string("plaza ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // settings may follow the subcommand: plaza serve --listen ...
  app.footer("Every setting can also be set in plaza.toml (e.g. data_dir = \"...\") or as PLAZA_<NAME>.");
  std::string config_file;
  app.add_option("--config", config_file, "plaza.toml to read (default: ./plaza.toml when present)")
      ->envname("PLAZA_CONFIG");
  std::map<std::string, std::string> flags;
  std::map<std::string, std::string> flag_values;
  for (const auto& s : all_settings()) {
    app.add_option("--" + s.flag, flag_values[s.name], s.help + " [env " + s.env + "]")->group("Settings");
  }

  auto* serve_cmd = app.add_subcommand("serve", "Run the site (applies pending migrations first)");
  auto* migrate_cmd = app.add_subcommand("migrate", "Apply pending database migrations and exit");
  auto* doctor_cmd = app.add_subcommand("doctor", "Check the configuration, the database and its schema");
  auto* admin_cmd = app.add_subcommand("admin", "Administration tasks");
  admin_cmd->require_subcommand(1);
  auto* create_cmd = admin_cmd->add_subcommand("create", "Create an administrator (or promote an existing user)");
  std::string username, password;
  create_cmd->add_option("--username", username, "the administrator's username")->required();
  create_cmd->add_option("--password", password, "at least 8 characters (or PLAZA_ADMIN_PASSWORD)")
      ->envname("PLAZA_ADMIN_PASSWORD")
      ->required();

  auto* rebuild_cmd = admin_cmd->add_subcommand(
      "rebuild-rollup", "Rebuild the apps' roll-up of calls from the usage events (the square's uses and users)");
  auto* settle_cmd = app.add_subcommand(
      "settle", "Settle one day's creator earnings (exactly once: safe to rerun and to run on several instances)");
  std::string settle_day;
  bool rerun = false, take_over = false;
  settle_cmd->add_option("--day", settle_day, "YYYY-MM-DD in the operator's timezone (default: yesterday)");
  settle_cmd->add_flag("--rerun", rerun, "settle a finished day again (adds only missing rows)");
  settle_cmd->add_flag("--take-over", take_over, "take the day's lease from an instance known to be dead");

  CLI11_PARSE(app, argc, argv);

  for (const auto& s : all_settings()) {
    if (app.count("--" + s.flag)) flags[s.name] = flag_values[s.name];
  }
  Config config;
  try {
    config = load_config(config_file, flags);
  } catch (const ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (!apply_timezone(config.timezone)) {
    std::cerr << "configuration: timezone: unknown timezone '" << config.timezone << "'\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::flush_every(std::chrono::seconds(1));  // the access log is buffered

  try {
    if (*serve_cmd) return serve(config);
    if (*doctor_cmd) return doctor(config);
    if (*settle_cmd) return settle(config, settle_day, rerun, take_over);
    if (*migrate_cmd) {
      auto db = open_db(config);
      int applied = migrate_command(config, *db);
      std::cout << "applied " << applied << " migration(s); schema version " << store::schema_version(*db) << "\n";
      return 0;
    }
    if (*rebuild_cmd) {
      auto db = open_db(config);
      // PostgreSQL's trigger has kept the roll-up all along (and the rebuild would hold every call's
      // usage event while it runs); on SQLite the server's writer keeps it: not while one runs.
      if (db->dialect() == store::Dialect::postgres)
        throw store::DatabaseError(
            "on PostgreSQL a trigger keeps the roll-up as calls are written: it needs no rebuild");
      if (store::ServingLock::held(config.effective_database_url()))
        throw store::DatabaseError("a running plaza serve uses this database: stop it first");
      migrate_if_new(*db);
      int64_t rows = db->write_sync([](store::Conn& c) { return store::apps::rebuild_rollup(c); });
      std::cout << "rebuilt the apps' roll-up: " << rows
                << " (day, app, user) row(s); the square's numbers follow at the server's next stats run\n";
      return 0;
    }
    if (*create_cmd) {
      auto db = open_db(config);
      migrate_if_new(*db);
      SystemClock clock;
      services::LoginThrottle throttle(clock, 5);
      services::Accounts accounts(*db, clock, throttle, {api::password_cost(config.password_cost)});
      auto user = accounts.create_admin_sync(username, password);
      std::cout << "administrator " << user.username << " (id " << user.id << ") is ready\n";
      return 0;
    }
  } catch (const plaza::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
