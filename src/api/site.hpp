#pragma once
// Everything a request handler may use, built once at start-up.
#include <memory>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "services/accounts.hpp"
#include "services/api_keys.hpp"
#include "services/login_throttle.hpp"
#include "store/database.hpp"

namespace plaza::api {

struct Site {
  Site(Config config, store::Database& db, const Clock& clock);

  Config config;
  store::Database& db;
  const Clock& clock;
  services::LoginThrottle login_throttle;
  services::Accounts accounts;
  services::ApiKeys keys;
  http::RateLimiter api_limiter;
  http::StaticFiles static_files;
  http::Metrics* metrics = nullptr;  // set by register_routes
};

crypto::PasswordCost password_cost(const std::string& name);

// Builds every route; the returned metrics are labelled with the routes' patterns.
std::unique_ptr<http::Metrics> register_routes(http::Router& router, Site& site);

}  // namespace plaza::api
