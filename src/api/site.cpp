#include "api/site.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace plaza::api {

crypto::PasswordCost password_cost(const std::string& name) {
  if (name == "min") return crypto::PasswordCost::min;
  if (name == "moderate") return crypto::PasswordCost::moderate;
  return crypto::PasswordCost::interactive;
}

namespace {
billing::Options billing_options(const Config& config) {
  billing::Options o;
  o.order = money::parse_deduction_order(config.deduction_order);
  o.hold_ttl_s = config.hold_ttl_seconds;
  o.creator_share_ppm = config.creator_share_ppm;
  o.lease_s = config.lease_seconds;
  o.lease_idle_s = config.lease_idle_seconds;
  return o;
}

relay::RelayOptions relay_options(const Config& config) {
  relay::RelayOptions o;
  o.max_attempts = config.relay_max_attempts;
  o.heartbeat = std::chrono::seconds(config.stream_heartbeat_seconds);
  o.max_duration = std::chrono::seconds(config.max_request_seconds);
  if (config.max_request_seconds >= config.hold_ttl_seconds)
    spdlog::warn(
        "max_request_seconds ({}) is not shorter than hold_ttl_seconds ({}): a request may outlive its hold, and "
        "then pays from the user's balances only as far as they go",
        config.max_request_seconds, config.hold_ttl_seconds);
  return o;
}
}  // namespace

Site::Site(Config cfg, store::Database& database, const Clock& clk)
    : config(std::move(cfg)),
      db(database),
      clock(clk),
      login_throttle(clock, config.login_failures_before_backoff),
      keys(db, clock, services::ApiKeysOptions{config.api_key_cache_ms}),
      accounts(db, clock, login_throttle,
               services::AccountsOptions{password_cost(config.password_cost), int64_t{config.session_ttl_hours} * 3600},
               &keys),
      // Bursts of a quarter of the per-minute budget: a page load fires several requests at once.
      api_limiter(config.api_rate_per_minute, std::max(10.0, config.api_rate_per_minute / 4.0)),
      static_files(config.web_dir),
      secret_box(crypto::SecretBox::load_site_key(config.secret_key, config.data_dir)),
      group_writer(db),
      channels(db, secret_box, clock, config.channel_refresh_ms),
      meter(db, group_writer, clock, billing_options(config), std::chrono::milliseconds(config.channel_refresh_ms)),
      relay(
          db, group_writer, upstream, channels, clock,
          [this](std::string_view model, std::string_view text) { return count_tokens(model, text); },
          relay_options(config), config.billing ? &meter : nullptr),
      channel_admin(db, secret_box, clock, upstream, channels),
      wallet(db, clock, &meter),
      billing_admin(db, clock, meter.prices()),
      apps(db, clock, upstream, secret_box),
      settlement(db, clock, services::earnings_options(config)),
      earnings(db, clock, settlement),
      payments(
          db, clock, upstream, secret_box, &meter,
          services::PaymentsOptions{config.currency, config.credits_per_currency_unit, config.effective_public_url()}) {
  try {
    auto encoders = load_encoders(config.tokenizer_dir);
    o200k.emplace(std::move(encoders.o200k));
    cl100k.emplace(std::move(encoders.cl100k));
  } catch (const std::exception& e) {
    // Counting still works, approximately; usage the upstream reports is exact either way. `plaza
    // doctor` reports it as a problem.
    spdlog::error("tokenizer not loaded ({}): token counts fall back to an estimate of 1 token per 4 bytes", e.what());
  }
}

int64_t Site::count_tokens(std::string_view model, std::string_view text) const {
  bool legacy = model.starts_with("gpt-4") && !model.starts_with("gpt-4o") && !model.starts_with("gpt-4.1");
  legacy = legacy || model.starts_with("gpt-3.5");
  const auto& tok = legacy ? cl100k : o200k;
  if (tok) return static_cast<int64_t>(tok->count(text));
  return static_cast<int64_t>((text.size() + 3) / 4);
}

}  // namespace plaza::api
