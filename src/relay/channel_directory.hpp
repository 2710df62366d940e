#pragma once
// The channels the relay may use, cached in memory (with their keys opened) and reloaded from the
// database after an admin change on any instance (store/changes.hpp) and every few seconds in case
// one was not heard; a circuit breaker per channel; and the order in which to try channels for a
// request.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/reload_claim.hpp"
#include "crypto/secretbox.hpp"
#include "store/database.hpp"
#include "store/relay_records.hpp"

namespace plaza::relay {

struct Candidate {
  std::shared_ptr<const store::Channel> channel;
  std::string upstream_model;
  int64_t key_id = 0;
  std::string key;  // the opened secret, for the Authorization header only
};

struct BreakerOptions {
  int failures_to_open = 5;
  int64_t open_ms = 30'000;
};

class ChannelDirectory {
 public:
  ChannelDirectory(store::Database& db, const crypto::SecretBox& box, const Clock& clock, int64_t refresh_ms,
                   BreakerOptions breaker = {});

  // Channels to try for `model` and `group`, in order: highest priority first, weighted random
  // within a priority, channels with an open breaker last. The caller reloads first when
  // claim_reload() says so.
  std::vector<Candidate> candidates(const std::string& model, const std::string& group);
  // What a request for `model` needs to know, under one lock: whether the catalogue switched it off
  // or says it reads no images, and the candidates() to try when neither stops it.
  struct Route {
    bool disabled = false;
    bool reads_images = true;
    std::vector<Candidate> candidates;
  };
  Route route(const std::string& model, const std::string& group);
  // Another enabled key of the channel than those in `excluding` (one the upstream refused or
  // rate-limited), as an id and opened secret; nothing when it has none.
  std::optional<std::pair<int64_t, std::string>> another_key(int64_t channel_id, const std::vector<int64_t>& excluding);
  // The public models a group can reach (enabled channels, enabled keys, not hidden by the catalogue),
  // in the catalogue's order: by position, then by id.
  std::vector<std::string> models_for_group(const std::string& group);
  // The catalogue's entries for `ids`, in their order; a model it does not list is named by its id.
  std::vector<store::Model> describe(const std::vector<std::string>& ids);
  // The longest answer a channel serving `model` asks for when a request sets no max_tokens (an
  // Anthropic channel's default_max_tokens), or 0: what a hold must cover for such a request.
  int64_t longest_default_answer(const std::string& model);
  // What one image counts in a prompt to `model`: its catalogue entry's image_tokens, or the default.
  int64_t image_tokens(const std::string& model);
  // The catalogue does not say `model` is text-only (a model it does not list reads images).
  bool reads_images(const std::string& model);

  void record_success(int64_t channel_id);
  void record_failure(int64_t channel_id);
  bool breaker_open(int64_t channel_id);
  // The upstream answered 404 for the candidate's model: a wrong model mapping or base URL, or a
  // key without access to the model. The channel goes last for that model (its others are fine)
  // for the breaker's cool-down, so that every request does not spend an attempt on it; an admin
  // change of its base URL or of the model's upstream name forgets it at once.
  void record_missing_model(const Candidate& c, const std::string& model);

  // Reload from the database (after an admin change, or when stale). Blocking: call on the db pool.
  void reload() { install(read()); }
  void invalidate();  // the next request reloads
  // reload() in its two steps, so that a test can put an admin change between them. A snapshot read
  // before an invalidate() is installed but leaves the directory stale (it may lack the change); one
  // read before a snapshot already installed is dropped (reloads may overlap).
  struct Snapshot;
  Snapshot read();
  void install(Snapshot snapshot);
  // Held by the one caller that should reload now (see core/reload_claim.hpp): nothing is loaded
  // (first use, or invalidated by an admin change), or what is has gone stale.
  std::optional<ReloadClaim::Held> claim_reload();

 private:
  struct Breaker {
    int consecutive_failures = 0;
    int64_t open_until_ms = 0;
  };
  struct MissingModel {
    std::string base_url;  // as it was asked
    std::string upstream_model;
    int64_t until_ms = 0;
  };
  struct Entry {
    std::shared_ptr<const store::Channel> channel;
    std::vector<std::pair<int64_t, std::string>> keys;  // enabled keys, opened
  };
  std::vector<Candidate> candidates_locked(const std::string& model, const std::string& group);
  bool reads_images_locked(const std::string& model) const;
  bool model_disabled_locked(const std::string& model) const;
  const store::Model* catalogued_locked(const std::string& model) const;  // null: not in the catalogue

 public:
  struct Snapshot {
    uint64_t ticket = 0;      // reads are numbered as they start
    uint64_t generation = 0;  // invalidate() calls before the read started
    std::vector<Entry> entries;
    std::map<std::string, store::Model, std::less<>> catalogue;  // by public model
  };

 private:
  store::Database& db_;
  const crypto::SecretBox& box_;
  const Clock& clock_;
  int64_t refresh_ms_;
  BreakerOptions breaker_options_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  std::map<std::string, int64_t, std::less<>> default_answers_;  // by public model, from install()
  // By public model: the source of model_disabled, reads_images, image_tokens and describe.
  std::map<std::string, store::Model, std::less<>> catalogue_;
  int64_t loaded_at_ms_ = -1;
  uint64_t tickets_ = 0;           // the last read's number
  uint64_t installed_ticket_ = 0;  // the installed snapshot's
  uint64_t generation_ = 0;        // invalidate() calls
  ReloadClaim reload_claim_;
  std::map<int64_t, Breaker> breakers_;
  std::map<std::pair<int64_t, std::string>, MissingModel> missing_models_;  // by channel and public model
  std::map<int64_t, uint64_t> next_key_;  // round robin over a channel's keys
  // What could not be opened (a key, a proxy password), logged once rather than on every reload.
  std::set<std::string> unopenable_;
  bool first_failure_to_open(const std::string& what);
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace plaza::relay
