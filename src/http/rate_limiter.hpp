#pragma once
// Token buckets keyed by a string (a client address, a username). In memory and per instance: with
// several instances behind a balancer each enforces its own share.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace plaza::http {

class RateLimiter {
 public:
  // `per_minute` requests on average, bursts up to `burst`.
  RateLimiter(double per_minute, double burst) : rate_per_ms_(per_minute / 60000.0), burst_(burst) {}

  // Takes a token for `key`; when none is left returns false and sets retry_after_s.
  bool allow(const std::string& key, int64_t now_ms, int& retry_after_s);

 private:
  struct Bucket {
    double tokens;
    int64_t updated_ms;
  };
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
    int64_t last_sweep_ms = 0;
  };
  double rate_per_ms_;
  double burst_;
  Shard shards_[kShards];
};

}  // namespace plaza::http
