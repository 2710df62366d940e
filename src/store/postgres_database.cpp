// PostgreSQL backend: libpq connections in a pool, statements prepared once per connection.
#include <libpq-fe.h>

#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "store/database.hpp"

namespace plaza::store {

namespace {

constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700, kFloat8Oid = 701;

class PgConn final : public Conn {
 public:
  explicit PgConn(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw DatabaseError("cannot connect to PostgreSQL: " + msg);
    }
    // Notices (e.g. "relation already exists, skipping") are not errors worth a log line each.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PgConn() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::postgres; }
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  Result query(std::string_view sql, const std::vector<Value>& params) override {
    const std::string& name = prepare(sql);
    Texts texts(params);
    return take(
        PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), texts.values.data(), nullptr, nullptr, 0),
        sql);
  }

  Result query_with_fresh_plan(std::string_view sql, const std::vector<Value>& params) override {
    Texts texts(params);
    std::string text(sql);
    return take(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, texts.values.data(),
                             nullptr, nullptr, 0),
                sql);
  }

  void exec_script(std::string_view sql) override {
    std::string text(sql);
    take(PQexec(conn_, text.c_str()), sql);
  }

 private:
  // Parameters in libpq's text format (NULL as a null pointer).
  struct Texts {
    explicit Texts(const std::vector<Value>& params) : text(params.size()), values(params.size()) {
      for (std::size_t i = 0; i < params.size(); ++i) {
        const Value& v = params[i];
        if (auto p = std::get_if<int64_t>(&v))
          text[i] = std::to_string(*p);
        else if (auto p = std::get_if<double>(&v)) {
          char b[32];
          text[i].assign(b, std::to_chars(b, b + 32, *p).ptr);
        } else if (auto p = std::get_if<std::string>(&v))
          text[i] = *p;
        values[i] = std::holds_alternative<std::monostate>(v) ? nullptr : text[i].c_str();
      }
    }
    std::vector<std::string> text;
    std::vector<const char*> values;
  };

  const std::string& prepare(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxStatements) {  // a bound, should some caller build texts without end
      take(PQexec(conn_, "DEALLOCATE ALL"), "DEALLOCATE ALL");
      statements_.clear();
    }
    std::string name = "s" + std::to_string(statements_.size());
    std::string text(sql);
    take(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr), sql);
    return statements_.emplace(std::move(text), std::move(name)).first->second;
  }

  Result take(PGresult* res, std::string_view sql) {
    struct Clear {
      PGresult* r;
      ~Clear() { PQclear(r); }
    } clear{res};
    auto status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
      std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
      if (state && std::string_view(state) == "23505") throw UniqueViolation(msg);
      throw DatabaseError("PostgreSQL: " + msg + " in: " + std::string(sql.substr(0, 200)));
    }
    Result result;
    int rows = PQntuples(res), cols = PQnfields(res);
    result.rows.reserve(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c) values.push_back(cell(res, r, c));
      result.rows.emplace_back(std::move(values));
    }
    const char* affected = PQcmdTuples(res);
    if (affected && *affected) std::from_chars(affected, affected + std::strlen(affected), result.affected);
    return result;
  }

  static Value cell(PGresult* res, int r, int c) {
    if (PQgetisnull(res, r, c)) return kNull;
    const char* v = PQgetvalue(res, r, c);
    std::size_t len = static_cast<std::size_t>(PQgetlength(res, r, c));
    switch (PQftype(res, c)) {
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid: {
        int64_t out = 0;
        std::from_chars(v, v + len, out);
        return out;
      }
      case kBoolOid:
        return int64_t{v[0] == 't' ? 1 : 0};
      case kFloat4Oid:
      case kFloat8Oid:
        return std::strtod(v, nullptr);
      default:
        return std::string(v, len);
    }
  }

  static constexpr std::size_t kMaxStatements = 1000;  // Plaza has a few hundred statements
  PGconn* conn_;
  std::unordered_map<std::string, std::string> statements_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, int pool_size, int threads)
      : Database(threads), url_(std::move(url)), size_(pool_size) {
    idle_.push_back(std::make_unique<PgConn>(url_));  // fail at start-up, not at the first request
  }
  ~PostgresDatabase() override { stop_pool(); }

  Dialect dialect() const override { return Dialect::postgres; }
  PoolStats stats() const override {
    std::lock_guard lock(mutex_);
    return {size_, in_use_, waits_};
  }

 protected:
  Lease acquire(bool) override {
    std::unique_lock lock(mutex_);
    if (idle_.empty() && open_ >= size_) ++waits_;
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    ++in_use_;
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(conn.release(), LeaseDeleter{this});
    }
    ++open_;
    lock.unlock();
    try {
      return Lease(new PgConn(url_), LeaseDeleter{this});
    } catch (...) {
      lock.lock();
      --open_;
      --in_use_;
      cv_.notify_one();
      throw;
    }
  }

  void release(Conn* conn) override {
    auto* pg = static_cast<PgConn*>(conn);
    {
      std::lock_guard lock(mutex_);
      --in_use_;
      if (pg->healthy()) {
        idle_.emplace_back(pg);
      } else {
        delete pg;  // a broken connection is replaced by a fresh one on the next acquire
        --open_;
      }
    }
    cv_.notify_one();
  }

 private:
  std::string url_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  int size_;
  int open_ = 1;
  int in_use_ = 0;
  uint64_t waits_ = 0;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url, int pool_size, int threads) {
  return std::make_unique<PostgresDatabase>(url, pool_size, threads);
}

}  // namespace plaza::store
