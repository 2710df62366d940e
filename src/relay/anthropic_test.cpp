#include "relay/anthropic.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/error.hpp"

namespace plaza::relay::anthropic {
namespace {

namespace bj = boost::json;

bj::object obj(std::string_view json) {
  return bj::parse(json).as_object();
}
bj::value val(std::string_view json) {
  return bj::parse(json);
}

bj::object convert(std::string_view openai, bool stream = false) {
  return to_anthropic_request(obj(openai), "claude-sonnet-4-5", stream);
}

// The code of the plaza::Error the conversion throws, or nothing when it succeeds.
std::optional<ErrorCode> error_code_of(std::string_view openai) {
  try {
    convert(openai);
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

TEST(AnthropicRequest, JoinsSystemAndDeveloperMessagesAndSetsDefaults) {
  auto r = convert(R"({"model":"claude","messages":[
      {"role":"system","content":"You are terse."},
      {"role":"developer","content":[{"type":"text","text":"Answer in French."},{"type":"text","text":"No emoji."}]},
      {"role":"user","content":"Hi"}]})");
  EXPECT_EQ(r.at("model"), "claude-sonnet-4-5");
  EXPECT_EQ(r.at("system"), "You are terse.\n\nAnswer in French.\nNo emoji.");
  EXPECT_EQ(r.at("messages"), val(R"([{"role":"user","content":[{"type":"text","text":"Hi"}]}])"));
  EXPECT_EQ(r.at("max_tokens"), kDefaultMaxTokens);
  EXPECT_FALSE(r.contains("stream"));
  EXPECT_FALSE(r.contains("tools"));

  auto streamed = convert(R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})", true);
  EXPECT_EQ(streamed.at("stream"), true);
  EXPECT_FALSE(streamed.contains("system"));
}

TEST(AnthropicRequest, SendsInstructionsAloneAsTheUsersTurn) {
  auto r = convert(
      R"({"messages":[{"role":"system","content":"Write a haiku."},{"role":"developer","content":"In French."}]})");
  EXPECT_FALSE(r.contains("system"));
  EXPECT_EQ(r.at("messages"),
            val(R"([{"role":"user","content":[{"type":"text","text":"Write a haiku.\n\nIn French."}]}])"));
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"system","content":""}]})"), ErrorCode::invalid_request)
      << "nothing at all is still refused";
}

TEST(AnthropicRequest, ConvertsMultiPartContentWithImages) {
  auto r = convert(R"({"messages":[{"role":"user","content":[
      {"type":"text","text":"What is in these?"},
      {"type":"image_url","image_url":{"url":"data:image/PNG;base64,iVBORw0KGgo=","detail":"high"}},
      {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}},
      {"type":"text","text":""}]}]})");
  EXPECT_EQ(r.at("messages"), val(R"([{"role":"user","content":[
      {"type":"text","text":"What is in these?"},
      {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
      {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}])"));
}

TEST(AnthropicRequest, ConvertsToolsAndAFullToolCallRoundTrip) {
  auto r = convert(R"({"messages":[
      {"role":"user","content":"Weather in Paris and Rome?"},
      {"role":"assistant","content":null,"tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
        {"id":"call.2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"18C sunny"},
      {"role":"tool","tool_call_id":"call.2","content":[{"type":"text","text":"21C"}]},
      {"role":"user","content":"Thanks, and tomorrow?"}],
    "tools":[
      {"type":"function","function":{"name":"get_weather","description":"Current weather",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
      {"type":"function","function":{"name":"now"}}],
    "tool_choice":"required","parallel_tool_calls":false})");
  EXPECT_EQ(r.at("tools"), val(R"([
      {"name":"get_weather","description":"Current weather",
       "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
      {"name":"now","input_schema":{"type":"object","properties":{}}}])"));
  EXPECT_EQ(r.at("tool_choice"), val(R"({"type":"any","disable_parallel_tool_use":true})"));
  EXPECT_EQ(r.at("messages"), val(R"([
      {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
      {"role":"assistant","content":[
        {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
        {"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Rome"}}]},
      {"role":"user","content":[
        {"type":"tool_result","tool_use_id":"call_1","content":"18C sunny"},
        {"type":"tool_result","tool_use_id":"call_2","content":"21C"},
        {"type":"text","text":"Thanks, and tomorrow?"}]}])"));
}

TEST(AnthropicRequest, MapsToolChoiceVariants) {
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"f"}}])";
  auto choice = [&](std::string_view c) {
    return convert(R"({"messages":[{"role":"user","content":"x"}],)" + tools + R"(,"tool_choice":)" + std::string(c) +
                   "}")
        .at("tool_choice");
  };
  EXPECT_EQ(choice(R"("auto")"), val(R"({"type":"auto"})"));
  EXPECT_EQ(choice(R"("none")"), val(R"({"type":"none"})"));
  EXPECT_EQ(choice(R"({"type":"function","function":{"name":"f"}})"), val(R"({"type":"tool","name":"f"})"));
  // Without tools there is nothing to choose from: tool_choice is not sent.
  EXPECT_FALSE(convert(R"({"messages":[{"role":"user","content":"x"}],"tool_choice":"auto"})").contains("tool_choice"));
}

TEST(AnthropicRequest, AnswersAResponseFormatThroughAToolTheModelMustCall) {
  auto r = convert(R"({"messages":[{"role":"user","content":"Name a city"}],"response_format":{"type":"json_schema",
      "json_schema":{"name":"city","description":"A city and its country.","strict":true,
        "schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}})");
  EXPECT_EQ(r.at("tools"), val(R"([{"name":"plaza_json_answer",
      "description":"Give your whole final answer as this tool's input. A city and its country.",
      "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}])"));
  EXPECT_EQ(r.at("tool_choice"), val(R"({"type":"tool","name":"plaza_json_answer","disable_parallel_tool_use":true})"))
      << "one answer: two would be two JSON texts run together";
  EXPECT_FALSE(r.contains("response_format"));

  auto json_mode = convert(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})");
  EXPECT_EQ(json_mode.at("tools").at(0).at("input_schema"), val(R"({"type":"object"})"));

  // With tools of its own the model must call one of them or answer; "none" leaves it only the answer.
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"f"}}],)";
  auto with = [&](std::string_view choice) {
    return convert(R"({"messages":[{"role":"user","content":"x"}],)" + tools + std::string(choice) +
                   R"("response_format":{"type":"json_object"}})")
        .at("tool_choice");
  };
  EXPECT_EQ(with(""), val(R"({"type":"any","disable_parallel_tool_use":true})"));
  EXPECT_EQ(with(R"("tool_choice":"required",)"), val(R"({"type":"any","disable_parallel_tool_use":true})"));
  EXPECT_EQ(with(R"("tool_choice":"none",)"),
            val(R"({"type":"tool","name":"plaza_json_answer","disable_parallel_tool_use":true})"));
  EXPECT_EQ(with(R"("tool_choice":{"type":"function","function":{"name":"f"}},)"),
            val(R"({"type":"tool","name":"f"})"));

  const auto invalid = std::optional(ErrorCode::invalid_request);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema",
      "json_schema":{"name":"list","schema":{"type":"array"}}}})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],
      "tools":[{"type":"function","function":{"name":"plaza_json_answer"}}]})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"functions":[{"name":"f"}]})"), invalid);
}

TEST(AnthropicRequest, DeclaresToolsCalledEarlierThatTheRequestNoLongerOffers) {
  const std::string history = R"({"messages":[{"role":"user","content":"Weather?"},
      {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{}"}},
                                        {"id":"c2","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"tool","tool_call_id":"c2","content":"rain"},
      {"role":"user","content":"Thanks"}])";
  auto r = convert(history + "}");
  EXPECT_EQ(r.at("tools"), val(R"([{"name":"get_weather","description":"A tool used earlier in this conversation.",
      "input_schema":{"type":"object"}}])"));
  EXPECT_EQ(r.at("tool_choice"), val(R"({"type":"none"})")) << "offered none, so none may be called";

  auto offered = convert(history + R"(,"tools":[{"type":"function","function":{"name":"now"}}]})");
  EXPECT_EQ(offered.at("tools"), val(R"([{"name":"now","input_schema":{"type":"object","properties":{}}}])"))
      << "tools offered are the ones the model may call: none withdrawn comes back";
  EXPECT_FALSE(offered.contains("tool_choice")) << "the client's choice (none given) stands";
}

TEST(AnthropicRequest, TakesTheChannelsAnswerLengthWhenTheRequestSetsNone) {
  auto channel_default =
      to_anthropic_request(obj(R"({"messages":[{"role":"user","content":"x"}]})"), "m", false, 64000);
  EXPECT_EQ(channel_default.at("max_tokens"), 64000);
  auto asked =
      to_anthropic_request(obj(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":10})"), "m", false, 64000);
  EXPECT_EQ(asked.at("max_tokens"), 10) << "the request's own limit wins";
}

TEST(AnthropicRequest, MergesSameRoleTurnsAndStartsWithUser) {
  auto r = convert(R"({"messages":[
      {"role":"assistant","content":"Welcome! Ask me anything."},
      {"role":"user","content":"First"},
      {"role":"user","content":[{"type":"text","text":"Second"}]},
      {"role":"user","content":""},
      {"role":"assistant","content":"One"},
      {"role":"assistant","content":"Two  \n"}]})");
  EXPECT_EQ(r.at("messages"), val(R"js([
      {"role":"user","content":[{"type":"text","text":"(conversation start)"}]},
      {"role":"assistant","content":[{"type":"text","text":"Welcome! Ask me anything."}]},
      {"role":"user","content":[{"type":"text","text":"First"},{"type":"text","text":"Second"}]},
      {"role":"assistant","content":[{"type":"text","text":"One"},{"type":"text","text":"Two"}]}])js"));
}

TEST(AnthropicRequest, MapsStopSequencesSamplingAndDropsUnknownFields) {
  auto r = convert(R"({"messages":[{"role":"user","content":"x"}],"stop":"END","temperature":1.5,"top_p":0.9,
      "max_tokens":100,"max_completion_tokens":200,"user":"u-42","n":1,"frequency_penalty":0.5,"seed":7,
      "logprobs":true,"response_format":{"type":"text"},"stream_options":{"include_usage":true}})");
  EXPECT_EQ(r.at("stop_sequences"), val(R"(["END"])"));
  EXPECT_EQ(r.at("temperature"), 1.0);
  EXPECT_FALSE(r.contains("top_p"));  // newer Claude models refuse temperature and top_p together
  EXPECT_EQ(r.at("max_tokens"), 200);
  EXPECT_EQ(r.at("metadata"), val(R"({"user_id":"u-42"})"));
  for (const char* dropped : {"frequency_penalty", "seed", "logprobs", "response_format", "stream_options", "n", "user",
                              "stop", "max_completion_tokens"}) {
    EXPECT_FALSE(r.contains(dropped)) << dropped;
  }

  auto r2 = convert(R"({"messages":[{"role":"user","content":"x"}],"stop":["\n\nHuman:","","###"],"top_p":0.5,
      "top_k":40,"max_tokens":64})");
  EXPECT_EQ(r2.at("stop_sequences"), val(R"(["\n\nHuman:","###"])"));
  EXPECT_EQ(r2.at("top_p"), 0.5);
  EXPECT_EQ(r2.at("top_k"), 40);
  EXPECT_EQ(r2.at("max_tokens"), 64);
  EXPECT_FALSE(r2.contains("temperature"));
}

TEST(AnthropicRequest, RejectsRequestsThatCannotBeConverted) {
  const auto invalid = std::optional(ErrorCode::invalid_request);
  EXPECT_EQ(error_code_of(R"({})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[]})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":"hi"})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"wizard","content":"x"}]})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":42}]})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":[{"type":"input_audio"}]}]})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":[
      {"type":"image_url","image_url":{"url":"ftp://example.com/a.png"}}]}]})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":[
      {"type":"image_url","image_url":{"url":"data:text/plain;base64,aGk="}}]}]})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
      {"id":"c1","type":"function","function":{"name":"f","arguments":"{not json"}}]}]})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
      {"id":"c1","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"tool","content":"no id"}]})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":"many"})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"temperature":"hot"})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"stop":7})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"n":2})"), invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"code_interpreter"}]})"),
            invalid);
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"}],
      "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes"})"),
            invalid);
  // An assistant turn with empty arguments calls a tool without input.
  EXPECT_EQ(error_code_of(R"({"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[
      {"id":"c1","type":"function","function":{"name":"f","arguments":""}}]}]})"),
            std::nullopt);
}

TEST(AnthropicResponse, ConvertsTextWithCacheUsage) {
  Usage usage;
  auto r = to_openai_response(obj(R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
      "content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
      "stop_reason":"end_turn","stop_sequence":null,
      "usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":7}})"),
                              "claude-public", 1700000000, usage);
  EXPECT_EQ(bj::value(r), val(R"({"id":"msg_01","object":"chat.completion","created":1700000000,"model":"claude-public",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},
                  "logprobs":null,"finish_reason":"stop"}],
      "usage":{"prompt_tokens":115,"completion_tokens":7,"total_tokens":122,
               "prompt_tokens_details":{"cached_tokens":100}}})"));
  EXPECT_TRUE(usage.reported);
  EXPECT_EQ(usage.prompt_tokens, 115);
  EXPECT_EQ(usage.completion_tokens, 7);
  EXPECT_EQ(usage.cached_tokens, 100);
}

TEST(AnthropicResponse, ConvertsToolUse) {
  Usage usage;
  auto r = to_openai_response(obj(R"({"id":"msg_02","type":"message","role":"assistant",
      "content":[{"type":"text","text":"Let me check."},
                 {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}],
      "stop_reason":"tool_use","usage":{"input_tokens":20,"output_tokens":30}})"),
                              "m", 1, usage);
  const auto& choice = r.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  EXPECT_EQ(choice.at("message").at("content"), "Let me check.");
  const auto& call = choice.at("message").at("tool_calls").at(0);
  EXPECT_EQ(call.at("id"), "toolu_1");
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function").at("name"), "get_weather");
  EXPECT_EQ(bj::parse(call.at("function").at("arguments").as_string()), val(R"({"city":"Paris"})"));

  auto only_tool = to_openai_response(obj(R"({"id":"msg_03","type":"message","content":[
      {"type":"tool_use","id":"toolu_2","name":"now","input":{}}],"stop_reason":"tool_use"})"),
                                      "m", 1, usage);
  EXPECT_TRUE(only_tool.at("choices").at(0).at("message").at("content").is_null());
  EXPECT_FALSE(usage.reported);
  EXPECT_FALSE(only_tool.contains("usage"));
}

TEST(AnthropicResponse, TheAnswerToolsInputIsTheContent) {
  Usage usage;
  auto r = to_openai_response(obj(R"({"id":"msg_04","type":"message","content":[
      {"type":"tool_use","id":"toolu_3","name":"plaza_json_answer","input":{"city":"Paris"}}],"stop_reason":"tool_use"})"),
                              "m", 1, usage);
  const auto& choice = r.at("choices").at(0).as_object();
  EXPECT_EQ(bj::parse(choice.at("message").at("content").as_string()), val(R"({"city":"Paris"})"));
  EXPECT_FALSE(choice.at("message").as_object().contains("tool_calls"));
  EXPECT_EQ(choice.at("finish_reason"), "stop");
}

TEST(AnthropicResponse, MapsStopReasons) {
  Usage usage;
  auto finish = [&](std::string_view reason) {
    auto body = obj(R"({"id":"m","type":"message","content":[{"type":"text","text":"cut"}]})");
    body["stop_reason"] = reason;
    return std::string(to_openai_response(body, "m", 1, usage).at("choices").at(0).at("finish_reason").as_string());
  };
  EXPECT_EQ(finish("max_tokens"), "length");
  EXPECT_EQ(finish("stop_sequence"), "stop");
  EXPECT_EQ(finish("end_turn"), "stop");
  EXPECT_EQ(finish("refusal"), "content_filter");

  try {
    to_openai_response(obj(R"({"type":"error","error":{"type":"api_error","message":"x"}})"), "m", 1, usage);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::upstream_error);
  }
}

std::vector<bj::value> feed(StreamConverter& c, const std::vector<std::pair<std::string, std::string>>& events) {
  std::vector<bj::value> out;
  for (const auto& [name, data] : events) {
    for (const auto& chunk : c.on_event(name, data)) out.push_back(bj::parse(chunk));
  }
  return out;
}

bj::value delta_of(const bj::value& chunk) {
  return chunk.at("choices").at(0).at("delta");
}

TEST(AnthropicStream, ConvertsARecordedSequenceWithTextToolCallAndUsage) {
  StreamConverter c("claude-public", "chatcmpl-1", 1700000000, true);
  auto chunks = feed(
      c, {
             {"message_start", R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",
          "content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,
          "usage":{"input_tokens":25,"cache_read_input_tokens":3,"cache_creation_input_tokens":0,"output_tokens":1}}})"},
             {"content_block_start",
              R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
             {"ping", R"({"type":"ping"})"},
             {"content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})"},
             {"content_block_delta",
              R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}})"},
             {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
             {"content_block_start", R"({"type":"content_block_start","index":1,
          "content_block":{"type":"tool_use","id":"toolu_9","name":"get_weather","input":{}}})"},
             {"content_block_delta", R"({"type":"content_block_delta","index":1,
          "delta":{"type":"input_json_delta","partial_json":""}})"},
             {"content_block_delta", R"({"type":"content_block_delta","index":1,
          "delta":{"type":"input_json_delta","partial_json":"{\"city\": "}})"},
             {"content_block_delta", R"({"type":"content_block_delta","index":1,
          "delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}})"},
             {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
             {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
          "usage":{"output_tokens":42}})"},
             {"message_stop", R"({"type":"message_stop"})"},
         });
  ASSERT_EQ(chunks.size(), 8u);
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].at("id"), "msg_1") << "the message's own id";
    EXPECT_EQ(chunks[i].at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunks[i].at("created"), 1700000000);
    EXPECT_EQ(chunks[i].at("model"), "claude-public");
    EXPECT_TRUE(chunks[i].at("usage").is_null());
  }
  EXPECT_EQ(delta_of(chunks[0]), val(R"({"role":"assistant","content":""})"));
  EXPECT_EQ(delta_of(chunks[1]), val(R"({"content":"Hello"})"));
  EXPECT_EQ(delta_of(chunks[2]), val(R"({"content":"!"})"));
  EXPECT_EQ(delta_of(chunks[3]), val(R"({"tool_calls":[{"index":0,"id":"toolu_9","type":"function",
      "function":{"name":"get_weather","arguments":""}}]})"));
  EXPECT_EQ(delta_of(chunks[4]), val(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": "}}]})"));
  EXPECT_EQ(delta_of(chunks[5]), val(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]})"));
  EXPECT_EQ(delta_of(chunks[6]), val("{}"));
  EXPECT_EQ(chunks[6].at("choices").at(0).at("finish_reason"), "tool_calls");
  EXPECT_TRUE(chunks[5].at("choices").at(0).at("finish_reason").is_null());
  EXPECT_EQ(chunks[7], val(R"({"id":"msg_1","object":"chat.completion.chunk","created":1700000000,
      "model":"claude-public","choices":[],
      "usage":{"prompt_tokens":28,"completion_tokens":42,"total_tokens":70,"prompt_tokens_details":{"cached_tokens":3}}})"));

  EXPECT_TRUE(c.finished());
  EXPECT_FALSE(c.error());
  auto u = c.usage();
  EXPECT_TRUE(u.reported);
  EXPECT_EQ(u.prompt_tokens, 28);
  EXPECT_EQ(u.completion_tokens, 42);
  EXPECT_EQ(u.cached_tokens, 3);
  EXPECT_EQ(c.text(), "Hello!get_weather{\"city\": \"Paris\"}");
  EXPECT_TRUE(c.on_event("message_stop", R"({"type":"message_stop"})").empty());
}

TEST(AnthropicStream, MaxTokensWithoutIncludeUsageAndSecondToolIndex) {
  StreamConverter c("m", "id", 1, false);
  auto chunks = feed(
      c,
      {
          {"message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}})"},
          {"content_block_start",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"f","input":{}}})"},
          {"content_block_start",
           R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"b","name":"g","input":{}}})"},
          {"content_block_delta",
           R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}})"},
          {"message_delta",
           R"({"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":9}})"},
          {"message_stop", R"({"type":"message_stop"})"},
      });
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_FALSE(chunks[0].as_object().contains("usage"));
  EXPECT_EQ(delta_of(chunks[2]).at("tool_calls").at(0).at("index"), 1);
  EXPECT_EQ(delta_of(chunks[3]), val(R"({"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]})"));
  EXPECT_EQ(chunks[4].at("choices").at(0).at("finish_reason"), "length");
  EXPECT_EQ(c.usage().completion_tokens, 9);
  EXPECT_TRUE(c.finished());
}

TEST(AnthropicStream, TheAnswerToolStreamsAsContent) {
  StreamConverter c("m", "id", 1, false);
  auto chunks = feed(c, {
                            {"message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":5}}})"},
                            {"content_block_start", R"({"type":"content_block_start","index":0,
          "content_block":{"type":"tool_use","id":"t","name":"plaza_json_answer","input":{}}})"},
                            {"content_block_delta", R"({"type":"content_block_delta","index":0,
          "delta":{"type":"input_json_delta","partial_json":"{\"city\":"}})"},
                            {"content_block_delta", R"({"type":"content_block_delta","index":0,
          "delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}})"},
                            {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
                            {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"}})"},
                            {"message_stop", R"({"type":"message_stop"})"},
                        });
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(delta_of(chunks[1]), val(R"({"content":"{\"city\":"})"));
  EXPECT_EQ(delta_of(chunks[2]), val(R"({"content":" \"Paris\"}"})"));
  EXPECT_EQ(chunks[3].at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(c.text(), "{\"city\": \"Paris\"}");

  StreamConverter empty("m", "id", 1, false);
  auto none = feed(empty, {
                              {"message_start", R"({"type":"message_start","message":{}})"},
                              {"content_block_start", R"({"type":"content_block_start","index":0,
          "content_block":{"type":"tool_use","id":"t","name":"plaza_json_answer","input":{}}})"},
                              {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
                          });
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(delta_of(none[1]), val(R"({"content":"{}"})")) << "an empty object, as a whole answer gives";
}

TEST(AnthropicStream, AToolWithoutParametersGetsEmptyObjectArguments) {
  StreamConverter c("m", "id", 1, false);
  auto chunks = feed(c, {
                            {"message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":5}}})"},
                            {"content_block_start", R"({"type":"content_block_start","index":0,
          "content_block":{"type":"tool_use","id":"t","name":"now","input":{}}})"},
                            {"content_block_delta", R"({"type":"content_block_delta","index":0,
          "delta":{"type":"input_json_delta","partial_json":""}})"},
                            {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
                            {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use"}})"},
                        });
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(delta_of(chunks[2]), val(R"({"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]})"))
      << "JSON.parse of the arguments works, as with OpenAI";
  EXPECT_EQ(chunks[3].at("choices").at(0).at("finish_reason"), "tool_calls");
}

TEST(AnthropicStream, ErrorEventStopsTheStream) {
  StreamConverter c("m", "id", 1, true);
  feed(c, {{"message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}})"},
           {"content_block_delta",
            R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})"}});
  EXPECT_TRUE(c.on_event("ping", R"({"type":"ping"})").empty());
  EXPECT_TRUE(
      c.on_event("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})").empty());
  ASSERT_TRUE(c.error());
  EXPECT_EQ(*c.error(), "upstream is overloaded");
  EXPECT_FALSE(c.finished());
  EXPECT_EQ(c.text(), "Hi");
  EXPECT_TRUE(c.on_event("message_stop", R"({"type":"message_stop"})").empty());

  StreamConverter garbled("m", "id", 1, false);
  EXPECT_TRUE(garbled.on_event("content_block_delta", "{not json").empty());
  EXPECT_TRUE(garbled.error());
  // Without an event name, the data's type decides.
  StreamConverter unnamed("m", "id", 1, false);
  EXPECT_EQ(unnamed.on_event("", R"({"type":"message_start","message":{}})").size(), 1u);
  EXPECT_FALSE(unnamed.usage().reported);
}

TEST(AnthropicErrorMessage, KeepsRequestErrorsAndHidesAccountDetails) {
  EXPECT_EQ(error_message(R"({"type":"error","error":{"type":"invalid_request_error",
      "message":"prompt is too long: 210000 tokens > 200000 maximum"}})"),
            "prompt is too long: 210000 tokens > 200000 maximum");
  EXPECT_EQ(error_message(R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"),
            "upstream refused the channel's credentials");
  EXPECT_EQ(error_message(R"js({"type":"error","error":{"type":"rate_limit_error",
      "message":"This request would exceed the rate limit for your organization (1234)"}})js"),
            "upstream rate limit reached");
  EXPECT_EQ(error_message("<html>502 Bad Gateway</html>"), "upstream error");
  EXPECT_EQ(error_message(""), "upstream error");
  std::string long_message(1000, 'x');
  auto shown =
      error_message(R"({"type":"error","error":{"type":"invalid_request_error","message":")" + long_message + "\"}}");
  EXPECT_LT(shown.size(), 320u);
}

}  // namespace
}  // namespace plaza::relay::anthropic
