#include "billing/price_book.hpp"

#include "store/billing_repo.hpp"

namespace plaza::billing {

namespace {
int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

money::Price PriceBook::price(const std::string& model) const {
  std::shared_ptr<const Snapshot> s;
  {
    std::lock_guard lock(mutex_);
    s = snapshot_;
  }
  auto it = s->prices.find(model);
  return it == s->prices.end() ? money::Price{} : it->second;
}

int64_t PriceBook::multiplier(const std::string& group) const {
  std::shared_ptr<const Snapshot> s;
  {
    std::lock_guard lock(mutex_);
    s = snapshot_;
  }
  auto it = s->multipliers.find(group);
  return it == s->multipliers.end() ? money::kPpmOne : it->second;
}

std::optional<ReloadClaim::Held> PriceBook::claim_reload() {
  auto at = loaded_at_ms_.load();
  return reload_claim_.take(at != 0, steady_ms() - at >= refresh_.count());
}

void PriceBook::invalidate() {
  std::lock_guard lock(mutex_);
  ++generation_;
  loaded_at_ms_.store(0);
}

void PriceBook::reload(store::Conn& c) {
  uint64_t generation;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
  }
  auto next = std::make_shared<Snapshot>();
  for (auto& row : store::prices::list(c)) next->prices.emplace(row.model, row.price);
  for (auto& g : store::groups::list(c)) next->multipliers.emplace(g.name, g.multiplier_ppm);
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(next);
  // An edit made while this read ran may be missing from it: stay stale, so the next call reloads.
  if (generation == generation_) loaded_at_ms_.store(std::max<int64_t>(steady_ms(), 1));
}

}  // namespace plaza::billing
