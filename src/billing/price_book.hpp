#pragma once
// Model prices and group multipliers, cached in memory so that a free model costs the request no
// trip to the database. Reloaded every `refresh` (other instances' edits arrive within it) and at
// once after an edit on this instance.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/money.hpp"
#include "store/database.hpp"

namespace plaza::billing {

class PriceBook {
 public:
  explicit PriceBook(std::chrono::milliseconds refresh) : refresh_(refresh) {}

  money::Price price(const std::string& model) const;  // unpriced models are free
  int64_t multiplier(const std::string& group) const;  // unknown groups pay 1.0
  bool stale() const;
  // True when this caller should reload now: nothing is loaded, or what is has gone stale and no
  // other caller is reloading it (the others price with what is loaded meanwhile).
  bool claim_reload();
  // Ends a claim, whether the reload ran, failed or never started (the pool may refuse it).
  void end_reload();
  void invalidate() { loaded_at_ms_.store(0); }
  void reload(store::Conn& c);  // blocking: on the database pool

 private:
  struct Snapshot {
    std::map<std::string, money::Price, std::less<>> prices;
    std::map<std::string, int64_t, std::less<>> multipliers;
  };
  std::chrono::milliseconds refresh_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<Snapshot>();
  std::atomic<int64_t> loaded_at_ms_{0};
  std::atomic<bool> reloading_{false};  // a claimed reload of a loaded book is running
};

}  // namespace plaza::billing
