#include "core/json.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serializer.hpp>

#include "core/error.hpp"
#include "core/validation.hpp"

namespace plaza::json {

namespace {
[[noreturn]] void bad(std::string_view key, std::string message) {
  throw Error(ErrorCode::invalid_request, std::move(message), std::string(key));
}
}  // namespace

namespace {
// A monotonic arena whose first block is inside it: a small document is one allocation of about
// 600 bytes (Boost's own first block, 1 KB and a header, missed malloc's per-thread cache).
class SmallArena final : public bj::memory_resource {
 private:
  void* do_allocate(std::size_t n, std::size_t align) override { return arena_.allocate(n, align); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // all of it goes with the arena
  bool do_is_equal(const bj::memory_resource& other) const noexcept override { return this == &other; }

  alignas(std::max_align_t) unsigned char first_block_[512];
  bj::monotonic_resource arena_{first_block_, sizeof first_block_};
};
}  // namespace

bj::storage_ptr arena() {
  return bj::make_shared_resource<SmallArena>();
}

void append_serialized(std::string& out, const bj::value& v) {
  bj::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) {
    auto piece = sr.read(buf, sizeof buf);
    out.append(piece.data(), piece.size());
  }
}

bj::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  bj::parse_options opts;
  opts.max_depth = 32;
  bj::value v = bj::parse(body, ec, arena(), opts);
  // The parser checks UTF-8 too (a JSON text that parsed is valid UTF-8); a second pass over every
  // body only to name the cause is spent on the failures alone.
  if (ec && !is_valid_utf8(body)) throw Error(ErrorCode::invalid_request, "request body is not valid UTF-8");
  if (ec) throw Error(ErrorCode::invalid_request, "request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw Error(ErrorCode::invalid_request, "request body must be a JSON object");
  return std::move(v.as_object());
}

std::optional<std::string> optional_string(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) bad(key, std::string(key) + " must be a string");
  return std::string(it->value().as_string());
}

std::string require_string(const bj::object& o, std::string_view key) {
  auto v = optional_string(o, key);
  if (!v) bad(key, std::string(key) + " is required");
  return *v;
}

std::optional<int64_t> optional_int(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.as_uint64());
  bad(key, std::string(key) + " must be an integer");
}

std::optional<bool> optional_bool(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) bad(key, std::string(key) + " must be true or false");
  return it->value().as_bool();
}

std::optional<std::vector<std::string>> optional_string_array(const bj::object& o, std::string_view key,
                                                              std::size_t max_items) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_array()) bad(key, std::string(key) + " must be an array of strings");
  const auto& arr = it->value().as_array();
  if (arr.size() > max_items) bad(key, std::string(key) + " has too many items");
  std::vector<std::string> out;
  for (const auto& item : arr) {
    if (!item.is_string()) bad(key, std::string(key) + " must be an array of strings");
    out.emplace_back(item.as_string());
  }
  return out;
}

bj::array string_array(const std::vector<std::string>& values) {
  bj::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

}  // namespace plaza::json
