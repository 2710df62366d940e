#include "http/request.hpp"

#include <gtest/gtest.h>

namespace plaza::http {
namespace {

Request with_headers(Headers headers) {
  Request r;
  r.headers = std::move(headers);
  return r;
}

Request with_query(std::string query) {
  Request r;
  r.query = std::move(query);
  return r;
}

TEST(PercentDecode, DecodesEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2Fc%41%7e", false), "a b/cA~");
  EXPECT_EQ(percent_decode("%E4%B8%AD", false), "中");
  EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

TEST(PercentDecode, PlusIsASpaceOnlyInForms) {
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("a%2Bb", true), "a+b") << "an escaped plus stays a plus";
}

TEST(PercentDecode, LeavesMalformedEscapesAlone) {
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%4", false), "%4");
  EXPECT_EQ(percent_decode("a%4", false), "a%4");
  EXPECT_EQ(percent_decode("%zz%", false), "%zz%");
  EXPECT_EQ(percent_decode("%%41", false), "%A");
}

TEST(Cookie, FindsANamedCookie) {
  auto r = with_headers({{"cookie", "theme=dark; plaza_session=abc123; lang=en"}});
  EXPECT_EQ(r.cookie("plaza_session"), "abc123");
  EXPECT_EQ(r.cookie("theme"), "dark");
  EXPECT_EQ(r.cookie("lang"), "en");
  EXPECT_EQ(r.cookie("missing"), std::nullopt);
}

TEST(Cookie, ToleratesSpacingAndEmptyParts) {
  auto r = with_headers({{"cookie", " a = 1 ;;b=2;  ; flag; c="}});
  EXPECT_EQ(r.cookie("a"), "1");
  EXPECT_EQ(r.cookie("b"), "2");
  EXPECT_EQ(r.cookie("c"), "");
  EXPECT_EQ(r.cookie("flag"), std::nullopt) << "a part without '=' is no cookie";
}

TEST(Cookie, NamesMatchExactly) {
  auto r = with_headers({{"cookie", "xsession=evil; session_old=old; session=good"}});
  EXPECT_EQ(r.cookie("session"), "good");
  EXPECT_EQ(r.cookie("Session"), std::nullopt);
}

TEST(Cookie, KeepsEqualsSignsInTheValue) {
  auto r = with_headers({{"cookie", "t=a=b=="}});
  EXPECT_EQ(r.cookie("t"), "a=b==");
}

TEST(Cookie, ReadsEveryCookieHeaderAndIgnoresOthers) {
  auto r = with_headers({{"x-cookie", "s=wrong"}, {"cookie", "a=1"}, {"cookie", "s=right"}});
  EXPECT_EQ(r.cookie("s"), "right");
  EXPECT_EQ(r.cookie("a"), "1");
  EXPECT_EQ(with_headers({}).cookie("s"), std::nullopt);
}

TEST(QueryParam, DecodesPercentAndPlus) {
  auto r = with_query("q=caf%C3%A9+au+lait&path=a%2Fb&plus=1%2B1");
  EXPECT_EQ(r.query_param("q"), "café au lait");
  EXPECT_EQ(r.query_param("path"), "a/b");
  EXPECT_EQ(r.query_param("plus"), "1+1");
}

TEST(QueryParam, EmptyValuesAndMissingNames) {
  auto r = with_query("empty=&flag&x=1");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_EQ(r.query_param("x"), "1");
  EXPECT_EQ(r.query_param("y"), std::nullopt);
  EXPECT_EQ(with_query("").query_param("x"), std::nullopt);
}

TEST(QueryParam, FirstOccurrenceWinsAndNamesAreDecoded) {
  auto r = with_query("a=1&a=2&my+key=v&na%6De=w&&=z");
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("my key"), "v");
  EXPECT_EQ(r.query_param("name"), "w");
  EXPECT_EQ(r.query_param("na%6De"), std::nullopt);
}

TEST(QueryParam, ValueMayContainEqualsSigns) {
  EXPECT_EQ(with_query("t=a=b").query_param("t"), "a=b");
}

TEST(IsJson, AcceptsApplicationJsonWithParameters) {
  EXPECT_TRUE(with_headers({{"content-type", "application/json"}}).is_json());
  EXPECT_TRUE(with_headers({{"content-type", "application/json; charset=utf-8"}}).is_json());
  EXPECT_TRUE(with_headers({{"content-type", "Application/JSON;charset=UTF-8"}}).is_json());
  EXPECT_TRUE(with_headers({{"content-type", "application/json ; charset=utf-8"}}).is_json());
}

TEST(IsJson, RefusesOtherTypes) {
  for (const char* ct : {"", "text/plain", "text/json", "application/jsonx", "application/json-patch+json",
                         "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "json"})
    EXPECT_FALSE(with_headers({{"content-type", ct}}).is_json()) << ct;
  EXPECT_FALSE(with_headers({}).is_json());
}

TEST(Request, HeaderAndParamLookups) {
  Request r;
  r.headers = {{"x-request-id", "abc"}, {"authorization", "Bearer sk-1"}};
  r.params = {{"id", "42"}};
  EXPECT_EQ(r.header("authorization"), "Bearer sk-1");
  EXPECT_EQ(r.header("missing"), "");
  EXPECT_EQ(r.param("id"), "42");
  EXPECT_EQ(r.param("other"), "");
}

TEST(Response, JsonSetsTheContentType) {
  auto r = Response::json(201, R"({"ok":true})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"ok":true})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Content-Type");
  EXPECT_EQ(r.headers[0].second, "application/json");
  EXPECT_EQ(Response::no_content().status, 204);
}

TEST(ForwardedClientIp, TakesTheEntryTheSitesProxyAppended) {
  EXPECT_EQ(forwarded_client_ip("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(forwarded_client_ip("1.2.3.4, 203.0.113.7"), "203.0.113.7")
      << "the first entries are the client's to write";
  EXPECT_EQ(forwarded_client_ip(" 2001:DB8::1 "), "2001:db8::1") << "canonical form: one client, one key";
  EXPECT_EQ(forwarded_client_ip("203.0.113.7:5678"), "203.0.113.7") << "a port some gateways add";
  EXPECT_EQ(forwarded_client_ip("[2001:db8::1]:5678"), "2001:db8::1");
}

TEST(ForwardedClientIp, IgnoresWhatIsNotAnAddress) {
  EXPECT_EQ(forwarded_client_ip(""), std::nullopt);
  EXPECT_EQ(forwarded_client_ip("1.2.3.4, "), std::nullopt);
  EXPECT_EQ(forwarded_client_ip("unknown"), std::nullopt);
  EXPECT_EQ(forwarded_client_ip("\"ip\":\"x\""), std::nullopt);
  EXPECT_EQ(forwarded_client_ip(std::string(4096, '1')), std::nullopt);
}

}  // namespace
}  // namespace plaza::http
