#pragma once
// Whether searches of the square (their words and filters) have at least the capped count of
// matches, remembered for a minute per instance. For such a search, finding out is much of what it
// costs (a scan, for a two-character word; a join, for a tag and a category), and the answer changes
// slowly. It only picks how a page is read (store::apps::Filter::many_matches): a search that fell
// below the cap is still paged right (its total says the cap until forgotten), one that grew past it
// is found out.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/validation.hpp"
#include "store/apps_repo.hpp"

namespace plaza::services {

class SearchVerdicts {
 public:
  static constexpr int64_t kKeepSeconds = 60;
  static constexpr std::size_t kMaxSearches = 10'000;

  static std::string key(const store::apps::Filter& f) {
    return ascii_lower(f.q) + '\x1f' + f.tag + '\x1f' + f.category + '\x1f' +
           (f.owner_id ? std::to_string(*f.owner_id) : std::string());
  }
  std::optional<bool> find(const std::string& key, int64_t now_s) {
    std::lock_guard lock(mutex_);
    auto it = searches_.find(key);
    if (it == searches_.end()) return std::nullopt;
    int64_t age = now_s - it->second.second;
    if (age < 0 || age >= kKeepSeconds) return std::nullopt;  // a clock set back forgets too
    return it->second.first;
  }
  void remember(const std::string& key, bool many, int64_t now_s) {
    std::lock_guard lock(mutex_);
    if (searches_.size() >= kMaxSearches) searches_.clear();  // a bound, not an eviction policy: a minute refills it
    searches_[key] = {many, now_s};
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::pair<bool, int64_t>> searches_;  // key -> (many, learnt at)
};

}  // namespace plaza::services
