#include "state.hpp"

#include <fmt/format.h>

#include <chrono>

#include "dialect.hpp"

namespace plaza::fake {

void Stats::reset() {
  requests = 0;
  streams_started = 0;
  streams_completed = 0;
  streams_client_closed = 0;
  streams_aborted = 0;
  responses_client_closed = 0;
}

std::string Stats::to_json() const {
  return fmt::format(R"({{"requests":{},"streams_started":{},"streams_completed":{},"streams_client_closed":{},)"
                     R"("streams_aborted":{},"responses_client_closed":{},"open_streams":{},"in_flight":{}}})",
                     requests.load(), streams_started.load(), streams_completed.load(), streams_client_closed.load(),
                     streams_aborted.load(), responses_client_closed.load(), open_streams.load(), in_flight.load());
}

void Recorder::record(const http::Request& req) {
  if (cap_ == 0) return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  Entry e{0, now.count(), req.method, req.path, req.query, req.headers, req.body};
  std::lock_guard lock(mutex_);
  e.seq = ++seq_;
  if (entries_.size() >= cap_) entries_.pop_front();
  entries_.push_back(std::move(e));
}

void Recorder::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::string Recorder::to_json() const {
  std::string out = "[";
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (out.size() > 1) out += ",";
    out += fmt::format(R"({{"seq":{},"time_ms":{},"method":)", e.seq, e.time_ms);
    append_json_string(out, e.method);
    out += R"(,"path":)";
    append_json_string(out, e.path);
    out += R"(,"query":)";
    append_json_string(out, e.query);
    out += R"(,"headers":{)";
    // Repeated headers are joined with ", ", as HTTP allows.
    std::vector<std::pair<std::string_view, std::string>> merged;
    for (const auto& [name, value] : e.headers) {
      bool found = false;
      for (auto& [n, v] : merged) {
        if (n == name) {
          v += ", " + value;
          found = true;
        }
      }
      if (!found) merged.emplace_back(name, value);
    }
    bool first = true;
    for (const auto& [n, v] : merged) {
      if (!first) out += ",";
      first = false;
      append_json_string(out, n);
      out += ":";
      append_json_string(out, v);
    }
    out += R"(},"body":)";
    append_json_string(out, e.body);
    out += "}";
  }
  out += "]";
  return out;
}

FakeState::FakeState(Options o) : options(std::move(o)), recorder(options.record_cap) {
  default_pieces = split_pieces(options.text, options.chunks);
  models_body = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < options.models.size(); ++i) {
    if (i) models_body += ",";
    models_body += R"({"id":)";
    append_json_string(models_body, options.models[i]);
    models_body += R"(,"object":"model","created":1700000000,"owned_by":"fake-upstream"})";
  }
  models_body += "]}";
}

}  // namespace plaza::fake
