#include "http/wire.hpp"

#include <boost/beast/http/status.hpp>

namespace plaza::http {

namespace {
void append_line_safe(std::string& out, std::string_view text) {
  for (char c : text)
    if (c != '\r' && c != '\n') out.push_back(c);
}
}  // namespace

void append_field(std::string& out, std::string_view name, std::string_view value) {
  append_line_safe(out, name);
  out += ": ";
  append_line_safe(out, value);
  out += "\r\n";
}

std::string format_response_head(const ResponseHead& head, std::string_view fixed, const Headers& headers) {
  std::string out;
  out.reserve(160 + fixed.size() + headers.size() * 48);
  out += head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(head.status);
  out += ' ';
  out += boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(head.status));
  out += "\r\n";
  out += fixed;
  for (const auto& [name, value] : headers) append_field(out, name, value);
  if (bodiless_status(head.status)) {
  } else if (head.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    append_field(out, "Content-Length", std::to_string(head.content_length));
  }
  if (head.version >= 11 && !head.keep_alive) out += "Connection: close\r\n";
  if (head.version == 10 && head.keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  return out;
}

}  // namespace plaza::http
