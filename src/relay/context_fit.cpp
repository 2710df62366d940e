#include "relay/context_fit.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "relay/upstream_format.hpp"

namespace plaza::relay {

namespace {
std::string_view role_of(const bj::value& message) {
  if (!message.is_object()) return {};
  auto r = message.as_object().if_contains("role");
  return r && r->is_string() ? std::string_view(r->as_string()) : std::string_view();
}

int64_t message_tokens(const bj::value& message, const TextTokens& tokens, int64_t image_tokens) {
  std::string text;
  append_message_text(message, text);
  return tokens(text) + kTokensPerMessage + image_count(message) * image_tokens;
}
}  // namespace

int64_t answer_reserve(const bj::object& request, int64_t context_length, int64_t default_answer) {
  if (auto max = requested_max_tokens(request)) return std::min(*max, context_length / 2);
  if (default_answer > 0) return std::min(default_answer, context_length / 2);
  return std::min<int64_t>(4096, context_length / 4);
}

std::size_t fit_to_context(bj::object& request, int64_t context_length, const TextTokens& tokens, std::size_t preset,
                           int64_t default_answer, int64_t image_tokens) {
  auto found = request.if_contains("messages");
  if (context_length <= 0 || !found || !found->is_array()) return 0;
  auto& messages = found->as_array();
  const std::size_t lead = preset;
  if (messages.size() <= lead + 1) return 0;

  const int64_t budget = context_length - answer_reserve(request, context_length, default_answer) - kTokensForReply;
  int64_t used = 0;
  for (std::size_t i = 0; i < lead; ++i) used += message_tokens(messages[i], tokens, image_tokens);
  // The newest message goes whatever it costs (the upstream says so if it alone is too long).
  std::size_t first = messages.size() - 1;
  used += message_tokens(messages[first], tokens, image_tokens);
  while (first > lead) {
    int64_t cost = message_tokens(messages[first - 1], tokens, image_tokens);
    if (used + cost > budget) break;
    used += cost;
    --first;
  }
  // What is sent starts with the user: an answer without its question misleads the model, and some
  // upstreams (Anthropic's) refuse a conversation that starts with the assistant.
  while (first > lead && first < messages.size() - 1 && role_of(messages[first]) != "user") ++first;
  const std::size_t left_out = first - lead;
  if (left_out)
    messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(lead),
                   messages.begin() + static_cast<std::ptrdiff_t>(first));
  return left_out;
}

}  // namespace plaza::relay
