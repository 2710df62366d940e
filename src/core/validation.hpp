#pragma once
// Input rules shared by every surface (web, API, CLI).
#include <optional>
#include <string>
#include <string_view>

namespace plaza {

inline constexpr std::size_t kUsernameMin = 3;
inline constexpr std::size_t kUsernameMax = 32;
inline constexpr std::size_t kPasswordMin = 8;
inline constexpr std::size_t kPasswordMax = 256;  // argon2 cost does not depend on it, but bodies should stay small
inline constexpr std::size_t kEmailMax = 254;
inline constexpr std::size_t kNameMax = 64;

bool is_valid_utf8(std::string_view s);
// At most `max_bytes` of `s`, cut before a character rather than inside one (a cut UTF-8 character
// is text PostgreSQL refuses to store).
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);
// The characters of valid UTF-8 text (its bytes that start one).
std::size_t utf8_length(std::string_view s);

// Each returns an error message for the user, or nothing when the value is acceptable.
std::optional<std::string> check_username(std::string_view username);
std::optional<std::string> check_password(std::string_view password);
std::optional<std::string> check_email(std::string_view email);
std::optional<std::string> check_group(std::string_view group);
// A short display name (API key names, titles): 1–64 characters of valid UTF-8 without control
// characters. `what` names it in the message ("title must be at most 64 characters long").
std::optional<std::string> check_display_name(std::string_view name, std::string_view what = "name");

std::string ascii_lower(std::string_view s);
// `s` without the spaces around it: ASCII spaces and tabs, no-break (U+00A0) and ideographic
// (U+3000) ones, which a name copied from a web page or typed with a Chinese IME brings along.
std::string_view trim_spaces(std::string_view s);
// A base URL without its trailing slashes, so that paths can be appended ("https://x/" + "/v1").
std::string without_trailing_slashes(std::string_view url);

}  // namespace plaza
