// Apps: the reviewers' side: the review queue, approvals, rejections and takedowns, and the
// moderation settings (the word list, the external provider, auto-approval and the leak guard).
#include "services/apps.hpp"

#include "core/error.hpp"
#include "core/moderation.hpp"
#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "services/app_site_checks.hpp"
#include "services/apps_internal.hpp"
#include "services/square_filters.hpp"
#include "store/async.hpp"
#include "store/settings_repo.hpp"

namespace plaza::services {

using store::App;
using namespace apps_internal;

std::string review_revision(const store::AppVersion& v) {
  return crypto::sha256_hex(std::to_string(v.id) + "|" + std::to_string(v.submitted_at.value_or(0)) + "|" +
                            store::apps::content_json(v.content))
      .substr(0, 16);
}

namespace {
// The version in review, as the reviewer saw it when they name its revision.
store::AppVersion in_review(store::Conn& c, const App& app, const std::optional<std::string>& revision) {
  if (app.draft_version_id) store::apps::lock_version(c, *app.draft_version_id);  // then read as it stands
  auto draft = app.draft_version_id ? store::apps::version(c, *app.draft_version_id) : std::nullopt;
  if (!draft || draft->review_status != "pending") throw Error(ErrorCode::conflict, "nothing of this app is in review");
  if (revision && *revision != review_revision(*draft))
    throw Error(ErrorCode::conflict, "the creator changed this submission after you opened it: look at it again",
                "revision");
  return *draft;
}
}  // namespace

awaitable<std::vector<ReviewItem>> Apps::review_queue(store::User admin) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    std::vector<ReviewItem> out;
    for (auto& draft : store::apps::pending(c, 200)) {
      auto app = store::apps::find_by_id(c, draft.app_id);
      if (!app) continue;
      auto view = view_of(c, *app, admin, clock_.now_s());
      out.push_back({view, draft, view.live});
    }
    return out;
  });
}

awaitable<AppView> Apps::approve(store::User admin, std::string slug, std::optional<std::string> revision) {
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    auto draft = in_review(c, app, revision);
    check_site_offers(c, draft.content);  // the operator may have switched its model off since it was submitted
    store::apps::set_review(c, draft.id, "approved", "", draft.moderation_flags, admin.id, now);
    publish(c, app, draft.id, now);
    store::audit::record(c, admin.id, "app.approve", "app:" + slug, "version " + std::to_string(draft.number), now);
    return view_of(c, app, admin, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<AppView> Apps::reject(store::User admin, std::string slug, std::string reason,
                                std::optional<std::string> revision) {
  if (reason.empty() || reason.size() > 2000)
    throw Error(ErrorCode::invalid_request, "give the creator a reason (up to 2000 characters)", "reason");
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    auto draft = in_review(c, app, revision);
    store::apps::set_review(c, draft.id, "rejected", reason, draft.moderation_flags, admin.id, now);
    store::audit::record(c, admin.id, "app.reject", "app:" + slug, reason, now);
    return view_of(c, app, admin, clock_.now_s());
  });
}

awaitable<AppView> Apps::takedown(store::User admin, std::string slug, std::string reason) {
  if (reason.empty() || reason.size() > 2000)
    throw Error(ErrorCode::invalid_request, "give the creator a reason (up to 2000 characters)", "reason");
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_app(c, slug);
    app.status = "taken_down";
    app.takedown_reason = reason;
    app.updated_at = now;
    store::apps::save(c, app);
    store::apps::reindex(c, app, live_of(c, app));
    store::audit::record(c, admin.id, "app.takedown", "app:" + slug, reason, now);
    return view_of(c, app, admin, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<std::vector<std::string>> Apps::words() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::apps::words(c); });
}

awaitable<void> Apps::set_words(store::User admin, std::vector<std::string> list) {
  if (list.size() > 100'000) throw Error(ErrorCode::invalid_request, "at most 100,000 words", "words");
  std::vector<std::string> clean;
  for (auto& w : list) {
    if (w.size() > 100 || !is_valid_utf8(w))
      throw Error(ErrorCode::invalid_request, "a word is too long or not text", "words");
    if (!moderation::normalize(w).empty()) clean.push_back(std::move(w));
  }
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    store::apps::replace_words(c, clean);
    store::audit::record(c, admin.id, "moderation.words", "words", std::to_string(clean.size()) + " words", now);
  });
}

awaitable<ProviderConfig> Apps::provider() {
  co_return co_await store::read(db_, [this](store::Conn& c) { return load_provider(c, box_); });
}

awaitable<void> Apps::set_provider(store::User admin, ProviderConfig config) {
  if (config.kind != "" && config.kind != "openai" && config.kind != "baidu")
    throw Error(ErrorCode::invalid_request, "the provider is openai, baidu or none", "kind");
  if (!config.kind.empty() && !config.base_url.empty() && !config.base_url.starts_with("https://") &&
      !config.base_url.starts_with("http://"))
    throw Error(ErrorCode::invalid_request, "base_url is an http(s) address", "base_url");
  if (config.kind == "openai" && config.base_url.empty())
    throw Error(ErrorCode::invalid_request, "base_url is required, e.g. https://api.openai.com/v1", "base_url");
  for (const auto* v : {&config.base_url, &config.model, &config.api_key, &config.secret_key})
    if (v->size() > 500) throw Error(ErrorCode::invalid_request, "a value is too long");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    auto stored = load_provider(c, box_);
    // Stored keys stay only with the address they were given for: a new base_url needs them again,
    // or an admin session could send them to a host of its choosing.
    bool same_place = config.kind == stored.kind && config.base_url == stored.base_url;
    if (!same_place && !config.kind.empty() && config.api_key.empty() && !stored.api_key.empty())
      throw Error(ErrorCode::invalid_request, "enter the key again for a new provider or address", "api_key");
    if (config.api_key.empty() && same_place) config.api_key = stored.api_key;
    if (config.secret_key.empty() && same_place) config.secret_key = stored.secret_key;
    save_provider(c, box_, config, now);
    store::audit::record(c, admin.id, "moderation.provider", "settings", config.kind.empty() ? "none" : config.kind,
                         now);
  });
}

awaitable<AppSettings> Apps::settings() {
  co_return co_await store::read(db_, [](store::Conn& c) { return load_settings(c); });
}

awaitable<void> Apps::set_settings(store::User admin, AppSettings s) {
  if (s.leak_word_run < 4 || s.leak_word_run > 200)
    throw Error(ErrorCode::invalid_request, "leak_word_run is 4..200", "leak_word_run");
  if (!(s.leak_ngram_share > 0.05 && s.leak_ngram_share <= 1.0))
    throw Error(ErrorCode::invalid_request, "leak_ngram_share is above 0.05 and at most 1", "leak_ngram_share");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    store::settings::put(c, "apps.auto_approve", s.auto_approve ? "true" : "false", now);
    store::settings::put(c, "apps.leak_word_run", std::to_string(s.leak_word_run), now);
    store::settings::put(c, "apps.leak_ngram_share", std::to_string(s.leak_ngram_share), now);
    store::audit::record(c, admin.id, "apps.settings", "settings",
                         std::string("auto_approve=") + (s.auto_approve ? "on" : "off"), now);
  });
}
}  // namespace plaza::services
