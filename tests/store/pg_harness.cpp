#include "store/pg_harness.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>

#ifndef PLAZA_SOURCE_DIR
#error "PLAZA_SOURCE_DIR must name the source tree (tests/CMakeLists.txt defines it)"
#endif

namespace plaza::test {

namespace {

struct ServerState {
  std::mutex mutex;
  bool tried = false;
  std::string url;
  std::string error;
  std::string cluster_dir;  // non-empty when this process started the cluster
};

ServerState& state() {
  static ServerState s;
  return s;
}

// Runs a shell command; returns its exit status and everything it printed (stdout and stderr).
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string cluster_script() {
  return std::string(PLAZA_SOURCE_DIR) + "/tests/pg/cluster.sh";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

void start_cluster(ServerState& s) {
  std::string tmp = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string dir_template = tmp + "/plaza-pg-XXXXXX";
  if (!::mkdtemp(dir_template.data())) {
    s.error = "cannot create a temporary folder under " + tmp + " for the PostgreSQL test cluster";
    return;
  }
  auto [status, output] = run("bash '" + cluster_script() + "' start '" + dir_template + "'");
  output = trim(output);
  auto last_line = output.substr(output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n') + 1);
  if (status != 0 || !last_line.starts_with("postgresql://")) {
    run("bash '" + cluster_script() + "' stop '" + dir_template + "'");
    std::error_code ignored;
    std::filesystem::remove_all(dir_template, ignored);  // stop leaves it when PostgreSQL is missing
    s.error = "tests/pg/cluster.sh could not start a PostgreSQL cluster (exit " + std::to_string(status) + "):\n" +
              output + "\nInstall PostgreSQL (apt-get install postgresql) or set PLAZA_TEST_PG_URL.";
    return;
  }
  s.cluster_dir = dir_template;
  s.url = last_line;
}

// Connects to `url`; throws with libpq's message when it cannot.
PGconn* connect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to the PostgreSQL test server " + url + ": " + msg);
  }
  return conn;
}

// Runs one statement outside a transaction (CREATE/DROP DATABASE refuse to run inside one).
void exec(const std::string& url, const std::string& sql) {
  PGconn* conn = connect(url);
  PGresult* res = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("PostgreSQL test server: " + sql + ": " + msg);
}

// postgresql://user@host:port/NAME?options: where NAME starts and ends.
std::pair<std::size_t, std::size_t> name_span(const std::string& url) {
  std::size_t end = std::min(url.find('?'), url.size());
  std::size_t start = url.rfind('/', end) + 1;
  return {start, end};
}

std::string database_name(const std::string& url) {
  auto [start, end] = name_span(url);
  return url.substr(start, end - start);
}

std::string with_database(const std::string& url, const std::string& name) {
  auto [start, end] = name_span(url);
  return url.substr(0, start) + name + url.substr(end);
}

// Stops the cluster this process started, after the last test.
class PgEnvironment final : public ::testing::Environment {
 public:
  void TearDown() override {
    ServerState& s = state();
    std::lock_guard lock(s.mutex);
    if (s.cluster_dir.empty()) return;
    run("bash '" + cluster_script() + "' stop '" + s.cluster_dir + "'");
    s.cluster_dir.clear();
  }
};

[[maybe_unused]] auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PgEnvironment);

}  // namespace

const std::string& pg_server_url() {
  ServerState& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.tried) {
    s.tried = true;
    if (const char* url = std::getenv("PLAZA_TEST_PG_URL"); url && *url) {
      s.url = url;
    } else if (const char* file = std::getenv("PLAZA_TEST_PG_URL_FILE"); file && *file && std::ifstream(file)) {
      std::ifstream in(file);
      std::getline(in, s.url);
      s.url = trim(s.url);
      if (s.url.empty()) s.error = std::string("PLAZA_TEST_PG_URL_FILE (") + file + ") is empty";
    } else {
      start_cluster(s);
    }
  }
  if (s.url.empty()) throw std::runtime_error("no PostgreSQL server for the tests: " + s.error);
  return s.url;
}

std::string fresh_pg_database() {
  const std::string& server = pg_server_url();
  static std::atomic<unsigned> counter{0};
  static const unsigned long long salt = std::random_device{}();
  char name[64];
  std::snprintf(name, sizeof name, "t_%d_%llx_%u", static_cast<int>(::getpid()), salt % 0xFFFFFF, counter++);
  exec(server, std::string("CREATE DATABASE ") + name);
  return with_database(server, name);
}

void drop_pg_database(const std::string& url) {
  try {
    exec(with_database(url, "postgres"), "DROP DATABASE IF EXISTS " + database_name(url) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The server is thrown away after the run anyway.
  }
}

}  // namespace plaza::test
