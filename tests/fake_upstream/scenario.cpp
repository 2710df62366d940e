#include "scenario.hpp"

#include <charconv>
#include <stdexcept>

namespace plaza::fake {

namespace {

struct NamedKind {
  std::string_view name;
  Kind kind;
};

constexpr NamedKind kKinds[] = {
    {"ok", Kind::ok},
    {"slow", Kind::slow},
    {"delay", Kind::delay},
    {"stall", Kind::stall},
    {"close_after_headers", Kind::close_after_headers},
    {"reset_mid_stream", Kind::reset_mid_stream},
    {"status", Kind::status},
    {"malformed_sse", Kind::malformed_sse},
    {"no_usage", Kind::no_usage},
    {"long", Kind::long_answer},
    {"echo", Kind::echo},
    {"tool_call", Kind::tool_call},
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::optional<std::string> Scenario::param(std::string_view key) const {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return std::nullopt;
}

int64_t Scenario::int_param(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
  auto v = param(key);
  if (!v) return fallback;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc{} || end != v->data() + v->size() || out < min || out > max)
    throw std::invalid_argument("fake parameter " + std::string(key) + " must be an integer from " +
                                std::to_string(min) + " to " + std::to_string(max));
  return out;
}

Scenario parse_spec(std::string_view spec) {
  Scenario s;
  std::size_t i = 0;
  auto skip_spaces = [&] {
    while (i < spec.size() && is_space(spec[i])) ++i;
  };
  skip_spaces();
  std::size_t start = i;
  while (i < spec.size() && !is_space(spec[i])) ++i;
  std::string_view name = spec.substr(start, i - start);
  if (name.empty()) return s;
  bool known = false;
  for (const auto& k : kKinds) {
    if (k.name == name) {
      s.kind = k.kind;
      known = true;
    }
  }
  if (!known) throw std::invalid_argument("unknown fake scenario \"" + std::string(name) + "\"");
  s.name = std::string(name);

  for (;;) {
    skip_spaces();
    if (i >= spec.size()) break;
    start = i;
    while (i < spec.size() && spec[i] != '=' && !is_space(spec[i])) ++i;
    std::string key(spec.substr(start, i - start));
    if (i >= spec.size() || spec[i] != '=' || key.empty())
      throw std::invalid_argument("fake parameter \"" + key + "\" needs the form key=value");
    ++i;
    std::string value;
    if (i < spec.size() && spec[i] == '"') {
      ++i;
      while (i < spec.size() && spec[i] != '"') {
        if (spec[i] == '\\' && i + 1 < spec.size()) ++i;
        value.push_back(spec[i++]);
      }
      if (i >= spec.size()) throw std::invalid_argument("fake parameter \"" + key + "\" has an unclosed quote");
      ++i;
    } else {
      start = i;
      while (i < spec.size() && !is_space(spec[i])) ++i;
      value = std::string(spec.substr(start, i - start));
    }
    s.params.emplace_back(std::move(key), std::move(value));
  }
  return s;
}

std::optional<std::string_view> find_directive(std::string_view text) {
  static constexpr std::string_view kOpen = "[[fake:";
  auto open = text.rfind(kOpen);
  if (open == std::string_view::npos) return std::nullopt;
  auto inside = open + kOpen.size();
  auto close = text.find("]]", inside);
  if (close == std::string_view::npos) return std::nullopt;
  return text.substr(inside, close - inside);
}

}  // namespace plaza::fake
