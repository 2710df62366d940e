#include "http/router.hpp"

#include <gtest/gtest.h>

#include "support/run_sync.hpp"

namespace plaza::http {
namespace {

boost::asio::awaitable<Response> ok(Request&) {
  co_return Response::no_content();
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("POST", "/api/keys", 1000, ok);
    router_.add("GET", "/api/keys", 0, ok);
    router_.add("DELETE", "/api/keys/{id}", 0, ok);
    router_.add("GET", "/api/users/{user}/keys/{key}", 0, ok);
    router_.add("GET", "/api/health/", 0, ok);
    router_.set_fallback(0, ok);
  }
  Router router_;
};

TEST_F(RouterTest, MatchesMethodAndLiteralPath) {
  auto m = router_.match("GET", "/api/keys");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(m.route->pattern, "/api/keys");
  EXPECT_FALSE(m.wrong_method);
  EXPECT_TRUE(m.params.empty());

  m = router_.match("POST", "/api/keys");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "POST");
  EXPECT_EQ(m.route->body_limit, 1000);
}

TEST_F(RouterTest, CapturesAndDecodesParameters) {
  auto m = router_.match("GET", "/api/users/al%20ice/keys/a+b%2Fc");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"user", "al ice"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"key", "a+b/c"})) << "'+' stays '+' in paths";
}

TEST(RouterRestTest, ALastRestParameterTakesTheRestOfThePath) {
  Router router;
  router.add("GET", "/v1/models", 0, ok);
  router.add("GET", "/v1/models/{id...}", 0, ok);
  auto id_of = [&](std::string_view path) -> std::string {
    auto m = router.match("GET", path);
    if (!m.route || m.params.size() != 1 || m.params[0].first != "id") return "(no match)";
    return m.params[0].second;
  };
  EXPECT_EQ(id_of("/v1/models/gpt-4o"), "gpt-4o");
  EXPECT_EQ(id_of("/v1/models/app/my-app"), "app/my-app");
  EXPECT_EQ(id_of("/v1/models/accounts/fireworks/models/x"), "accounts/fireworks/models/x");
  EXPECT_EQ(id_of("/v1/models/openai%2Fgpt-4o"), "openai/gpt-4o") << "an SDK encodes the slash";
  EXPECT_EQ(router.match("GET", "/v1/models").route->pattern, "/v1/models");
  EXPECT_EQ(id_of("/v1/models/"), "(no match)");
  EXPECT_EQ(id_of("/v1/models/app/"), "(no match)") << "no empty segment inside the rest";
}

TEST_F(RouterTest, EmptyParameterDoesNotMatch) {
  auto m = router_.match("DELETE", "/api/keys/");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.wrong_method);
}

TEST_F(RouterTest, WrongMethodIsReportedWhenThePathExists) {
  auto m = router_.match("PUT", "/api/keys");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.wrong_method);
  EXPECT_EQ(m.allowed, "POST, GET, HEAD") << "a GET route answers HEAD too";

  m = router_.match("GET", "/api/keys/7");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.wrong_method);
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, HeadIsServedByGet) {
  auto m = router_.match("HEAD", "/api/keys");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_TRUE(router_.match("HEAD", "/api/keys/1").wrong_method) << "HEAD does not reach DELETE";
}

TEST_F(RouterTest, UnknownPathsFallThrough) {
  for (const char* path :
       {"/", "/api", "/api/keys/1/extra", "/api/keysx", "/API/keys", "", "api/keys", "/api/users/a/keys"}) {
    auto m = router_.match("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_FALSE(m.wrong_method) << path;
  }
}

TEST_F(RouterTest, TrailingSlashIsPartOfThePath) {
  EXPECT_NE(router_.match("GET", "/api/health/").route, nullptr);
  EXPECT_EQ(router_.match("GET", "/api/health").route, nullptr);
  EXPECT_EQ(router_.match("GET", "/api/keys/").route, nullptr);
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  auto m = router_.match("get", "/api/keys");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.wrong_method);
}

TEST_F(RouterTest, IndexesRoutesForMetricsWithTheFallbackLast) {
  ASSERT_EQ(router_.routes().size(), 5u);
  for (std::size_t i = 0; i < router_.routes().size(); ++i) EXPECT_EQ(router_.routes()[i].index, i);
  EXPECT_EQ(router_.fallback().index, 5u);
  router_.add("GET", "/later", 0, ok);
  EXPECT_EQ(router_.fallback().index, 6u) << "routes added after the fallback keep it last";
  EXPECT_EQ(router_.fallback().pattern, "static");
}

}  // namespace

TEST(RouterFallbackTest, UnmatchedPathsGetANotFoundWithoutAFallback) {
  plaza::http::Router router;
  plaza::http::Request req;
  req.method = "GET";
  req.path = "/nothing";
  auto res = plaza::test::run_sync(router.fallback().handler(req));
  EXPECT_EQ(res.status, 404);
  EXPECT_NE(res.body.find("not_found"), std::string::npos);
}

}  // namespace plaza::http
