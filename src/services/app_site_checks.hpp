#pragma once
// Checks of an app's content against what the site offers when it is saved or submitted: check_content
// (services/apps.hpp) sees the content alone, these read the channels, the model catalogue and the
// plans. An app that passed them could otherwise go live with a model nobody serves, or a plan level
// nobody can buy, and every user of it would meet an error instead.
#include <optional>

#include "store/app_records.hpp"
#include "store/database.hpp"

namespace plaza::services {

// Refuses (invalid_request, on `default_model` / `allowed_models`) a model that is an app or a
// market model, or that no channel the operator switched on serves, or that the catalogue switched
// off; and (on `min_plan_level`) a level above every plan's. Channels failing for the moment
// (auto-disabled, their keys turned off by the relay) still count: they come back by themselves,
// and an edit should not fail while an upstream has a bad minute.
void check_site_offers(store::Conn& c, const store::AppContent& content);

// The same, for an edit of `stored` (the draft, else the live version; none: everything is checked):
// only the default model if it changed, the allowed models it did not name and the plan level if it
// changed. Once the operator switches an app's model off, its owner can still fix a title or cut a
// price; submitting checks everything again, so nothing unusable reaches review.
void check_site_offers_changed(store::Conn& c, const store::AppContent& content,
                               const std::optional<store::AppContent>& stored);

}  // namespace plaza::services
