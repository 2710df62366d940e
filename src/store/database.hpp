#pragma once
// The storage interface. SQL is written once with $1, $2 ... placeholders and runs on both backends
// (SQLite and PostgreSQL); where the dialects differ, callers branch on dialect(). Calls here block:
// coroutines reach them through store/async.hpp, which runs them on the database thread pool.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/deferred.hpp"

namespace plaza::store {

enum class Dialect { sqlite, postgres };

using Value = std::variant<std::monostate, int64_t, double, std::string>;
inline const Value kNull{};
// A list of integer ids as one parameter (made by id_array): `column` is one of them. The statement's
// text is the same for every list, so one prepared statement serves them all; a list written into the
// text would make a new statement per list, prepared and kept by every connection.
//   c.query("SELECT ... WHERE " + among(c.dialect(), "a.id", "$2"), {user, id_array(c.dialect(), ids)})
std::string among(Dialect d, std::string_view column, std::string_view placeholder);
Value id_array(Dialect d, const std::vector<int64_t>& ids);

// A LIKE pattern matching text that contains `part` as it is: its `%`, `_` and `\` escaped with `\`,
// so the statement must say `LIKE $n ESCAPE '\'`.
std::string contains_pattern(std::string_view part);

// An optional integer as a parameter: the value, or NULL.
inline Value nullable(const std::optional<int64_t>& v) {
  return v ? Value(*v) : kNull;
}

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  int64_t i64(std::size_t i) const;
  bool boolean(std::size_t i) const { return i64(i) != 0; }
  std::string str(std::size_t i) const;
  std::optional<int64_t> opt_i64(std::size_t i) const;
  std::optional<std::string> opt_str(std::size_t i) const;
  std::size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};

struct Result {
  std::vector<Row> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// A unique or primary-key constraint refused the write.
class UniqueViolation : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// Any other database failure. The message may hold SQL; it is logged, never sent to clients.
class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Conn {
 public:
  virtual ~Conn() = default;
  // Additions written when the transaction commits (store/deferred.hpp). Not copyable: the undo
  // log refers to its maps.
  Deferred deferred;
  virtual Dialect dialect() const = 0;
  virtual Result query(std::string_view sql, const std::vector<Value>& params) = 0;
  // For a statement whose best plan depends on its parameters (a search word that matches three
  // apps or thirty thousand): planned for these values each time. PostgreSQL would otherwise switch
  // a prepared statement to one generic plan after a few runs; SQLite plans the same either way.
  virtual Result query_with_fresh_plan(std::string_view sql, const std::vector<Value>& params) {
    return query(sql, params);
  }
  // Several statements without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;

  Result query(std::string_view sql) { return query(sql, {}); }
  std::optional<Row> query_one(std::string_view sql, const std::vector<Value>& params = {});
  int64_t exec(std::string_view sql, const std::vector<Value>& params = {}) { return query(sql, params).affected; }
};

struct PoolStats {
  int size = 0;
  int in_use = 0;
  uint64_t waits = 0;  // acquisitions that had to wait for a free connection
};

class Database {
 public:
  virtual ~Database();
  virtual Dialect dialect() const = 0;
  virtual PoolStats stats() const = 0;

  // Runs f inside a transaction on a writer connection; commits when f returns, rolls back if it throws.
  template <class F>
  auto write_sync(F&& f) -> decltype(f(std::declval<Conn&>())) {
    auto lease = acquire(true);
    return in_transaction(*lease, std::forward<F>(f));
  }
  // Runs f on a reader connection (no transaction: each statement sees committed data).
  template <class F>
  auto read_sync(F&& f) -> decltype(f(std::declval<Conn&>())) {
    auto lease = acquire(false);
    return f(*lease);
  }

  // Runs f on a reader connection inside one read-only transaction, so that every statement sees
  // the same committed state (a check that adds up several tables while writers go on: doctor).
  template <class F>
  auto snapshot_sync(F&& f) -> decltype(f(std::declval<Conn&>())) {
    auto lease = acquire(false);
    Conn& c = *lease;
    c.exec(c.dialect() == Dialect::postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    try {
      if constexpr (std::is_void_v<decltype(f(c))>) {
        f(c);
        c.exec("COMMIT");
      } else {
        auto result = f(c);
        c.exec("COMMIT");
        return result;
      }
    } catch (...) {
      try {
        c.exec("ROLLBACK");
      } catch (...) {
        // The connection is broken; the pool replaces it on release.
      }
      throw;
    }
  }

  // Runs work on the database thread pool (used by store/async.hpp).
  void post(std::function<void()> work);
  void stop_pool();

 protected:
  explicit Database(int threads);

  struct LeaseDeleter {
    Database* db;
    void operator()(Conn* c) const { db->release(c); }
  };
  using Lease = std::unique_ptr<Conn, LeaseDeleter>;
  virtual Lease acquire(bool for_write) = 0;
  virtual void release(Conn* conn) = 0;
  virtual std::string_view begin_sql() const { return "BEGIN"; }

 private:
  template <class F>
  auto in_transaction(Conn& c, F&& f) -> decltype(f(c)) {
    c.exec(begin_sql());
    c.deferred.clear();
    try {
      if constexpr (std::is_void_v<decltype(f(c))>) {
        f(c);
        commit(c);
      } else {
        auto result = f(c);
        commit(c);
        return result;
      }
    } catch (...) {
      c.deferred.clear();
      try {
        c.exec("ROLLBACK");
      } catch (...) {
        // The connection is broken; the pool replaces it on release.
      }
      throw;
    }
  }

  static void commit(Conn& c);  // applies the deferred balance deltas, then COMMIT
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// Opens "sqlite:PATH" or "postgresql://...". Throws DatabaseError naming what failed.
std::unique_ptr<Database> open_database(const std::string& url, int pool_size, int threads);
// The file of a sqlite:PATH URL; nothing for any other.
std::optional<std::string> sqlite_file(const std::string& url);

std::unique_ptr<Database> open_sqlite(const std::string& path, int readers, int threads);
std::unique_ptr<Database> open_postgres(const std::string& url, int pool_size, int threads);

}  // namespace plaza::store
