#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace plaza::http {

bool RateLimiter::allow(const std::string& key, int64_t now_ms, int& retry_after_s) {
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  // Forget full buckets now and then so the map does not grow with every address ever seen.
  if (now_ms - shard.last_sweep_ms > 60'000) {
    std::erase_if(shard.buckets, [&](const auto& kv) {
      return kv.second.tokens + static_cast<double>(now_ms - kv.second.updated_ms) * rate_per_ms_ >= burst_;
    });
    shard.last_sweep_ms = now_ms;
  }
  auto [it, inserted] = shard.buckets.try_emplace(key, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + static_cast<double>(now_ms - b.updated_ms) * rate_per_ms_);
  b.updated_ms = now_ms;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate_per_ms_ / 1000.0)));
  return false;
}

}  // namespace plaza::http
