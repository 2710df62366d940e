#pragma once
// What a request asks the fake upstream to do: a scenario name and its parameters, written as
// `[[fake:NAME key=value key="quoted value"]]` in the last user message or as `NAME key=value` in
// the x-fake-scenario header. The message form survives relays that drop unknown headers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plaza::fake {

enum class Kind {
  ok,
  slow,
  delay,
  stall,
  close_after_headers,
  reset_mid_stream,
  status,
  malformed_sse,
  no_usage,
  long_answer,
  echo,
  tool_call,
};

struct Scenario {
  Kind kind = Kind::ok;
  std::string name = "ok";
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::string> param(std::string_view key) const;
  // The parameter as an integer in [min, max], `fallback` when absent; throws std::invalid_argument
  // when present but not such an integer.
  int64_t int_param(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
};

// Parses "NAME key=value ..."; throws std::invalid_argument on an unknown name or a malformed pair.
Scenario parse_spec(std::string_view spec);

// The last `[[fake:...]]` directive in a message text, if any (its inside, without the brackets).
std::optional<std::string_view> find_directive(std::string_view text);

}  // namespace plaza::fake
