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

// What the stream relay did with an event before the scan (and still does when the scan declines):
// a document, its model replaced, usage taken, text collected, usage dropped for a client that did
// not ask for it (a usage-only chunk altogether).
struct ByDocument {
  bool error = false;
  bool dropped = false;
  bool usage = false;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  std::string text;
  std::string reasoning;
  bj::value doc;
};

ByDocument by_document_chunk(std::string_view data, std::string_view model, bool wants_usage) {
  ByDocument out;
  auto v = bj::parse(data);
  auto& o = v.as_object();
  if (o.if_contains("error")) {
    out.error = true;
    return out;
  }
  o["model"] = model;
  if (auto u = o.if_contains("usage"); u && u->is_object()) {
    out.usage = true;
    auto& uo = u->as_object();
    if (auto p = uo.if_contains("prompt_tokens")) out.prompt_tokens = p->as_int64();
    if (auto c = uo.if_contains("completion_tokens")) out.completion_tokens = c->as_int64();
    if (auto d = uo.if_contains("prompt_tokens_details"))
      if (auto c = d->as_object().if_contains("cached_tokens")) out.cached_tokens = c->as_int64();
  }
  if (auto c = o.if_contains("choices"); c && c->is_array() && !c->as_array().empty() && c->as_array()[0].is_object())
    if (auto d = c->as_array()[0].as_object().if_contains("delta"); d && d->is_object())
      for (const char* key : {"content", "reasoning_content", "reasoning"})
        if (auto t = d->as_object().if_contains(key); t && t->is_string())
          (std::string_view(key) == "content" ? out.text : out.reasoning) = t->as_string();
  auto c = o.if_contains("choices");
  if (!wants_usage) {
    if (c && c->is_array() && c->as_array().empty()) out.dropped = true;
    o.erase("usage");
  }
  out.doc = v;
  return out;
}

// The scan and the text rewrite give what the document gave, for a client with and without usage.
void expect_as_document(std::string_view data) {
  for (bool wants_usage : {true, false}) {
    SCOPED_TRACE(std::string(data) + (wants_usage ? " (usage asked for)" : " (no usage asked for)"));
    auto expected = by_document_chunk(data, "pub\"lic", wants_usage);
    auto scanned = scan_chunk(data);
    ASSERT_TRUE(scanned);
    EXPECT_EQ(scanned->error, expected.error);
    if (expected.error) continue;
    EXPECT_EQ(scanned->top.usage, expected.usage);
    EXPECT_EQ(scanned->top.prompt_tokens, expected.prompt_tokens);
    EXPECT_EQ(scanned->top.completion_tokens, expected.completion_tokens);
    EXPECT_EQ(scanned->top.cached_tokens, expected.cached_tokens);
    EXPECT_EQ(scanned->text, expected.text);
    EXPECT_EQ(scanned->other, expected.reasoning);
    EXPECT_EQ(!wants_usage && scanned->no_choices, expected.dropped);
    if (expected.dropped) continue;
    std::string out = rewrite_chunk(data, *scanned, "pub\"lic", !wants_usage);
    boost::system::error_code ec;
    auto parsed = bj::parse(out, ec);
    ASSERT_FALSE(ec) << out;
    EXPECT_EQ(parsed, expected.doc) << out;
  }
}

TEST(ChunkScan, PassesOpenAIChunksThroughAsADocumentWould) {
  for (std::string_view data : {
           R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,)"
           R"("delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null})",
           R"({"id":"c1","model":"up","choices":[{"index":0,"delta":{"content":"Hi \"x\" \u00e9 \ud83d\ude00\n"}}]})",
           R"({"id":"c1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8,)"
           R"("prompt_tokens_details":{"cached_tokens":2}},"model":"up"})",
           R"({"usage":null,"id":"first"})",
           R"({"id":"last","usage":null})",
           R"({"usage":{"prompt_tokens":1}})",
           R"({"model":"up","usage":null})",
           R"({"usage":null,"model":"up"})",
           R"({})",
           R"({"model":"up"})",
           "{ \"usage\" : null ,\n \"model\" : \"up\" , \"choices\" : [ ] }",
           "{\"choices\":[{\"delta\":{\"content\":\"你好\"}},{\"delta\":{\"content\":\"second\"}}], \"usage\" : null }",
           R"({"choices":[{"delta":{"content":null,"tool_calls":null}}]})",
           R"({"choices":[{"delta":{"content":null,"reasoning_content":"Let me think \u2014 ok"}}]})",
           R"({"choices":[{"delta":{"reasoning":"hmm","content":"x"}}]})",
           R"({"choices":[{"delta":{"content":["not","text"]}}],"x":{"usage":{"prompt_tokens":9}}})",
           R"({"choices":{"0":{"delta":{"content":"not an array"}}}})",
           R"({"choices":[1,{"delta":{"content":"x"}}]})",
           R"({"error":{"message":"overloaded"},"model":"up"})",
       })
    expect_as_document(data);
}

TEST(ChunkScan, LeavesWhatItCannotReadAsADocumentWouldToTheDocumentPath) {
  for (std::string_view data :
       {R"({"usage":null,"usage":{"prompt_tokens":1}})", R"({"model":"a","model":"b"})",
        R"({"choices":[],"choices":[{"delta":{"content":"x"}}]})", R"({"us\u0061ge":null})",
        R"({"choices":[{"delta":{"content":"a"},"delta":{"content":"b"}}]})",
        R"({"choices":[{"delta":{"content":"a","content":"b"}}]})", R"({"choices":[{"d\u0065lta":{}}]})", "[]",
        // A tool call's name and arguments are counted from a document.
        R"({"choices":[{"delta":{"content":null,"tool_calls":[{"function":{"arguments":"{\"a\":1}"}}]}}]})",
        R"({"choices":[{"delta":{"function_call":{"name":"f"}}}]})",
        R"({"choices":[{"delta":{"reasoning":"a","reasoning_content":"b"}}]})", "{\"a\":1", "{\"a\":\"\xff\"}", "data"})
    EXPECT_FALSE(scan_chunk(data)) << data;
}

}  // namespace
}  // namespace plaza::relay
