// An app's models and plan level against what the site offers, on both backends: models served by
// a channel the operator switched on and not switched off in the catalogue; never an app or a market
// model; a plan level some plan reaches.
#include "services/app_site_checks.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "store/billing_repo.hpp"
#include "store/relay_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

class AppSiteChecksTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    add_channel("main", {"gpt-4o-mini", "gpt-4o", "hidden"}, true);
    add_channel("off", {"only-off"}, false);
    db().write_sync([](store::Conn& c) {
      store::Model hidden;
      hidden.id = "hidden";
      hidden.display_name = "Hidden";
      hidden.enabled = false;
      store::models::upsert(c, hidden, 1);
      store::Model listed;  // a catalogue entry no channel serves
      listed.id = "listed-only";
      listed.display_name = "Listed";
      store::models::upsert(c, listed, 1);
    });
  }
  void add_channel(const std::string& name, const std::vector<std::string>& models, bool enabled) {
    store::Channel ch;
    ch.type = "openai";
    ch.name = name;
    ch.base_url = "http://" + name + ".example/v1";
    for (const auto& m : models) ch.models.push_back({m, m});
    ch.enabled = enabled;
    ch.keys.push_back({0, "sealed", "abcd", true, ""});
    db().write_sync([&](store::Conn& c) { store::channels::create(c, ch, 1); });
  }
  void add_plan(int64_t level, bool enabled) {
    store::Plan p;
    p.name = "level " + std::to_string(level);
    p.level = level;
    p.price = 1'000'000;
    p.enabled = enabled;
    db().write_sync([&](store::Conn& c) { store::plans::create(c, p, 1); });
  }
  // The field the check refuses, and its message; "" when it passes.
  std::pair<std::string, std::string> refused(const store::AppContent& content) {
    try {
      db().read_sync([&](store::Conn& c) { check_site_offers(c, content); });
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_request);
      return {e.field(), e.what()};
    }
    return {};
  }
  std::pair<std::string, std::string> refused_edit(const store::AppContent& content,
                                                   const std::optional<store::AppContent>& stored) {
    try {
      db().read_sync([&](store::Conn& c) { check_site_offers_changed(c, content, stored); });
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_request);
      return {e.field(), e.what()};
    }
    return {};
  }
  static store::AppContent app(std::string model, std::vector<std::string> allowed = {}, int64_t level = 0) {
    store::AppContent c;
    c.title = "t";
    c.default_model = std::move(model);
    c.allowed_models = std::move(allowed);
    c.min_plan_level = level;
    return c;
  }
};

TEST_P(AppSiteChecksTest, TakesTheModelsAChannelServes) {
  EXPECT_EQ(refused(app("gpt-4o-mini", {"gpt-4o"})).first, "");
}

TEST_P(AppSiteChecksTest, RefusesAModelNoChannelServes) {
  auto [field, message] = refused(app("gpt-9-ultra"));
  EXPECT_EQ(field, "default_model");
  EXPECT_NE(message.find("gpt-9-ultra"), std::string::npos);
  EXPECT_EQ(refused(app("listed-only")).first, "default_model") << "a catalogue entry alone serves nothing";
  EXPECT_EQ(refused(app("only-off")).first, "default_model") << "its only channel is switched off";
  EXPECT_EQ(refused(app("gpt-4o-mini", {"gpt-4o", "gpt-9-ultra"})).first, "allowed_models");
}

TEST_P(AppSiteChecksTest, RefusesAModelTheCatalogueSwitchedOff) {
  auto [field, message] = refused(app("hidden"));
  EXPECT_EQ(field, "default_model");
  EXPECT_NE(message.find("switched off"), std::string::npos);
}

TEST_P(AppSiteChecksTest, RefusesAppsAndMarketModelsAsModels) {
  add_channel("odd", {"app/writing-coach", "market/x"}, true);  // even were a channel to use such a name
  EXPECT_EQ(refused(app("app/writing-coach")).first, "default_model");
  EXPECT_EQ(refused(app("market/x")).first, "default_model");
  EXPECT_EQ(refused(app("gpt-4o", {"app/writing-coach"})).first, "allowed_models");
}

TEST_P(AppSiteChecksTest, TakesAPlanLevelSomePlanReaches) {
  EXPECT_EQ(refused(app("gpt-4o", {}, 0)).first, "") << "level 0 needs no plan";
  auto [field, message] = refused(app("gpt-4o", {}, 1));
  EXPECT_EQ(field, "min_plan_level");
  EXPECT_NE(message.find("sells no plans"), std::string::npos);
  add_plan(2, true);
  add_plan(3, false);  // not sold now, but its subscribers keep it
  EXPECT_EQ(refused(app("gpt-4o", {}, 2)).first, "");
  EXPECT_EQ(refused(app("gpt-4o", {}, 3)).first, "");
  std::tie(field, message) = refused(app("gpt-4o", {}, 4));
  EXPECT_EQ(field, "min_plan_level");
  EXPECT_NE(message.find("highest plan level on this site is 3"), std::string::npos) << message;
}

TEST_P(AppSiteChecksTest, AnEditChecksOnlyWhatItChanges) {
  // The operator switched the app's models off after it was saved: a title fix still saves.
  auto stored = app("hidden", {"only-off"}, 5);
  auto edited = stored;
  edited.title = "fixed";
  EXPECT_EQ(refused_edit(edited, stored).first, "");
  edited.allowed_models = {"only-off", "gpt-4o"};
  EXPECT_EQ(refused_edit(edited, stored).first, "") << "a served model added beside the stored one";
  edited.allowed_models = {"only-off", "listed-only"};
  EXPECT_EQ(refused_edit(edited, stored).first, "allowed_models") << "a new model is checked";
  edited.allowed_models = stored.allowed_models;
  edited.default_model = "only-off";
  EXPECT_EQ(refused_edit(edited, stored).first, "default_model") << "a changed default is checked";
  edited.default_model = "gpt-4o";
  EXPECT_EQ(refused_edit(edited, stored).first, "");
  edited.min_plan_level = 4;
  EXPECT_EQ(refused_edit(edited, stored).first, "min_plan_level") << "a changed level is checked";
  edited.min_plan_level = 0;
  EXPECT_EQ(refused_edit(edited, stored).first, "");
  EXPECT_EQ(refused_edit(stored, std::nullopt).first, "default_model") << "nothing stored: all is checked";
}

}  // namespace

PLAZA_INSTANTIATE_FOR_BACKENDS(AppSiteChecksTest);

}  // namespace plaza::services
