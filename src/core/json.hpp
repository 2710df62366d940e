#pragma once
// Reading request bodies: every accessor throws plaza::Error(invalid_request) naming the field, so
// handlers read the fields they need in one line each and bad input never gets further.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plaza::json {

namespace bj = boost::json;

// Storage for a document that is read, edited a little and dropped with the request: one arena
// instead of an allocation per key and string. Whatever lives in it keeps it alive.
bj::storage_ptr arena();

// Parses a request body that must be a JSON object (and valid UTF-8), into an arena.
bj::object parse_object(std::string_view body);

// Appends v's JSON text to out, without a string of its own.
void append_serialized(std::string& out, const bj::value& v);

std::string require_string(const bj::object& o, std::string_view key);
std::optional<std::string> optional_string(const bj::object& o, std::string_view key);
std::optional<int64_t> optional_int(const bj::object& o, std::string_view key);
std::optional<bool> optional_bool(const bj::object& o, std::string_view key);
std::optional<std::vector<std::string>> optional_string_array(const bj::object& o, std::string_view key,
                                                              std::size_t max_items);

// A JSON null, or an int64 when the value is set.
// A list of strings as a JSON array.
bj::array string_array(const std::vector<std::string>& values);

inline bj::value nullable(const std::optional<int64_t>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}
inline bj::value nullable(const std::optional<std::string>& v) {
  return v ? bj::value(bj::string_view(*v)) : bj::value(nullptr);
}

}  // namespace plaza::json
