#pragma once
// One reload at a time for a cache read from the database (the channel directory, the price book).
// Once what is loaded goes stale, one caller reloads while the others go on with it: at thousands
// of requests a second, "reload when stale" had every request in that moment start a reload of its
// own. Nothing loaded yet (or invalidated): everyone who needs it loads it.
#include <atomic>
#include <optional>
#include <utility>

namespace plaza {

class ReloadClaim {
 public:
  // Held while its caller reloads; ends the claim when destroyed, whether the reload ran, failed or
  // never started (the database pool may refuse it).
  class Held {
   public:
    explicit Held(ReloadClaim* claim) : claim_(claim) {}
    Held(Held&& other) noexcept : claim_(std::exchange(other.claim_, nullptr)) {}
    Held& operator=(Held&&) = delete;
    ~Held() {
      if (claim_) claim_->held_.store(false);
    }

   private:
    ReloadClaim* claim_;  // null: a load of what was not loaded, which claims nothing
  };

  // A Held when this caller should reload now.
  std::optional<Held> take(bool loaded, bool stale) {
    if (!loaded) return Held(nullptr);
    bool expected = false;
    if (!stale || !held_.compare_exchange_strong(expected, true)) return std::nullopt;
    return Held(this);
  }

 private:
  std::atomic<bool> held_{false};
};

}  // namespace plaza
