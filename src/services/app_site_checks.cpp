#include "services/app_site_checks.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "store/billing_repo.hpp"
#include "store/relay_repo.hpp"

namespace plaza::services {

namespace {

// The models a chat may be relayed to, read as the relay's channel directory reads them.
struct Offered {
  std::set<std::string> served;    // by a channel the operator switched on
  std::set<std::string> switched;  // off in the catalogue
};

Offered offered(store::Conn& c) {
  Offered o;
  for (const auto& ch : store::channels::list(c))
    if (ch.enabled && !ch.keys.empty())
      for (const auto& m : ch.models) o.served.insert(m.model);
  for (const auto& m : store::models::list(c))
    if (!m.enabled) o.switched.insert(m.id);
  return o;
}

void check_model(const Offered& o, const std::string& model, const char* field) {
  // An app's chat is relayed to its model as it stands: an app or market name there would be
  // looked up as a plain model, found nowhere, and answered with a 404 naming it to every user.
  if (model.starts_with("app/") || model.starts_with("market/"))
    throw Error(ErrorCode::invalid_request,
                "'" + model + "' is an app or a market model; an app runs on a model of the site", field);
  if (o.switched.count(model))
    throw Error(ErrorCode::invalid_request, "the model '" + model + "' is switched off on this site; choose another",
                field);
  if (!o.served.count(model))
    throw Error(ErrorCode::invalid_request, "this site offers no model '" + model + "'; choose one of its models",
                field);
}

void check_plan_level(store::Conn& c, int64_t level) {
  if (level <= 0) return;
  // Every plan, switched off or not: its subscribers keep it until it ends, and it may be sold again.
  int64_t highest = 0;
  for (const auto& p : store::plans::list(c, false)) highest = std::max(highest, p.level);
  if (level <= highest) return;
  throw Error(ErrorCode::invalid_request,
              highest == 0 ? "this site sells no plans: min_plan_level must be 0"
                           : "the highest plan level on this site is " + std::to_string(highest) +
                                 ": min_plan_level must be 0 to " + std::to_string(highest),
              "min_plan_level");
}

}  // namespace

void check_site_offers(store::Conn& c, const store::AppContent& content) {
  const auto o = offered(c);
  check_model(o, content.default_model, "default_model");
  for (const auto& m : content.allowed_models) check_model(o, m, "allowed_models");
  check_plan_level(c, content.min_plan_level);
}

void check_site_offers_changed(store::Conn& c, const store::AppContent& content,
                               const std::optional<store::AppContent>& stored) {
  if (!stored) return check_site_offers(c, content);
  const auto o = offered(c);
  if (content.default_model != stored->default_model) check_model(o, content.default_model, "default_model");
  const std::set<std::string> had(stored->allowed_models.begin(), stored->allowed_models.end());
  for (const auto& m : content.allowed_models)
    if (!had.count(m)) check_model(o, m, "allowed_models");
  if (content.min_plan_level != stored->min_plan_level) check_plan_level(c, content.min_plan_level);
}

}  // namespace plaza::services
