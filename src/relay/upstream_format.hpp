#pragma once
// What differs between upstream types (OpenAI-compatible, Anthropic): the request sent, the answer
// read back, and their error bodies. Everything is converted to and from OpenAI's format here.
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/upstream_client.hpp"
#include "relay/answer_scan.hpp"
#include "relay/channel_directory.hpp"
#include "relay/relay.hpp"

namespace plaza::relay {

namespace bj = boost::json;

// The `model` of a chat request; throws invalid_request when missing. Also checks `messages`.
std::string requested_model(const bj::object& request);
// All text of the messages, for counting prompt tokens.
std::string prompt_text(const bj::object& request);
// The text of one message (its content's text and its tool calls), as prompt_text reads it.
void append_message_text(const bj::value& message, std::string& out);
// Tokens the chat format adds around messages (about 3 per message and 3 for the reply).
inline constexpr int64_t kTokensPerMessage = 3;
inline constexpr int64_t kTokensForReply = 3;
int64_t message_overhead(const bj::object& request);
// The image parts of a message, or of all of a request's messages.
int64_t image_count(const bj::value& message);
int64_t image_count(const bj::object& request);
// The answer's length limit the request sets (max_completion_tokens, else max_tokens), if positive.
std::optional<int64_t> requested_max_tokens(const bj::object& request);

http::UpstreamRequest build_upstream_request(const Candidate& c, const bj::object& request, bool stream);
// GET {base_url}/models with the candidate's key, as its type wants it (Anthropic's list is paged:
// one page of up to 1,000).
http::UpstreamRequest build_models_request(const Candidate& c);
// The model ids in an answer to build_models_request ({"data": [{"id": ...}, ...]}, OpenAI's and
// Anthropic's shape alike), sorted, without repeats, at most `limit`. Throws std::runtime_error
// when the answer has no such list.
std::vector<std::string> listed_models(std::string_view body, std::size_t limit);
// A short message from an upstream error body (OpenAI or Anthropic shape), or "".
std::string upstream_error_message(const Candidate& c, std::string_view body);
// What an OpenAI-shaped refusal names besides its message: the field at fault (`param`) and its
// code (`context_length_exceeded`), which clients act on (trim the history, drop a parameter). Only
// short identifiers are taken, and only codes about the request; either is "" otherwise.
struct RefusalNames {
  std::string param;
  std::string code;
};
RefusalNames upstream_refusal_names(const Candidate& c, std::string_view body);
// Why a 2xx body is no answer (an upstream that reports its errors with status 200, as One API and
// New API setups may; or one that is not JSON), scrubbed for the log; nothing when it is one.
// `scanned`: the OpenAI body's scan, when it could be scanned.
std::optional<std::string> not_an_answer(const Candidate& c, std::string_view body,
                                         const std::optional<ScannedAnswer>& scanned);
// The error body says the key's account is out of money or quota (OpenAI's `insufficient_quota`,
// One API's and New API's `insufficient_user_quota`, Anthropic's `billing_error`), in its `type`
// or `code`: the key is no use until someone pays, whatever the status says.
bool says_out_of_credit(std::string_view body);
// The error body says the key itself is refused (invalid, revoked, without permission, its account
// closed or in a region the upstream does not serve), in its `type` or `code`.
bool says_key_refused(std::string_view body);
// Removes the channel's key, URL and host from a message meant for a client.
std::string scrub(std::string message, const Candidate& c);
// The non-streamed answer as an OpenAI chat.completion with the public model name; fills the
// outcome's text and reported usage. Throws upstream_error when the body is not a valid answer.
bj::object to_openai_completion(const Candidate& c, std::string_view body, const std::string& public_model, int64_t now,
                                Outcome& outcome);
// Reads usage from an OpenAI object's "usage" (non-null) into the outcome.
void take_usage(const bj::object& o, Outcome& outcome);
// The same from a scanned answer or chunk (answer_scan.hpp), when it has a usage object.
void take_usage(const ScannedAnswer& scanned, Outcome& outcome);
// The client asked a stream for usage (stream_options.include_usage).
bool client_wants_usage(const bj::object& request);
// The delta text of an OpenAI chunk (choices[0].delta.content), or "".
std::string_view delta_text(const bj::object& chunk);
// Appends to `out` what an OpenAI answer (`part` "message") or chunk ("delta") generated besides the
// first choice's content: reasoning, tool calls' names and arguments, further choices' content.
void append_other_output(const bj::object& o, std::string_view part, std::string& out);
// Raises outcome.answers to the choices a completion or chunk carries (by their index).
void count_answers(const bj::object& o, Outcome& outcome);

}  // namespace plaza::relay
