// Apps: validating an app's content, creating and editing it, submitting it through moderation,
// and its owner unpublishing and republishing it.
#include "services/apps.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/moderation.hpp"
#include "core/money.hpp"
#include "core/validation.hpp"
#include "relay/request_fields.hpp"
#include "services/app_site_checks.hpp"
#include "services/apps_internal.hpp"
#include "services/square_filters.hpp"
#include "store/async.hpp"
#include "store/settings_repo.hpp"

namespace plaza::services {

namespace bj = boost::json;
using store::App;
using store::AppContent;
using namespace apps_internal;

namespace {

// Every text field a submission carries, for moderation.
std::vector<std::pair<std::string, std::string>> text_fields(const AppContent& c) {
  std::vector<std::pair<std::string, std::string>> out{{"title", c.title},
                                                       {"description", c.description},
                                                       {"instructions", c.instructions},
                                                       {"opening_message", c.opening_message},
                                                       {"category", c.category},
                                                       {"system_prompt", c.system_prompt},
                                                       {"suffix", c.suffix}};
  for (const auto& t : c.tags) out.emplace_back("tags", t);
  for (const auto& q : c.suggested_questions) out.emplace_back("suggested_questions", q);
  for (const auto& m : c.prefix_messages) out.emplace_back("prefix_messages", m.content);
  return out;
}

// The word list's hits and the external provider's, as the draft's moderation flags.
std::string moderate(store::Conn& c, const AppContent& content, const std::vector<ModerationFlag>& external) {
  moderation::Matcher matcher(store::apps::words(c));
  bj::array flags;
  if (!matcher.empty())
    for (const auto& [field, text] : text_fields(content))
      for (const auto& hit : matcher.find(text)) flags.push_back(bj::object{{"field", field}, {"word", hit.word}});
  for (const auto& f : external) flags.push_back(bj::object{{"field", f.field}, {"word", f.word}});
  return bj::serialize(flags);
}

}  // namespace

void check_slug(const std::string& slug) {
  if (slug.size() < 3 || slug.size() > 40)
    throw Error(ErrorCode::invalid_request, "a slug is 3 to 40 characters", "slug");
  for (char ch : slug)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
      throw Error(ErrorCode::invalid_request, "a slug has lower-case letters, digits and dashes", "slug");
  if (slug.front() == '-' || slug.back() == '-')
    throw Error(ErrorCode::invalid_request, "a slug does not start or end with a dash", "slug");
}

void check_pricing(const AppContent& c) {
  constexpr int64_t kCredit = money::kMicro;
  if (c.price_mode == "free") {
    if (c.price != 0 || c.surcharge_ppm != 0)
      throw Error(ErrorCode::invalid_request, "a free app has no price", "pricing");
  } else if (c.price_mode == "per_message") {
    if (c.price < 1 || c.price > 100 * kCredit)
      throw Error(ErrorCode::invalid_request, "a surcharge per message is above 0 and at most 100 credits", "pricing");
    if (c.surcharge_ppm != 0)
      throw Error(ErrorCode::invalid_request, "a per-message price has no percentage", "pricing");
  } else if (c.price_mode == "per_token") {
    if (c.surcharge_ppm < 1 || c.surcharge_ppm > 10'000'000)
      throw Error(ErrorCode::invalid_request, "a per-token surcharge is above 0% and at most 1000% of the model cost",
                  "pricing");
    if (c.price != 0) throw Error(ErrorCode::invalid_request, "a per-token surcharge has no fixed price", "pricing");
  } else if (c.price_mode == "one_time") {
    if (c.price < 1 || c.price > 10'000 * kCredit)
      throw Error(ErrorCode::invalid_request, "an unlock costs above 0 and at most 10,000 credits", "pricing");
    if (c.surcharge_ppm != 0) throw Error(ErrorCode::invalid_request, "an unlock has no percentage", "pricing");
  } else {
    throw Error(ErrorCode::invalid_request, "pricing mode is free, per_message, per_token or one_time", "pricing");
  }
}

void check_content(const AppContent& c) {
  auto text = [](const std::string& v, std::size_t max, const char* field, bool required = false) {
    if (required && v.empty()) throw Error(ErrorCode::invalid_request, std::string(field) + " is required", field);
    if (v.size() > max || !is_valid_utf8(v))
      throw Error(ErrorCode::invalid_request, std::string(field) + " is too long or not text", field);
  };
  text(c.title, 100, "title", true);
  text(c.avatar, 300, "avatar");
  text(c.category, 50, "category");
  text(c.description, 1000, "description");
  text(c.instructions, 20000, "instructions");
  text(c.opening_message, 4000, "opening_message");
  text(c.default_model, 200, "default_model", true);
  text(c.system_prompt, 64 * 1024, "system_prompt");
  text(c.suffix, 8000, "suffix");
  if (c.tags.size() > 10) throw Error(ErrorCode::invalid_request, "at most 10 tags", "tags");
  for (const auto& t : c.tags) text(t, 30, "tags", true);
  if (c.suggested_questions.size() > 8)
    throw Error(ErrorCode::invalid_request, "at most 8 suggested questions", "suggested_questions");
  for (const auto& q : c.suggested_questions) text(q, 300, "suggested_questions", true);
  if (c.allowed_models.size() > 20) throw Error(ErrorCode::invalid_request, "at most 20 models", "allowed_models");
  for (const auto& m : c.allowed_models) text(m, 200, "allowed_models", true);
  if (c.prefix_messages.size() > 20)
    throw Error(ErrorCode::invalid_request, "at most 20 prefix messages", "prefix_messages");
  for (const auto& m : c.prefix_messages) {
    if (m.role != "user" && m.role != "assistant")
      throw Error(ErrorCode::invalid_request, "prefix messages are from the user or the assistant", "prefix_messages");
    text(m.content, 16000, "prefix_messages", true);
  }
  if (c.visibility != "private" && c.visibility != "unlisted" && c.visibility != "public")
    throw Error(ErrorCode::invalid_request, "visibility is private, unlisted or public", "visibility");
  if (c.min_plan_level < 0 || c.min_plan_level > 100)
    throw Error(ErrorCode::invalid_request, "min_plan_level is 0..100", "min_plan_level");
  check_pricing(c);
  boost::system::error_code ec;
  auto params = bj::parse(c.parameters, ec);
  if (ec || !params.is_object() || c.parameters.size() > 4000)
    throw Error(ErrorCode::invalid_request, "parameters is a JSON object", "parameters");
  for (const auto& [key, value] : params.as_object())
    if (!app_parameter(key))
      throw Error(
          ErrorCode::invalid_request,
          "parameters may set sampling, length and reasoning only (temperature, top_p, max_tokens, ...), not '" +
              std::string(key) + "'",
          "parameters");
  // A chat's cost is estimated from them: a length of "500" or 0 would make every chat a 400.
  try {
    relay::check_cost_fields(params.as_object());
  } catch (const Error& e) {
    throw Error(ErrorCode::invalid_request, std::string("parameters: ") + e.what(), "parameters");
  }
}

bool app_parameter(std::string_view field) {
  static constexpr std::string_view kAllowed[] = {"temperature",
                                                  "top_p",
                                                  "top_k",
                                                  "min_p",
                                                  "max_tokens",
                                                  "max_completion_tokens",
                                                  "presence_penalty",
                                                  "frequency_penalty",
                                                  "repetition_penalty",
                                                  "stop",
                                                  "seed",
                                                  "response_format",
                                                  "reasoning_effort",
                                                  "reasoning",  // OpenRouter's {effort, max_tokens, exclude}
                                                  "include_reasoning"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), field) != std::end(kAllowed);
}

awaitable<AppView> Apps::create(store::User me, std::string slug, AppContent content) {
  check_slug(slug);
  check_content(content);
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    check_site_offers(c, content);
    std::optional<App> app;
    try {
      app = store::apps::create(c, slug, me.id, me.is_admin() ? "system" : "user", content, now);
    } catch (const store::UniqueViolation&) {
      throw Error(ErrorCode::conflict, "this slug is taken", "slug");
    }
    return view_of(c, *app, me, clock_.now_s());
  });
}

awaitable<AppContent> Apps::editable(store::User me, std::string slug) {
  co_return co_await store::read(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (app.draft_version_id) return store::apps::version(c, *app.draft_version_id)->content;
    auto live = live_of(c, app);
    return live.value_or(AppContent{});
  });
}

awaitable<AppView> Apps::update(store::User me, std::string slug, AppContent content) {
  check_content(content);
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    auto stored =
        app.draft_version_id ? std::optional(store::apps::version(c, *app.draft_version_id)->content) : live_of(c, app);
    check_site_offers_changed(c, content, stored);
    if (app.draft_version_id) {
      // Editing a submission takes it out of the queue: it is a draft again until resubmitted.
      store::apps::update_content(c, *app.draft_version_id, content);
    } else {
      store::apps::add_version(c, app.id, content, now);  // the live version stays up meanwhile
    }
    auto fresh = *store::apps::find_by_id(c, app.id);
    fresh.updated_at = now;
    store::apps::save(c, fresh);
    // Visibility and the like are part of the reviewed content; a private app has nobody to hide from.
    return view_of(c, fresh, me, clock_.now_s());
  });
}

awaitable<AppView> Apps::submit(store::User me, std::string slug) {
  // The external provider is asked outside any transaction; the write below checks that the draft
  // it judged is still the one being submitted.
  struct Draft {
    int64_t version_id;
    std::string content;
    TextFields fields;
    ProviderConfig provider;
  };
  auto draft = co_await store::read(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (!app.draft_version_id) throw Error(ErrorCode::conflict, "there are no changes to submit");
    auto v = *store::apps::version(c, *app.draft_version_id);
    if (v.review_status == "pending") throw Error(ErrorCode::conflict, "this version is already in review");
    check_site_offers(c, v.content);  // saved when the site still offered what it names, maybe
    return Draft{v.id, store::apps::content_json(v.content), text_fields(v.content), load_provider(c, box_)};
  });
  std::vector<ModerationFlag> external;
  if (auto provider = make_provider(draft.provider, upstream_)) external = co_await provider->check(draft.fields);
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    auto v = app.draft_version_id ? store::apps::version(c, *app.draft_version_id) : std::nullopt;
    if (!v || v->id != draft.version_id || store::apps::content_json(v->content) != draft.content ||
        v->review_status == "pending")
      throw Error(ErrorCode::conflict, "the app changed while it was being checked; submit it again");
    std::string flags = moderate(c, v->content, external);
    store::apps::mark_submitted(c, v->id, flags, now);
    store::audit::record(c, me.id, "app.submit", "app:" + slug, "version " + std::to_string(v->number), now);
    // An app an administrator took down goes back through a person, however clean its text.
    if (flags == "[]" && load_settings(c).auto_approve && app.status != "taken_down") {
      store::apps::set_review(c, v->id, "approved", "", flags, std::nullopt, now);
      publish(c, app, v->id, now);
      store::audit::record(c, std::nullopt, "app.auto_approve", "app:" + slug, "", now);
    }
    return view_of(c, *store::apps::find_by_id(c, app.id), me, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<AppView> Apps::unpublish(store::User me, std::string slug) {
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (app.status != "published") throw Error(ErrorCode::conflict, "the app is not published");
    app.status = "unpublished";
    app.updated_at = now;
    store::apps::save(c, app);
    store::apps::reindex(c, app, live_of(c, app));
    store::audit::record(c, me.id, "app.unpublish", "app:" + slug, "", now);
    return view_of(c, app, me, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}

awaitable<AppView> Apps::republish(store::User me, std::string slug) {
  int64_t now = clock_.now_s();
  auto view = co_await store::write(db_, [&](store::Conn& c) {
    auto app = require_owned(c, slug, me);
    if (app.status != "unpublished" || !app.live_version_id)
      throw Error(ErrorCode::conflict, app.status == "taken_down"
                                           ? "an administrator took this app down; edit it and submit it again"
                                           : "only an unpublished app with an approved version can be republished");
    app.status = "published";
    app.updated_at = now;
    store::apps::save(c, app);
    store::apps::reindex(c, app, live_of(c, app));
    store::audit::record(c, me.id, "app.republish", "app:" + slug, "", now);
    return view_of(c, app, me, clock_.now_s());
  });
  filters_->forget();  // what the square lists may have changed
  co_return view;
}
}  // namespace plaza::services
