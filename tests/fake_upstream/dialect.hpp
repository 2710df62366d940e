#pragma once
// The two wire protocols the fake speaks. A dialect reads a request body into a Conversation and
// renders an Answer as one JSON body or as the server-sent events of a stream; the scenarios in
// handlers.cpp decide when and how those bytes go out, the same way for both.
#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plaza::fake {

struct Conversation {
  std::string model;
  bool stream = false;
  bool include_usage = false;      // OpenAI stream_options.include_usage
  std::vector<std::string> texts;  // the system prompt(s), then each message's text, in order
  std::string last_user_text;      // where a [[fake:...]] directive is looked for
  std::string forced_tool;         // tool_choice names one tool: the answer calls it, as a model must
};

struct Answer {
  std::string id;
  std::string model;
  int64_t created = 0;
  int64_t prompt_tokens = 0;
  bool usage = true;                // false: never report usage (the no_usage scenario, or usage=0)
  bool stream_usage = false;        // OpenAI: a final usage chunk with choices []
  bool tool_call = false;           // pieces are the arguments of a tool call, not text
  std::string tool_name;            // the tool called: get_weather, or the one tool_choice forced
  std::vector<std::string> pieces;  // content deltas in order; their count is completion_tokens
};

struct StreamEvents {
  std::vector<std::string> events;  // each a complete SSE event ("data: ...\n\n")
  std::size_t first_piece = 0;      // index of the event carrying pieces[0]
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  // Throws std::invalid_argument with a message for the client.
  virtual Conversation read(const boost::json::object& body) const = 0;
  virtual std::string body(const Answer& a) const = 0;
  virtual StreamEvents stream(const Answer& a) const = 0;
  virtual std::string malformed_event() const = 0;  // an event whose data line is cut short
  virtual std::string error_body(int status, std::string_view message) const = 0;
  virtual std::string_view id_prefix() const = 0;
};

const Dialect& openai_dialect();
const Dialect& anthropic_dialect();

// Shared helpers.
void append_json_string(std::string& out, std::string_view s);
std::string json_string(std::string_view s);
int64_t count_words(std::string_view s);
// Splits text into n pieces of about equal length, at UTF-8 character boundaries; fewer when the
// text has fewer characters (never fewer than one piece).
std::vector<std::string> split_pieces(std::string_view text, std::size_t n);
// The text of an OpenAI or Anthropic content value: a string, or the text parts of an array.
std::string content_text(const boost::json::value& content);

inline constexpr std::string_view kToolName = "get_weather";
inline constexpr std::string_view kToolArguments = R"({"city":"Paris"})";

}  // namespace plaza::fake
