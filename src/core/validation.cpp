#include "core/validation.hpp"

#include <cctype>

namespace plaza {

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // s[end] continues a character
  return s.substr(0, end);
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++p;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += extra + 1;
  }
  return true;
}

std::optional<std::string> check_username(std::string_view u) {
  if (u.size() < kUsernameMin || u.size() > kUsernameMax) return "username must be 3 to 32 characters long";
  if (!std::isalpha(static_cast<unsigned char>(u[0]))) return "username must start with a letter";
  for (char c : u) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      return "username may contain only letters, digits, '_' and '-'";
  }
  return std::nullopt;
}

std::optional<std::string> check_password(std::string_view p) {
  if (!is_valid_utf8(p)) return "password must be valid UTF-8";
  if (p.size() < kPasswordMin) return "password must be at least 8 characters long";
  if (p.size() > kPasswordMax) return "password must be at most 256 bytes long";
  return std::nullopt;
}

std::optional<std::string> check_email(std::string_view e) {
  if (e.size() > kEmailMax) return "email is too long";
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= e.size() || e.find('@', at + 1) != std::string_view::npos)
    return "email must look like name@example.com";
  if (e.find('.', at) == std::string_view::npos) return "email must look like name@example.com";
  for (char c : e) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return "email must not contain spaces or control characters";
  }
  if (!is_valid_utf8(e)) return "email must be valid UTF-8";
  return std::nullopt;
}

std::optional<std::string> check_group(std::string_view g) {
  if (g.empty() || g.size() > 32) return "group must be 1 to 32 characters long";
  for (char c : g) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
      return "group may contain only letters, digits, '_' and '-'";
  }
  return std::nullopt;
}

std::optional<std::string> check_display_name(std::string_view n, std::string_view what) {
  const std::string noun(what);
  if (n.empty()) return noun + " must not be empty";
  if (!is_valid_utf8(n)) return noun + " must be valid UTF-8";
  if (n.size() > kNameMax * 4) return noun + " is too long";
  for (unsigned char c : n)
    if (c < 0x20 || c == 0x7F) return noun + " must not contain control characters";
  if (utf8_length(n) > kNameMax) return noun + " must be at most 64 characters long";
  return std::nullopt;
}

std::string without_trailing_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

// The bytes of the space `s` starts (or, with `at_end`, ends) with, or 0.
std::size_t space_at(std::string_view s, bool at_end) {
  for (std::string_view space :
       {std::string_view(" "), std::string_view("\t"), std::string_view("\xC2\xA0"), std::string_view("\xE3\x80\x80")})
    if (at_end ? s.ends_with(space) : s.starts_with(space)) return space.size();
  return 0;
}

}  // namespace

std::string_view trim_spaces(std::string_view s) {
  while (std::size_t n = space_at(s, false)) s.remove_prefix(n);
  while (std::size_t n = space_at(s, true)) s.remove_suffix(n);
  return s;
}

}  // namespace plaza
