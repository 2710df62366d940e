#pragma once
// Internal to the Anthropic adapter: JSON accessors shared by the request conversion
// (anthropic.cpp) and the response and stream conversion (anthropic_response.cpp).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace plaza::relay::anthropic::detail {

// The member `key`, or nullptr when it is absent or null.
inline const boost::json::value* find(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

inline std::string_view string_or(const boost::json::object& o, std::string_view key, std::string_view fallback = {}) {
  const auto* v = find(o, key);
  return v && v->is_string() ? std::string_view(v->get_string()) : fallback;
}

}  // namespace plaza::relay::anthropic::detail
