#include "api/site.hpp"

namespace plaza::api {

crypto::PasswordCost password_cost(const std::string& name) {
  if (name == "min") return crypto::PasswordCost::min;
  if (name == "moderate") return crypto::PasswordCost::moderate;
  return crypto::PasswordCost::interactive;
}

Site::Site(Config cfg, store::Database& database, const Clock& clk)
    : config(std::move(cfg)),
      db(database),
      clock(clk),
      login_throttle(clock, config.login_failures_before_backoff),
      accounts(db, clock, login_throttle,
               services::AccountsOptions{password_cost(config.password_cost),
                                         int64_t{config.session_ttl_hours} * 3600}),
      keys(db, clock),
      // Bursts of a quarter of the per-minute budget: a page load fires several requests at once.
      api_limiter(config.api_rate_per_minute, std::max(10.0, config.api_rate_per_minute / 4.0)),
      static_files(config.web_dir) {}

}  // namespace plaza::api
