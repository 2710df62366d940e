#include "core/sse.hpp"

#include <stdexcept>

namespace plaza {

std::optional<std::string_view> SseParser::take_line() {
  for (std::size_t i = pos_; i < buffer_.size(); ++i) {
    char c = buffer_[i];
    if (c != '\n' && c != '\r') continue;
    // A \r at the very end may be the first half of \r\n: wait for the next byte.
    if (c == '\r' && i + 1 == buffer_.size()) return std::nullopt;
    std::string_view line(buffer_.data() + pos_, i - pos_);
    pos_ = i + 1;
    if (c == '\r' && buffer_[pos_] == '\n') ++pos_;
    return line;
  }
  if (buffer_.size() - pos_ > max_) throw std::length_error("server-sent event too large");
  return std::nullopt;
}

std::optional<SseEvent> SseParser::next() {
  while (auto line = take_line()) {
    if (line->empty()) {
      if (has_data_ || !current_.event.empty()) {
        SseEvent out = std::move(current_);
        current_ = {};
        has_data_ = false;
        // Drop consumed bytes now and then so the buffer does not grow with the stream.
        if (pos_ > 64 * 1024) {
          buffer_.erase(0, pos_);
          pos_ = 0;
        }
        return out;
      }
      continue;
    }
    if (line->front() == ':') continue;  // comment / heartbeat
    auto colon = line->find(':');
    std::string_view field = line->substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : line->substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data_) current_.data.push_back('\n');
      current_.data.append(value);
      has_data_ = true;
      if (current_.data.size() > max_) throw std::length_error("server-sent event too large");
    } else if (field == "event") {
      current_.event = std::string(value);
    }
    // id and retry are not used by model APIs.
  }
  if (pos_ > 64 * 1024) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  return std::nullopt;
}

}  // namespace plaza
