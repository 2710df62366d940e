#include "relay/channel_directory.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <spdlog/spdlog.h>

#include "relay/image_tokens.hpp"
#include "relay/proxy_url.hpp"
#include "store/relay_repo.hpp"

namespace plaza::relay {

ChannelDirectory::ChannelDirectory(store::Database& db, const crypto::SecretBox& box, const Clock& clock,
                                   int64_t refresh_ms, BreakerOptions breaker)
    : db_(db), box_(box), clock_(clock), refresh_ms_(refresh_ms), breaker_options_(breaker) {}

std::optional<ReloadClaim::Held> ChannelDirectory::claim_reload() {
  std::lock_guard lock(mutex_);
  return reload_claim_.take(loaded_at_ms_ >= 0, clock_.now_ms() - loaded_at_ms_ >= refresh_ms_);
}

void ChannelDirectory::invalidate() {
  std::lock_guard lock(mutex_);
  loaded_at_ms_ = -1;
  ++generation_;
}

ChannelDirectory::Snapshot ChannelDirectory::read() {
  Snapshot s;
  {
    std::lock_guard lock(mutex_);
    s.ticket = ++tickets_;
    s.generation = generation_;
  }
  auto channels = db_.read_sync([](store::Conn& c) { return store::channels::list(c); });
  auto catalogue = db_.read_sync([](store::Conn& c) { return store::models::list(c); });
  for (auto& m : catalogue) {
    std::string id = m.id;
    s.catalogue.emplace(std::move(id), std::move(m));
  }
  for (auto& ch : channels) {
    Entry e;
    for (const auto& k : ch.keys) {
      if (!k.enabled) continue;
      try {
        e.keys.emplace_back(k.id, box_.open(k.sealed));
      } catch (const std::exception& ex) {
        if (first_failure_to_open("key " + std::to_string(k.id)))
          spdlog::error(
              "channel {} key {} cannot be opened (sealed with another secret_key?): {}; it is left out "
              "until it is replaced",
              ch.id, k.id, ex.what());
      }
    }
    try {
      ch.proxy = open_proxy_password(box_, ch.proxy);
    } catch (const std::exception& ex) {
      if (first_failure_to_open("proxy " + std::to_string(ch.id)))
        spdlog::error("channel {} proxy password cannot be opened: {}; the channel is left out until it is edited",
                      ch.id, ex.what());
      e.keys.clear();  // not usable: it would go to its proxy without credentials
    }
    e.channel = std::make_shared<const store::Channel>(std::move(ch));
    s.entries.push_back(std::move(e));
  }
  return s;
}

bool ChannelDirectory::first_failure_to_open(const std::string& what) {
  std::lock_guard lock(mutex_);
  return unopenable_.insert(what).second;
}

void ChannelDirectory::install(Snapshot s) {
  std::lock_guard lock(mutex_);
  if (s.ticket < installed_ticket_) return;  // a reload that read later is in already
  installed_ticket_ = s.ticket;
  entries_ = std::move(s.entries);
  catalogue_ = std::move(s.catalogue);
  default_answers_.clear();
  for (const auto& e : entries_)
    if (e.channel->type == "anthropic" && e.channel->default_max_tokens > 0)
      for (const auto& m : e.channel->models) {
        int64_t& longest = default_answers_[m.model];
        longest = std::max(longest, e.channel->default_max_tokens);
      }
  // An admin change made while this read ran may be missing from it: stay stale, so the next
  // request reloads.
  loaded_at_ms_ = s.generation == generation_ ? clock_.now_ms() : -1;
  // Deleted channels' breakers and key counters go with them.
  auto gone = [this](int64_t id) {
    return std::none_of(entries_.begin(), entries_.end(), [id](const Entry& e) { return e.channel->id == id; });
  };
  std::erase_if(breakers_, [&](const auto& b) { return gone(b.first); });
  std::erase_if(next_key_, [&](const auto& k) { return gone(k.first); });
  // A 404 is forgotten when what was asked has changed: the base URL or the model's upstream name.
  std::erase_if(missing_models_, [&](const auto& m) {
    for (const auto& e : entries_) {
      if (e.channel->id != m.first.first) continue;
      const auto* model = e.channel->find_model(m.first.second);
      return !model || e.channel->base_url != m.second.base_url ||
             (model->upstream.empty() ? model->model : model->upstream) != m.second.upstream_model;
    }
    return true;
  });
}

std::vector<Candidate> ChannelDirectory::candidates(const std::string& model, const std::string& group) {
  std::lock_guard lock(mutex_);
  return candidates_locked(model, group);
}

ChannelDirectory::Route ChannelDirectory::route(const std::string& model, const std::string& group) {
  std::lock_guard lock(mutex_);
  Route r;
  r.disabled = model_disabled_locked(model);
  r.reads_images = reads_images_locked(model);
  if (!r.disabled) r.candidates = candidates_locked(model, group);
  return r;
}

std::vector<Candidate> ChannelDirectory::candidates_locked(const std::string& model, const std::string& group) {
  int64_t now = clock_.now_ms();
  struct Option {
    const Entry* entry;
    const store::ChannelModel* model;
    bool open;
    double sort_key;
  };
  std::vector<Option> options;
  for (const auto& e : entries_) {
    const auto& ch = *e.channel;
    if (!ch.enabled || ch.auto_disabled || e.keys.empty() || !ch.allows_group(group)) continue;
    const auto* m = ch.find_model(model);
    if (!m) continue;
    auto b = breakers_.find(ch.id);
    auto missing = missing_models_.find({ch.id, model});
    bool open = (b != breakers_.end() && b->second.open_until_ms > now) ||
                (missing != missing_models_.end() && missing->second.until_ms > now);
    // Weighted random order within a priority (Efraimidis–Spirakis): key = u^(1/weight).
    double u = std::uniform_real_distribution<double>(1e-12, 1.0)(rng_);
    double key = std::pow(u, 1.0 / static_cast<double>(std::max<int64_t>(1, ch.weight)));
    options.push_back({&e, m, open, key});
  }
  std::sort(options.begin(), options.end(), [](const Option& a, const Option& b) {
    if (a.open != b.open) return !a.open;
    if (a.entry->channel->priority != b.entry->channel->priority)
      return a.entry->channel->priority > b.entry->channel->priority;
    return a.sort_key > b.sort_key;
  });
  std::vector<Candidate> out;
  for (const auto& o : options) {
    const auto& keys = o.entry->keys;
    auto& next = next_key_[o.entry->channel->id];
    const auto& key = keys[next++ % keys.size()];
    out.push_back(
        {o.entry->channel, o.model->upstream.empty() ? o.model->model : o.model->upstream, key.first, key.second});
  }
  return out;
}

std::optional<std::pair<int64_t, std::string>> ChannelDirectory::another_key(int64_t channel_id,
                                                                             const std::vector<int64_t>& excluding) {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.channel->id != channel_id) continue;
    for (const auto& k : e.keys)
      if (std::find(excluding.begin(), excluding.end(), k.first) == excluding.end()) return k;
  }
  return std::nullopt;
}

std::vector<std::string> ChannelDirectory::models_for_group(const std::string& group) {
  std::lock_guard lock(mutex_);
  std::set<std::string> out;
  for (const auto& e : entries_) {
    const auto& ch = *e.channel;
    if (!ch.enabled || ch.auto_disabled || e.keys.empty() || !ch.allows_group(group)) continue;
    for (const auto& m : ch.models) out.insert(m.model);
  }
  std::vector<std::pair<int64_t, std::string>> ordered;
  for (const auto& id : out) {
    const auto* entry = catalogued_locked(id);
    if (entry && !entry->enabled) continue;  // the catalogue switched it off
    ordered.emplace_back(entry ? entry->position : 0, id);
  }
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::string> ids;
  for (auto& [position, id] : ordered) ids.push_back(std::move(id));
  return ids;
}

std::vector<store::Model> ChannelDirectory::describe(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  std::vector<store::Model> out;
  for (const auto& id : ids) {
    if (const auto* entry = catalogued_locked(id)) {
      out.push_back(*entry);
    } else {
      store::Model unlisted;
      unlisted.id = id;
      unlisted.display_name = id;
      out.push_back(std::move(unlisted));
    }
  }
  return out;
}

int64_t ChannelDirectory::longest_default_answer(const std::string& model) {
  std::lock_guard lock(mutex_);
  auto it = default_answers_.find(model);
  return it == default_answers_.end() ? 0 : it->second;
}

int64_t ChannelDirectory::image_tokens(const std::string& model) {
  std::lock_guard lock(mutex_);
  const auto* entry = catalogued_locked(model);
  return entry && entry->image_tokens > 0 ? entry->image_tokens : kDefaultImageTokens;
}

bool ChannelDirectory::reads_images(const std::string& model) {
  std::lock_guard lock(mutex_);
  return reads_images_locked(model);
}

bool ChannelDirectory::reads_images_locked(const std::string& model) const {
  const auto* entry = catalogued_locked(model);
  return !entry || entry->reads_images;
}

bool ChannelDirectory::model_disabled_locked(const std::string& model) const {
  const auto* entry = catalogued_locked(model);
  return entry && !entry->enabled;
}

const store::Model* ChannelDirectory::catalogued_locked(const std::string& model) const {
  auto it = catalogue_.find(model);
  return it == catalogue_.end() ? nullptr : &it->second;
}

void ChannelDirectory::record_success(int64_t channel_id) {
  std::lock_guard lock(mutex_);
  breakers_[channel_id] = {};
}

void ChannelDirectory::record_failure(int64_t channel_id) {
  std::lock_guard lock(mutex_);
  auto& b = breakers_[channel_id];
  int64_t now = clock_.now_ms();
  // While open, failures (of calls that began before it opened, or of tries as the last resort)
  // do not push the end of the cool-down out.
  if (b.open_until_ms > now) return;
  if (++b.consecutive_failures >= breaker_options_.failures_to_open) {
    // Open (or, after a failed half-open trial, re-open) the breaker.
    b.open_until_ms = now + breaker_options_.open_ms;
    b.consecutive_failures = breaker_options_.failures_to_open - 1;
  }
}

void ChannelDirectory::record_missing_model(const Candidate& c, const std::string& model) {
  std::lock_guard lock(mutex_);
  // An answer to what was asked before an edit (installed meanwhile) says nothing of the edited channel.
  auto current =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.channel->id == c.channel->id; });
  if (current == entries_.end() || current->channel->base_url != c.channel->base_url) return;
  const auto* m = current->channel->find_model(model);
  if (!m || (m->upstream.empty() ? m->model : m->upstream) != c.upstream_model) return;
  missing_models_[{c.channel->id, model}] = {c.channel->base_url, c.upstream_model,
                                             clock_.now_ms() + breaker_options_.open_ms};
}

bool ChannelDirectory::breaker_open(int64_t channel_id) {
  std::lock_guard lock(mutex_);
  auto it = breakers_.find(channel_id);
  return it != breakers_.end() && it->second.open_until_ms > clock_.now_ms();
}

}  // namespace plaza::relay
