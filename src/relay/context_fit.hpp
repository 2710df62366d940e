#pragma once
// A web chat's history cut to its model's context. The page sends the whole conversation with each
// message; past the model's context_length the upstream refuses the request, and the conversation
// could not go on. So the oldest turns are left out, as chat sites do: the preset at the start (an
// app's system prompt and example messages) and the newest message are always sent, and what is sent
// of the conversation starts with a user message.
#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "relay/image_tokens.hpp"

namespace plaza::relay {

using TextTokens = std::function<int64_t(std::string_view text)>;

// Tokens kept free for the answer: the request's max_tokens (or max_completion_tokens), at most half
// the context; without one, the `default_answer` a channel sends in its place (Anthropic's must
// fit the context with the prompt), at most half the context too; else a quarter of the context up
// to 4,096.
int64_t answer_reserve(const boost::json::object& request, int64_t context_length, int64_t default_answer = 0);

// Leaves out the oldest messages of `request` after its first `preset` ones until its prompt (counted
// by `tokens`, with the chat format's 3 tokens a message) fits `context_length` less answer_reserve.
// Returns how many were left out. Reads the messages newest first and stops where the budget ends, so
// a long conversation costs no more counting than the context holds.
// An image part costs `image_tokens`.
std::size_t fit_to_context(boost::json::object& request, int64_t context_length, const TextTokens& tokens,
                           std::size_t preset = 0, int64_t default_answer = 0,
                           int64_t image_tokens = kDefaultImageTokens);

}  // namespace plaza::relay
