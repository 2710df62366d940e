#include "http/metrics.hpp"

#include <fmt/format.h>

namespace plaza::http {

Metrics::Metrics(std::vector<std::string> route_names) : names_(std::move(route_names)) {
  for (std::size_t i = 0; i < names_.size(); ++i) routes_.push_back(std::make_unique<PerRoute>());
}

void Metrics::observe(std::size_t route, int status, double seconds) {
  if (route >= routes_.size()) route = routes_.size() - 1;
  auto& r = *routes_[route];
  if (status >= 100 && status < 600)
    r.by_status[static_cast<std::size_t>(status - 100)].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  r.buckets[b].fetch_add(1, std::memory_order_relaxed);
  r.count.fetch_add(1, std::memory_order_relaxed);
  r.sum_us.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP plaza_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE plaza_http_requests_total counter\n";
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    for (std::size_t s = 0; s < routes_[i]->by_status.size(); ++s) {
      auto n = routes_[i]->by_status[s].load(std::memory_order_relaxed);
      if (n) out += fmt::format("plaza_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", names_[i], s + 100, n);
    }
  }
  out += "# HELP plaza_http_request_duration_seconds Time from the request head to the response.\n";
  out += "# TYPE plaza_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& r = *routes_[i];
    uint64_t count = r.count.load(std::memory_order_relaxed);
    if (!count) continue;
    uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += r.buckets[b].load(std::memory_order_relaxed);
      out += fmt::format("plaza_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", names_[i],
                         kBuckets[b], cumulative);
    }
    out += fmt::format("plaza_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", names_[i], count);
    out += fmt::format("plaza_http_request_duration_seconds_sum{{route=\"{}\"}} {:.6f}\n", names_[i],
                       static_cast<double>(r.sum_us.load(std::memory_order_relaxed)) / 1e6);
    out += fmt::format("plaza_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", names_[i], count);
  }
  out += "# HELP plaza_http_connections Open client connections.\n# TYPE plaza_http_connections gauge\n";
  out += fmt::format("plaza_http_connections {}\n", connections_.load());
  out += "# HELP plaza_http_requests_in_flight Requests being served.\n# TYPE plaza_http_requests_in_flight gauge\n";
  out += fmt::format("plaza_http_requests_in_flight {}\n", in_flight_.load());
  for (const auto& source : sources_) out += source();
  return out;
}

}  // namespace plaza::http
