#include "relay/answer_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace plaza::relay {
namespace {

namespace bj = boost::json;

// What the relay did before the scan: a document with its model replaced.
bj::value by_document(std::string_view body, std::string_view model) {
  auto v = bj::parse(body);
  v.as_object()["model"] = model;
  return v;
}

std::string passed(std::string_view body, std::string_view model) {
  auto scanned = scan_answer(body);
  EXPECT_TRUE(scanned.has_value()) << body;
  return scanned ? with_model(body, *scanned, model) : "";
}

TEST(AnswerScan, ReplacesOnlyTheTopLevelModelAndReadsUsage) {
  std::string_view body =
      R"({"id":"c1","object":"chat.completion","model":"gpt-upstream","choices":[{"index":0,"message":)"
      R"({"role":"assistant","content":"say \"model\": {\"model\":\"x\"} [ok]","model":"inner"},)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46,)"
      R"("prompt_tokens_details":{"cached_tokens":5},"model":"not-this"},"system_fingerprint":"fp"})";
  auto scanned = scan_answer(body);
  ASSERT_TRUE(scanned);
  EXPECT_TRUE(scanned->usage);
  EXPECT_EQ(scanned->prompt_tokens, 12);
  EXPECT_EQ(scanned->completion_tokens, 34);
  EXPECT_EQ(scanned->cached_tokens, 5);
  std::string out = with_model(body, *scanned, "public");
  EXPECT_EQ(bj::parse(out), by_document(body, "public"));
  // Everything but the model's value is the upstream's own bytes.
  EXPECT_EQ(out.substr(0, out.find("\"public\"")), std::string(body.substr(0, body.find("\"gpt-upstream\""))));
}

TEST(AnswerScan, KeepsPrettyPrintingAndUnicodeAndEscapesTheNewName) {
  std::string_view body =
      "{\n  \"model\" :\t\"up\" ,\n  \"choices\": [ {\"message\": {\"content\": \"你好 🙂 \\u00e9\\\\\"}} ],"
      "\n  \"usage\": { \"prompt_tokens\": 1 , \"completion_tokens\": 2 }\n}\n";
  EXPECT_EQ(bj::parse(passed(body, "a\"b\\c/新")), by_document(body, "a\"b\\c/新"));
  EXPECT_EQ(scan_answer(body)->completion_tokens, 2);
}

TEST(AnswerScan, AddsAModelWhenThereIsNone) {
  for (std::string_view body :
       {R"({"choices":[],"usage":{"prompt_tokens":1}})", R"({})", " { } ", R"({"a":{"model":1}})"})
    EXPECT_EQ(bj::parse(passed(body, "m")), by_document(body, "m")) << body;
}

TEST(AnswerScan, AModelOfAnyJsonTypeIsReplaced) {
  for (std::string_view body :
       {R"({"model":null,"x":1})", R"({"x":1,"model":12.5e3})", R"({"model":{"a":[1,{"b":"}"}]}})",
        R"({"model":["x"],"y":true})", R"({"model":false})"})
    EXPECT_EQ(bj::parse(passed(body, "m")), by_document(body, "m")) << body;
}

TEST(AnswerScan, UsageIsOnlyAnObjectAtTheTopLevel) {
  EXPECT_FALSE(scan_answer(R"({"model":"m","choices":[]})")->usage);
  EXPECT_FALSE(scan_answer(R"({"usage":null})")->usage);
  EXPECT_FALSE(scan_answer(R"({"usage":[{"prompt_tokens":3}]})")->usage);
  EXPECT_FALSE(scan_answer(R"({"choices":[{"usage":{"prompt_tokens":3}}]})")->usage);
  auto nested = scan_answer(R"({"choices":[{"usage":{"prompt_tokens":3}}],"usage":{"completion_tokens":4}})");
  EXPECT_TRUE(nested->usage);
  EXPECT_EQ(nested->prompt_tokens, 0);
  EXPECT_EQ(nested->completion_tokens, 4);
  EXPECT_TRUE(scan_answer(R"({"usage":{}})")->usage);  // reported, as zero (as the document path reads it)
}

TEST(AnswerScan, RefusesWhatIsNotOneJsonObject) {
  for (std::string_view body : {"", "[]", "\"x\"", "{\"model\":\"m\"", "{\"model\":\"m\"} x", "{\"model\":\"m\",}",
                                "{\"a\":\"\xff\"}", "{'a':1}", "{\"a\":1}/*c*/", "nul"})
    EXPECT_FALSE(scan_answer(body)) << body;
  std::string deep(70, '[');
  deep += std::string(70, ']');
  EXPECT_FALSE(scan_answer("{\"a\":" + deep + "}"));
}

TEST(AnswerScan, LeavesAnswersItCannotPlaceTheModelInToTheDocumentPath) {
  EXPECT_FALSE(scan_answer(R"({"model":"a","model":"b"})"));  // which one would a client read?
  EXPECT_FALSE(scan_answer(R"({"mod\u0065l":"a"})"));         // a key spelled with escapes
  // Usage a document would read differently: it keeps the last of repeated keys, and reads escapes.
  EXPECT_FALSE(scan_answer(R"({"usage":{"prompt_tokens":1},"usage":null})"));
  EXPECT_FALSE(scan_answer(R"({"usage":{"prompt\u005ftokens":3}})"));
  EXPECT_TRUE(scan_answer(R"({"a":{"usage":1},"usage":{"prompt_tokens":1}})"));  // a nested "usage" is no repeat
}

}  // namespace
}  // namespace plaza::relay
