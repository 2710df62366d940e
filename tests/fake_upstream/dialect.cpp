#include "dialect.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace plaza::fake {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

std::string json_string(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s);
  return out;
}

int64_t count_words(std::string_view s) {
  int64_t n = 0;
  bool in_word = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::vector<std::string> split_pieces(std::string_view text, std::size_t n) {
  // Character starts, so no piece splits a UTF-8 sequence.
  std::vector<std::size_t> starts;
  starts.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  std::size_t chars = starts.size();
  if (n == 0) n = 1;
  if (n > chars) n = chars == 0 ? 1 : chars;
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t from = chars * k / n;
    std::size_t to = chars * (k + 1) / n;
    std::size_t b = from < chars ? starts[from] : text.size();
    std::size_t e = to < chars ? starts[to] : text.size();
    out.emplace_back(text.substr(b, e - b));
  }
  return out;
}

std::string content_text(const boost::json::value& content) {
  if (const auto* s = content.if_string()) return std::string(*s);
  std::string out;
  if (const auto* parts = content.if_array()) {
    for (const auto& p : *parts) {
      const auto* o = p.if_object();
      if (!o) continue;
      const auto* type = o->if_contains("type");
      const auto* text = o->if_contains("text");
      if (type && type->is_string() && *type == "text" && text && text->is_string()) {
        if (!out.empty()) out.push_back('\n');
        out += text->get_string();
      }
    }
  }
  return out;
}

}  // namespace plaza::fake
