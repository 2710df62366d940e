#include "store/database.hpp"

#include "store/ledger_repo.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace plaza::store {

int64_t Row::i64(std::size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::stoll(*p);
  throw DatabaseError("column " + std::to_string(i) + " is NULL, expected an integer");
}

std::string Row::str(std::size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  throw DatabaseError("column " + std::to_string(i) + " is NULL, expected text");
}

std::optional<int64_t> Row::opt_i64(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return i64(i);
}

std::optional<std::string> Row::opt_str(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return str(i);
}

std::string among(Dialect d, std::string_view column, std::string_view placeholder) {
  std::string c(column), p(placeholder);
  if (d == Dialect::postgres) return c + " = ANY(CAST(" + p + " AS BIGINT[]))";
  return c + " IN (SELECT value FROM json_each(" + p + "))";
}

std::string contains_pattern(std::string_view part) {
  std::string out = "%";
  for (char ch : part) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "%";
}

Value id_array(Dialect d, const std::vector<int64_t>& ids) {
  std::string out(1, d == Dialect::postgres ? '{' : '[');
  for (auto id : ids) {
    if (out.size() > 1) out += ',';
    out += std::to_string(id);
  }
  out += d == Dialect::postgres ? '}' : ']';
  return out;
}

std::optional<Row> Conn::query_one(std::string_view sql, const std::vector<Value>& params) {
  auto r = query(sql, params);
  if (r.rows.empty()) return std::nullopt;
  return std::move(r.rows.front());
}

void Database::commit(Conn& c) {
  ledger::write_deferred(c);
  c.deferred.clear();
  c.exec("COMMIT");
}

struct Database::Pool {
  explicit Pool(int threads) : pool(static_cast<std::size_t>(threads)) {}
  boost::asio::thread_pool pool;
};

Database::Database(int threads) : pool_(std::make_unique<Pool>(threads)) {}

Database::~Database() {
  stop_pool();
}

void Database::post(std::function<void()> work) {
  boost::asio::post(pool_->pool, std::move(work));
}

void Database::stop_pool() {
  if (pool_) pool_->pool.join();
}

std::optional<std::string> sqlite_file(const std::string& url) {
  constexpr std::string_view kScheme = "sqlite:";
  if (!url.starts_with(kScheme)) return std::nullopt;
  return url.substr(kScheme.size());
}

std::unique_ptr<Database> open_database(const std::string& url, int pool_size, int threads) {
  if (auto file = sqlite_file(url)) return open_sqlite(*file, pool_size, threads);
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) return open_postgres(url, pool_size, threads);
  throw DatabaseError("unsupported database URL (use sqlite:PATH or postgresql://...)");
}

}  // namespace plaza::store
