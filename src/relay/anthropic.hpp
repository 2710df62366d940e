#pragma once
// Anthropic Messages API adapter: Plaza speaks OpenAI Chat Completions to its clients, so a channel of
// type `anthropic` needs the request converted on the way up and the response (or its SSE events) on
// the way down. Pure conversion: no I/O; the relay feeds bodies and events in and sends what comes out.
//
// Anthropic is stricter than OpenAI in ways clients never see: roles must alternate starting with
// `user`, system text lives outside `messages`, `max_tokens` is required and tool results are user
// content. The request conversion absorbs those differences instead of passing Anthropic's 400s on.
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plaza::relay::anthropic {

// Anthropic requires max_tokens; used when the OpenAI request sets neither max_tokens nor
// max_completion_tokens, and the channel sets no default of its own.
inline constexpr int64_t kDefaultMaxTokens = 4096;

// OpenAI's response_format (JSON mode, structured outputs) has no Anthropic field: the request gets a
// tool of this name whose input schema is the wanted JSON, and the model is made to call it; its
// input comes back as the answer's content. Clients' own tools may not take the name.
inline constexpr std::string_view kAnswerTool = "plaza_json_answer";

// Token counts in OpenAI's terms: prompt_tokens includes cache reads and cache writes (Anthropic's
// input_tokens excludes both); cached_tokens is the cache-read part. `reported` is false when the
// upstream sent no usage, so the caller counts delivered text with the tokenizer instead.
struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
  bool reported = false;
};

// OpenAI chat request → Anthropic Messages request body, for `upstream_model`. Throws
// plaza::Error(invalid_request) for requests that cannot be converted (no messages, wrong types,
// invalid tool-call arguments, unsupported content parts, the legacy `functions`). OpenAI fields
// with no Anthropic meaning (n = 1, logprobs, seed, penalties, ...) are dropped.
// `default_max_tokens` is sent when the request sets no max_tokens (the channel's setting).
boost::json::object to_anthropic_request(const boost::json::object& openai_request, std::string_view upstream_model,
                                         bool stream, int64_t default_max_tokens = kDefaultMaxTokens);

// Anthropic message (non-streaming response) → OpenAI chat.completion with model = public_model.
// Throws plaza::Error(upstream_error) when the body is not an Anthropic message.
boost::json::object to_openai_response(const boost::json::object& anthropic_response, std::string_view public_model,
                                       int64_t created, Usage& usage_out);

// Converts an Anthropic event stream into OpenAI chat.completion.chunk payloads, one event at a time.
// Not thread-safe; one per relayed request.
class StreamConverter {
 public:
  StreamConverter(std::string public_model, std::string id, int64_t created, bool include_usage);

  // `event_name` is the SSE `event:` field (may be empty: the data's "type" decides), `data_json` the
  // `data:` payload. Returns the payloads of the `data:` lines to send, in order (no `[DONE]`: the
  // caller ends the stream). The first chunk carries delta.role; message_delta yields the chunk with
  // finish_reason; with include_usage, message_stop yields a last chunk with `choices: []` and the
  // usage (only when the upstream reported usage: otherwise the caller counts and sends its own).
  // An `error` event, or an event that is not valid JSON, returns nothing and sets error(); later
  // events are ignored.
  std::vector<std::string> on_event(std::string_view event_name, std::string_view data_json);

  bool finished() const { return finished_; }  // message_stop seen
  const std::optional<std::string>& error() const { return error_; }
  Usage usage() const { return usage_; }
  // Everything delivered as output so far — text, reasoning and tool-call names and arguments — for
  // counting completion tokens when the upstream reports no usage.
  std::string text() const { return text_; }

 private:
  std::string chunk(boost::json::object delta, std::optional<std::string_view> finish_reason) const;
  void read_usage(const boost::json::object& usage);

  std::string model_, id_;
  int64_t created_;
  bool include_usage_;
  bool role_sent_ = false;
  bool finish_sent_ = false;
  bool finished_ = false;
  std::optional<std::string> error_;
  std::string stop_reason_;
  Usage usage_;
  int64_t input_ = 0, cache_read_ = 0, cache_creation_ = 0;
  std::string text_;
  struct ToolBlock {
    int64_t index;        // in OpenAI's tool_calls
    bool arguments_sent;  // a tool without parameters streams none: "{}" is sent at its end
  };
  std::map<int64_t, ToolBlock> tool_blocks_;  // by Anthropic content block index
  int64_t next_tool_index_ = 0;
  std::optional<int64_t> answer_block_;  // the kAnswerTool call, whose input is the answer's content
  bool answer_sent_ = false;
};

// Anthropic error body ({"type":"error","error":{"type","message"}}) → a short message safe to show a
// client: request errors keep Anthropic's wording; authentication, rate-limit, billing and server
// errors become generic phrases, since theirs describe the channel's account, not the client's request.
std::string error_message(std::string_view body);

}  // namespace plaza::relay::anthropic
