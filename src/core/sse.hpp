#pragma once
// Incremental server-sent-events parser: feed bytes as they arrive, take complete events out.
// Handles \n, \r\n and \r line ends, multi-line data, comments and events split across reads.
#include <optional>
#include <string>
#include <string_view>

namespace plaza {

struct SseEvent {
  std::string event;  // empty: the default "message"
  std::string data;   // data lines joined with '\n'
};

class SseParser {
 public:
  // Limits a single event, so a malformed stream cannot grow memory without bound.
  explicit SseParser(std::size_t max_event_bytes = 4 * 1024 * 1024) : max_(max_event_bytes) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete event, or nothing until more bytes arrive. Throws std::length_error past the limit.
  std::optional<SseEvent> next();
  // Bytes held that do not yet form a complete event.
  std::size_t pending() const { return buffer_.size() - pos_; }

 private:
  std::optional<std::string_view> take_line();

  std::string buffer_;
  std::size_t pos_ = 0;
  SseEvent current_;
  bool has_data_ = false;
  std::size_t max_;
};

}  // namespace plaza
