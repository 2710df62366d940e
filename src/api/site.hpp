#pragma once
// Everything a request handler may use, built once at start-up.
#include <memory>

#include "billing/meter.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/tokenizer.hpp"
#include "crypto/secretbox.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "http/upstream_client.hpp"
#include "relay/channel_directory.hpp"
#include "relay/relay.hpp"
#include "services/accounts.hpp"
#include "services/api_keys.hpp"
#include "services/apps.hpp"
#include "services/billing_admin.hpp"
#include "services/channel_admin.hpp"
#include "services/earnings.hpp"
#include "services/login_throttle.hpp"
#include "services/payments.hpp"
#include "services/wallet.hpp"
#include "store/database.hpp"

namespace plaza::api {

struct Site {
  Site(Config config, store::Database& db, const Clock& clock);
  // The writer finishes its queue while everything its callbacks reach (the relay) still exists.
  ~Site() { group_writer.stop(); }

  Config config;
  store::Database& db;
  const Clock& clock;
  services::LoginThrottle login_throttle;
  services::ApiKeys keys;
  services::Accounts accounts;
  http::RateLimiter api_limiter;
  http::StaticFiles static_files;
  crypto::SecretBox secret_box;
  std::optional<Tokenizer> o200k;   // gpt-4o, o-series and, as the best guess, every other model
  std::optional<Tokenizer> cl100k;  // gpt-4, gpt-3.5
  store::GroupWriter group_writer;
  http::UpstreamClient upstream;
  relay::ChannelDirectory channels;
  billing::Meter meter;
  relay::Relay relay;
  services::ChannelAdmin channel_admin;
  services::Wallet wallet;
  services::BillingAdmin billing_admin;
  services::Apps apps;
  services::Settlement settlement;
  services::Earnings earnings;
  services::Payments payments;
  http::Metrics* metrics = nullptr;  // set by register_routes

  int64_t count_tokens(std::string_view model, std::string_view text) const;
};

crypto::PasswordCost password_cost(const std::string& name);

// Builds every route; the returned metrics are labelled with the routes' patterns.
std::unique_ptr<http::Metrics> register_routes(http::Router& router, Site& site);

}  // namespace plaza::api
