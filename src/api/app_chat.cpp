#include "api/app_chat.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "core/error.hpp"
#include "core/json.hpp"

#include "relay/upstream_format.hpp"

namespace plaza::api {

namespace bj = boost::json;

namespace {
// Where upstreams put a model's reasoning: DeepSeek and vLLM `reasoning_content`, OpenRouter and
// Ollama `reasoning`. The leak guard reads them with the answer.
constexpr const char* kReasoningFields[] = {"reasoning_content", "reasoning"};
// OpenRouter repeats the reasoning as structured parts beside `reasoning`. The guard reads the text
// field, so from an app with a hidden preset the copy it does not read is not passed on.
constexpr const char* kUnwatchedField = "reasoning_details";
}  // namespace

std::string app_model(const store::AppContent& app, const std::string& requested) {
  if (!requested.empty() &&
      (requested == app.default_model ||
       std::find(app.allowed_models.begin(), app.allowed_models.end(), requested) != app.allowed_models.end()))
    return requested;
  return app.default_model;
}

std::size_t apply_app(bj::object& request, const store::AppContent& app, const std::string& model) {
  if (app.hide_preset) {
    // The leak guard reads answer text; tool-call arguments and log-probabilities would carry a
    // repeated preset past it, and interleaved choices (n > 1) would blur the runs it counts. Token
    // biases could spell a repeated preset past its word runs, and a chat template's arguments (vLLM)
    // could rewrite the prompt, the preset in it, into a form it does not recognise.
    for (const char* field : {"tools", "functions", "tool_choice", "function_call", "logprobs", "top_logprobs",
                              "logit_bias", "chat_template_kwargs", "chat_template"})
      if (auto v = request.if_contains(field);
          v && !v->is_null() && !(v->is_bool() && !v->as_bool()) && !(v->is_object() && v->as_object().empty()))
        throw Error(ErrorCode::invalid_request,
                    std::string("this app keeps its instructions private and does not take '") + field + "'", field);
    if (auto n = json::optional_int(request, "n"); n && *n != 1)
      throw Error(ErrorCode::invalid_request, "this app keeps its instructions private and gives one answer at a time",
                  "n");
    // Anything else an upstream might answer with more than text (vLLM's prompt_logprobs returns the
    // prompt itself) is dropped: only the conversation, streaming and sampling go through.
    std::vector<std::string> dropped;
    for (const auto& [key, value] : request)
      if (key != "messages" && key != "model" && key != "stream" && key != "stream_options" && key != "user" &&
          !services::app_parameter(key))
        dropped.emplace_back(key);
    for (const auto& key : dropped) request.erase(key);
  }
  request["model"] = model;
  boost::system::error_code ec;
  auto params = bj::parse(app.parameters, ec);
  if (!ec && params.is_object())
    for (const auto& [key, value] : params.as_object())  // checked when saved; an older app's are checked here
      if (!request.contains(key) && services::app_parameter(key)) request[key] = value;

  bj::array given;
  if (auto m = request.if_contains("messages"); m && m->is_array()) given = m->as_array();
  if (!app.suffix.empty()) {
    for (auto it = given.rbegin(); it != given.rend(); ++it) {
      if (!it->is_object()) continue;
      auto& msg = it->as_object();
      auto role = msg.if_contains("role");
      if (!role || !role->is_string() || role->as_string() != "user") continue;
      auto& content = msg["content"];
      if (content.is_string()) {
        content = std::string(content.as_string()) + app.suffix;
      } else if (content.is_array()) {
        content.as_array().push_back(bj::object{{"type", "text"}, {"text", app.suffix}});
      }
      break;
    }
  }
  bj::array messages;
  if (!app.system_prompt.empty()) messages.push_back(bj::object{{"role", "system"}, {"content", app.system_prompt}});
  for (const auto& m : app.prefix_messages) messages.push_back(bj::object{{"role", m.role}, {"content", m.content}});
  const std::size_t preset = messages.size();
  for (auto& m : given) messages.push_back(std::move(m));
  request["messages"] = std::move(messages);
  return preset;
}

void mark_app(relay::Caller& caller, const services::AppChat& chat) {
  caller.app_id = chat.app.id;
  caller.app_owner_id = chat.app.owner_id;
  caller.app_kind = chat.app.kind;
  caller.app_surcharge = {};
  if (!chat.preview && chat.content.price_mode == "per_message") caller.app_surcharge.per_call = chat.content.price;
  if (!chat.preview && chat.content.price_mode == "per_token") caller.app_surcharge.ppm = chat.content.surcharge_ppm;
  caller.public_model = "app/" + chat.app.slug;
  // The preset may not be read, not even quoted in an upstream's error, by anyone but those who may
  // read it; a preview (the owner or an admin chatting with a draft) keeps the upstream's words.
  caller.withhold_upstream_words = chat.content.hide_preset && !chat.preview;
}

namespace {
leak::Options guard_options(const services::AppSettings& settings) {
  leak::Options options;
  options.min_word_run = static_cast<std::size_t>(settings.leak_word_run);
  options.ngram_share = settings.leak_ngram_share;
  return options;
}
}  // namespace

std::unique_ptr<leak::PartsGuard> make_guard(const store::AppContent& app, const services::AppSettings& settings) {
  if (!app.hide_preset) return nullptr;
  std::vector<leak::PartsGuard::Part> parts{{app.system_prompt}};
  for (const auto& m : app.prefix_messages) parts.push_back({m.content, m.role == "user"});
  parts.push_back({app.suffix});
  auto guard = std::make_unique<leak::PartsGuard>(parts, guard_options(settings));
  return guard->watching() ? std::move(guard) : nullptr;
}

void cut_if_leaking(bj::object& completion, const store::AppContent& app, const services::AppSettings& settings) {
  auto guard = make_guard(app, settings);
  if (!guard) return;
  auto choices = completion.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  for (auto& choice : choices->as_array()) {
    if (!choice.is_object()) continue;
    auto message = choice.as_object().if_contains("message");
    if (!message || !message->is_object()) continue;
    std::string text;
    auto add = [&](const char* field) {
      if (auto v = message->as_object().if_contains(field); v && v->is_string())
        text += std::string(v->as_string()) + "\n";
    };
    add("content");
    for (const char* field : kReasoningFields) add(field);
    message->as_object().erase(kUnwatchedField);
    if (guard->feed(text) || guard->finish()) {
      // Nothing of the cut answer stays: not its text, reasoning, tool calls or log-probabilities.
      int64_t index = choice.as_object().if_contains("index") ? choice.as_object()["index"].to_number<int64_t>() : 0;
      choice = bj::object{{"index", index},
                          {"message", bj::object{{"role", "assistant"}, {"content", std::string("[") + kLeakNotice + "]"}}},
                          {"finish_reason", "content_filter"}};
    }
  }
}

LeakGuardOutput::LeakGuardOutput(relay::ChatOutput& inner, const store::AppContent& app,
                                 const services::AppSettings& settings)
    : inner_(inner), guard_(make_guard(app, settings)) {}

namespace {
// Calls f with the delta of each of a chunk's choices.
template <class F>
void for_each_delta(bj::object& chunk, F f) {
  if (auto choices = chunk.if_contains("choices"); choices && choices->is_array())
    for (auto& choice : choices->as_array())
      if (auto delta = choice.is_object() ? choice.as_object().if_contains("delta") : nullptr;
          delta && delta->is_object())
        f(delta->as_object());
}

// Every text a chunk carries to the client: the answer and any reasoning.
std::string chunk_text(bj::object& chunk) {
  std::string text(relay::delta_text(chunk));
  for_each_delta(chunk, [&](bj::object& delta) {
    for (const char* field : kReasoningFields)
      if (auto r = delta.if_contains(field); r && r->is_string()) text += r->as_string();
  });
  return text;
}
}  // namespace

awaitable<bool> LeakGuardOutput::chunk(bj::object& chunk) {
  if (guard_) {
    for_each_delta(chunk, [](bj::object& delta) { delta.erase(kUnwatchedField); });
    std::string text = chunk_text(chunk);
    if (!text.empty() && guard_->feed(text)) {
      co_await inner_.cut(kLeakNotice);
      co_return false;  // the relay stops and cancels the upstream, as when a client leaves
    }
  }
  delivered_ += relay::delta_text(chunk);
  co_return co_await inner_.chunk(chunk);
}

awaitable<bool> LeakGuardOutput::chunk_json(std::string json) {
  if (guard_) co_return co_await ChatOutput::chunk_json(std::move(json));  // read, then chunk() watches it
  co_return co_await inner_.chunk_json(std::move(json));
}

awaitable<bool> LeakGuardOutput::end(const relay::Outcome& outcome) {
  // A run that ends with the answer is only a word once the answer is over.
  if (guard_ && guard_->finish()) {
    co_await inner_.cut(kLeakNotice);
    co_return false;
  }
  co_return co_await inner_.end(outcome);
}

}  // namespace plaza::api
