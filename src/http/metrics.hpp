#pragma once
// Prometheus metrics for the HTTP server: requests by route and status, latency histograms,
// connections. Lock-free counters, so recording costs a few atomic adds per request.
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace plaza::http {

class Metrics {
 public:
  // route_names[i] labels route i; the server records unmatched requests under the last name.
  explicit Metrics(std::vector<std::string> route_names);

  void observe(std::size_t route, int status, double seconds);
  void connection_opened() { ++connections_; }
  void connection_closed() { --connections_; }
  void request_started() { ++in_flight_; }
  void request_finished() { --in_flight_; }
  int64_t in_flight() const { return in_flight_.load(); }

  // Appends more metric families (e.g. the database pool) when rendering.
  void add_source(std::function<std::string()> source) { sources_.push_back(std::move(source)); }
  std::string render() const;

  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  struct PerRoute {
    std::array<std::atomic<uint64_t>, 500> by_status{};  // index: status - 100
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_us{0};
  };
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<PerRoute>> routes_;
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> in_flight_{0};
  std::vector<std::function<std::string()>> sources_;
};

}  // namespace plaza::http
