#include "relay/upstream_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json.hpp"
#include "core/validation.hpp"

namespace plaza::relay {
namespace {

namespace bj = boost::json;

Candidate openai_candidate(std::string base_url) {
  auto ch = std::make_shared<store::Channel>();
  ch->id = 7;
  ch->type = "openai";
  ch->base_url = std::move(base_url);
  Candidate c;
  c.channel = ch;
  c.upstream_model = "gpt-upstream";
  c.key = "sk-upstream-secret";
  return c;
}

bj::object sent_body(const http::UpstreamRequest& up) {
  return bj::parse(up.body).as_object();
}

constexpr std::string_view kRequest = R"({
  "model": "public-name",
  "messages": [{"role": "user", "content": [{"type": "text", "text": "héllo \"x\""},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}],
  "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
  "temperature": 0.25, "n": 2, "stream": false, "stream_options": {"include_usage": false}
})";

TEST(Scrub, LeavesNoKeyHostOrProxyPasswordInAnUpstreamsWords) {
  auto c = openai_candidate("http://llm.internal.example:8443/v1");
  auto ch = std::make_shared<store::Channel>(*c.channel);
  ch->proxy = "http://squid:pr0xy-pass@proxy.corp.example:3128";
  c.channel = ch;
  std::string said = scrub(
      "bad key sk-upstream-secret for http://llm.internal.example:8443/v1 (host llm.internal.example:8443, "
      "llm.internal.example) via proxy.corp.example:3128, auth pr0xy-pass",
      c);
  for (std::string_view secret : {"sk-upstream", "llm.internal", "8443", "proxy.corp", "pr0xy-pass"})
    EXPECT_EQ(said.find(secret), std::string::npos) << secret << " in: " << said;
  EXPECT_NE(said.find("bad key"), std::string::npos) << "the rest of the reason stays: " << said;
}

TEST(UpstreamModels, AreAskedForWithTheKeyAsEachTypeWantsIt) {
  auto c = openai_candidate("http://up.example/v1/");
  auto up = build_models_request(c);
  EXPECT_EQ(up.method, "GET");
  EXPECT_EQ(up.url, "http://up.example/v1/models");
  EXPECT_TRUE(up.body.empty());
  ASSERT_EQ(up.headers.size(), 1u);
  EXPECT_EQ(up.headers[0].second, "Bearer sk-upstream-secret");
  auto anthropic = std::make_shared<store::Channel>(*c.channel);
  anthropic->type = "anthropic";
  anthropic->base_url = "https://api.anthropic.example/v1";
  c.channel = anthropic;
  up = build_models_request(c);
  EXPECT_EQ(up.url, "https://api.anthropic.example/v1/models?limit=1000") << "one page of up to 1,000";
  EXPECT_EQ(up.headers[0], (std::pair<std::string, std::string>{"x-api-key", "sk-upstream-secret"}));
}

TEST(UpstreamModels, AreReadFromTheListSortedWithoutRepeatsAndBounded) {
  std::string_view answer = R"({"object":"list","data":[{"id":"gpt-4o","object":"model"},{"id":"claude-3"},
    {"id":"gpt-4o"},{"id":""},{"id":42},{"name":"no id"},"loose",{"id":"a-model"}]})";
  EXPECT_EQ(listed_models(answer, 100), (std::vector<std::string>{"a-model", "claude-3", "gpt-4o"}));
  EXPECT_EQ(listed_models(answer, 2).size(), 2u);
  EXPECT_THROW(listed_models(R"({"error":{"message":"nope"}})", 100), std::runtime_error);
  EXPECT_THROW(listed_models("<html>", 100), std::runtime_error);
  EXPECT_TRUE(listed_models(R"({"data":[]})", 100).empty());
}

TEST(UpstreamRequest, ImagesAreCountedAsPartsNotAsText) {
  auto request = bj::parse(kRequest).as_object();
  EXPECT_EQ(prompt_text(request).find("base64"), std::string::npos) << "a data URL is no prompt text";
  EXPECT_EQ(message_overhead(request), 3 + 3) << "one message and the reply";
  EXPECT_EQ(image_count(request), 1);
  auto& messages = request.at("messages").as_array();
  auto& parts = messages[0].at("content").as_array();
  parts.push_back(
      bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", "https://x/y.png"}, {"detail", "low"}}}});
  parts.push_back(bj::object{{"type", "image_url"}});  // malformed: still an image the upstream will refuse or count
  parts.push_back(bj::object{{"type", "text"}, {"text", "not an image"}});
  messages.push_back(bj::object{{"role", "user"}, {"content", "image_url"}});
  EXPECT_EQ(image_count(request), 3);
  EXPECT_EQ(image_count(messages[0]), 3);
  EXPECT_EQ(image_count(messages[1]), 0);
  EXPECT_EQ(image_count(bj::object{{"messages", "no"}}), 0);
}

TEST(UpstreamRequest, PassesEveryFieldThroughWithTheUpstreamModelName) {
  auto request = json::parse_object(kRequest);
  auto up = build_upstream_request(openai_candidate("http://up.example/v1/"), request, false);
  EXPECT_EQ(up.url, "http://up.example/v1/chat/completions");
  auto body = sent_body(up);
  EXPECT_EQ(body.at("model"), "gpt-upstream");
  EXPECT_FALSE(body.contains("stream_options"));  // not streamed: nothing to ask for
  auto expected = bj::parse(kRequest).as_object();
  expected.erase("model");
  expected.erase("stream_options");
  body.erase("model");
  EXPECT_EQ(body, expected);
}

TEST(UpstreamRequest, AStreamAsksForUsageAndKeepsTheClientsStreamOptions) {
  auto request = json::parse_object(
      R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}],
          "stream_options":{"include_usage":false,"extra":1}})");
  auto body = sent_body(build_upstream_request(openai_candidate("http://up.example/v1"), request, true));
  EXPECT_EQ(body.at("stream_options"), bj::parse(R"({"include_usage":true,"extra":1})"));
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.size(), 4u);

  auto without = json::parse_object(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  body = sent_body(build_upstream_request(openai_candidate("http://up.example/v1"), without, true));
  EXPECT_EQ(body.at("stream_options"), bj::parse(R"({"include_usage":true})"));
}

TEST(UpstreamRequest, TheKeyGoesInTheAuthorizationHeaderOnly) {
  auto request = json::parse_object(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  auto up = build_upstream_request(openai_candidate("http://up.example/v1"), request, false);
  EXPECT_EQ(up.body.find("sk-upstream-secret"), std::string::npos);
  bool found = false;
  for (const auto& [name, value] : up.headers)
    if (name == "Authorization") found = value == "Bearer sk-upstream-secret";
  EXPECT_TRUE(found);
}

TEST(UpstreamAnswer, ReplacesTheModelAndReadsUsageAndText) {
  Outcome outcome;
  auto answer = to_openai_completion(
      openai_candidate("http://up.example/v1"),
      R"({"id":"x","model":"gpt-upstream","choices":[{"index":0,"message":{"role":"assistant","content":"hey"}}],
          "usage":{"prompt_tokens":3,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":2}}})",
      "public-name", 0, outcome);
  // The answer outlives the text it was parsed from, and can be edited and copied.
  answer["extra"] = bj::array{1, 2};
  bj::object copy = answer;
  EXPECT_EQ(copy.at("model"), "public-name");
  EXPECT_EQ(copy.at("extra"), bj::parse("[1,2]"));
  EXPECT_TRUE(outcome.reported);
  EXPECT_EQ(outcome.prompt_tokens, 3);
  EXPECT_EQ(outcome.completion_tokens, 5);
  EXPECT_EQ(outcome.cached_tokens, 2);
  EXPECT_EQ(outcome.text, "hey");
}

TEST(UpstreamAnswer, A200ThatCarriesAnErrorIsNoAnswer) {
  auto c = openai_candidate("http://up.example/v1");
  auto check = [&](std::string_view body) { return not_an_answer(c, body, scan_answer(body)); };
  auto unscanned = [&](std::string_view body) { return not_an_answer(c, body, std::nullopt); };
  constexpr std::string_view kAnswer = R"({"id":"x","choices":[{"index":0,"message":{"content":"hey"}}]})";
  EXPECT_FALSE(check(kAnswer));
  EXPECT_FALSE(unscanned(kAnswer));
  constexpr std::string_view kNullError = R"({"id":"x","choices":[{"index":0}],"error":null})";
  EXPECT_FALSE(check(kNullError)) << "\"error\": null is no error";
  EXPECT_FALSE(unscanned(kNullError));
  constexpr std::string_view kError =
      R"({"error":{"message":"quota exceeded for sk-upstream-secret at http://up.example/v1","type":"x"}})";
  for (const auto& why : {check(kError), unscanned(kError)}) {
    ASSERT_TRUE(why);
    EXPECT_EQ(why->find("sk-upstream-secret"), std::string::npos) << *why;
    EXPECT_EQ(why->find("up.example"), std::string::npos) << *why;
    EXPECT_NE(why->find("quota exceeded"), std::string::npos) << *why;
  }
  EXPECT_TRUE(check(R"({"id":"x","choices":[],"error":{"message":"m"}})"));
  EXPECT_TRUE(check(R"({"id":"x","choices":{}})"));
  EXPECT_EQ(unscanned("<html>busy</html>"), "not JSON");
  EXPECT_EQ(check(R"({"id":"x"})"), "no choices");

  auto anthropic = c;
  auto ch = std::make_shared<store::Channel>(*c.channel);
  ch->type = "anthropic";
  anthropic.channel = ch;
  EXPECT_FALSE(not_an_answer(anthropic, R"({"type":"message","content":[{"type":"text","text":"hi"}]})", std::nullopt));
  EXPECT_TRUE(not_an_answer(anthropic, R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})",
                            std::nullopt));
}

TEST(UpstreamAnswer, ALongErrorMessageIsCutBetweenCharacters) {
  std::string message;
  for (int i = 0; i < 200; ++i) message += "额度";  // 1,200 bytes
  bj::object body{{"error", bj::object{{"message", message}}}};
  auto cut = upstream_error_message(openai_candidate("http://up.example/v1"), bj::serialize(body));
  EXPECT_LE(cut.size(), 500u);
  EXPECT_GE(cut.size(), 498u);
  EXPECT_TRUE(is_valid_utf8(cut));
}

TEST(UpstreamAnswer, KeepsWhatElseWasGeneratedForCountingApartFromTheText) {
  Outcome outcome;
  to_openai_completion(openai_candidate("http://up.example/v1"),
                       R"({"choices":[{"message":{"content":"first","reasoning_content":"think ",
                             "tool_calls":[{"function":{"name":"get_weather","arguments":"{\"city\":1}"}},
                                           {"type":"function"}]}},
                           {"message":{"content":"second","function_call":{"name":"f","arguments":"{}"}}},
                           {"message":{"reasoning":"mull"}}, 7]})",
                       "public-name", 0, outcome);
  EXPECT_FALSE(outcome.reported);
  EXPECT_EQ(outcome.text, "first");
  EXPECT_EQ(outcome.other_output, "think get_weather{\"city\":1}secondf{}mull");
}

TEST(UpstreamAnswer, AChunksOtherOutputIsItsDeltas) {
  std::string out;
  append_other_output(bj::parse(R"({"choices":[{"delta":{"content":"shown","tool_calls":[{"index":0,
                                    "function":{"arguments":"{\"a\""}}]}},{"delta":{"content":"2nd"}}]})")
                          .as_object(),
                      "delta", out);
  EXPECT_EQ(out, "{\"a\"2nd");
  append_other_output(bj::parse(R"({"choices":[]})").as_object(), "delta", out);
  append_other_output(bj::parse(R"({"choices":"x"})").as_object(), "delta", out);
  EXPECT_EQ(out, "{\"a\"2nd");
}

}  // namespace
}  // namespace plaza::relay
