#pragma once
// The square's filters (the listed apps' categories and most used tags, with counts), kept for a
// minute per instance: counting them reads every listed app's category and every tag row (about
// 40 ms at 100,000 apps), and every load of the square asks for them. A listing this instance
// changes shows at once (forget()); one another instance changes, within the minute.
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "store/apps_repo.hpp"

namespace plaza::services {

struct SquareFilters {
  std::vector<store::apps::Count> categories, tags;
};

class SquareFiltersCache {
 public:
  static constexpr int64_t kKeepSeconds = 60;

  // The kept filters while fresh; otherwise nothing, and `generation` to hand to keep() with what
  // the caller reads instead.
  std::optional<SquareFilters> find(int64_t now_s, uint64_t& generation) {
    std::lock_guard lock(mutex_);
    generation = generation_;
    if (kept_ && now_s >= kept_at_ && now_s - kept_at_ < kKeepSeconds) return kept_;  // not if the clock went back
    return std::nullopt;
  }
  // Keeps what was read, unless a listing changed since find() (it may predate the change).
  void keep(SquareFilters filters, int64_t now_s, uint64_t generation) {
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;
    kept_ = std::move(filters);
    kept_at_ = now_s;
  }
  void forget() {
    std::lock_guard lock(mutex_);
    ++generation_;
    kept_.reset();
  }

 private:
  std::mutex mutex_;
  std::optional<SquareFilters> kept_;
  int64_t kept_at_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace plaza::services
