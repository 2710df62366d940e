#pragma once
// What the fake upstream shares across its I/O threads: its options, the counters tests read to
// see what the relay did to its upstream streams, and the recorded requests.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "http/request.hpp"

namespace plaza::fake {

struct Options {
  std::vector<std::string> require_keys;  // empty: any key (or none) is accepted
  std::size_t chunks = 20;                // pieces the default answer is streamed in
  std::string text = "Hello from fake upstream.";
  std::size_t record_cap = 1000;  // 0: record nothing (benchmarks)
  std::vector<std::string> models = {"gpt-4o-mini", "gpt-4o", "claude-3-5-haiku-latest", "fake-model"};
};

struct Stats {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> streams_started{0};
  std::atomic<int64_t> streams_completed{0};
  std::atomic<int64_t> streams_client_closed{0};    // the client went away before the stream ended
  std::atomic<int64_t> streams_aborted{0};          // ended by a fault scenario (close or reset)
  std::atomic<int64_t> responses_client_closed{0};  // the same for non-streamed answers (delay, stall)
  std::atomic<int64_t> open_streams{0};             // gauges: not cleared by reset
  std::atomic<int64_t> in_flight{0};

  void reset();
  std::string to_json() const;
};

// Adds one to a gauge for the lifetime of a handler.
class GaugeGuard {
 public:
  explicit GaugeGuard(std::atomic<int64_t>& g) : g_(g) { ++g_; }
  ~GaugeGuard() { --g_; }
  GaugeGuard(const GaugeGuard&) = delete;
  GaugeGuard& operator=(const GaugeGuard&) = delete;

 private:
  std::atomic<int64_t>& g_;
};

class Recorder {
 public:
  explicit Recorder(std::size_t cap) : cap_(cap) {}
  void record(const http::Request& req);
  void clear();
  std::string to_json() const;  // oldest first

 private:
  struct Entry {
    uint64_t seq;
    int64_t time_ms;
    std::string method, path, query;
    http::Headers headers;
    std::string body;
  };
  std::size_t cap_;
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
  uint64_t seq_ = 0;
};

struct FakeState {
  explicit FakeState(Options o);

  Options options;
  Stats stats;
  Recorder recorder;
  std::atomic<uint64_t> next_id{0};
  std::vector<std::string> default_pieces;  // options.text in options.chunks pieces, split once
  std::string models_body;                  // GET /v1/models, serialised once
};

}  // namespace plaza::fake
