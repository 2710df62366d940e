#pragma once
// HTTP/1.1 heads formatted by hand. Beast's serializer hands the kernel one buffer per field and
// walks that sequence on every partial write; on a relay that sends two small messages per request
// (the answer and the upstream call) that cost more than the JSON work. A head formatted into one
// string goes out with its body in one two-buffer write.
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace plaza::http {

// Appends `name: value\r\n`. CR and LF are dropped: a value can never start a line of its own
// (response splitting), whatever a handler or a channel's configuration put in it.
void append_field(std::string& out, std::string_view name, std::string_view value);

// 1xx, 204 and 304 answers carry no body (RFC 9110 6.4.1).
inline bool bodiless_status(int status) {
  return status < 200 || status == 204 || status == 304;
}

struct ResponseHead {
  int status = 200;
  unsigned version = 11;  // 10 or 11
  bool keep_alive = true;
  std::size_t content_length = 0;
  bool chunked = false;  // a streamed body: Transfer-Encoding: chunked instead of a length
};
// Status line, `fixed` (preformatted lines), `headers`, the body's framing (none for 1xx, 204 and
// 304, which carry no body) and the Connection field the version needs; ends with the empty line.
std::string format_response_head(const ResponseHead& head, std::string_view fixed, const Headers& headers);

}  // namespace plaza::http
