#pragma once
// Model prices and group multipliers, cached in memory so that a free model costs the request no
// trip to the database. Reloaded at once after an edit on this instance or another (heard through
// store/changes.hpp), and every `refresh` in case one was not heard.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/money.hpp"
#include "core/reload_claim.hpp"
#include "store/database.hpp"

namespace plaza::billing {

class PriceBook {
 public:
  explicit PriceBook(std::chrono::milliseconds refresh) : refresh_(refresh) {}

  money::Price price(const std::string& model) const;  // unpriced models are free
  int64_t multiplier(const std::string& group) const;  // unknown groups pay 1.0
  // Held by the one caller that should reload now (see core/reload_claim.hpp): nothing is loaded,
  // or what is has gone stale; the others price with what is loaded meanwhile.
  std::optional<ReloadClaim::Held> claim_reload();
  void invalidate();
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
  uint64_t generation_ = 0;  // invalidate() calls (under mutex_): a reload that read before one is stale
  ReloadClaim reload_claim_;
};

}  // namespace plaza::billing
