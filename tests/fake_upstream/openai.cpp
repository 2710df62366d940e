// OpenAI chat completions: chat.completion bodies and chat.completion.chunk events ending in [DONE].
#include <boost/json.hpp>

#include <fmt/format.h>

#include <stdexcept>

#include "dialect.hpp"

namespace plaza::fake {

namespace {

std::string joined(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

std::string usage_json(const Answer& a) {
  auto completion = static_cast<int64_t>(a.pieces.size());
  return fmt::format(R"({{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}})", a.prompt_tokens, completion,
                     a.prompt_tokens + completion);
}

std::string tool_call_id(const Answer& a) {
  return "call_" + a.id.substr(a.id.rfind('-') + 1);
}

class OpenAi final : public Dialect {
 public:
  Conversation read(const boost::json::object& body) const override {
    Conversation c;
    const auto* model = body.if_contains("model");
    if (!model || !model->is_string() || model->get_string().empty())
      throw std::invalid_argument("you must provide a model parameter");
    c.model = std::string(model->get_string());
    const auto* messages = body.if_contains("messages");
    if (!messages || !messages->is_array() || messages->get_array().empty())
      throw std::invalid_argument("messages must be a non-empty array");
    for (const auto& m : messages->get_array()) {
      const auto* o = m.if_object();
      const auto* role = o ? o->if_contains("role") : nullptr;
      if (!role || !role->is_string()) throw std::invalid_argument("each message needs a role");
      const auto* content = o->if_contains("content");
      std::string text = content ? content_text(*content) : std::string();
      if (*role == "user") c.last_user_text = text;
      c.texts.push_back(std::move(text));
    }
    if (const auto* s = body.if_contains("stream"); s && s->is_bool()) c.stream = s->get_bool();
    if (const auto* so = body.if_contains("stream_options"); so && so->is_object()) {
      const auto* iu = so->get_object().if_contains("include_usage");
      c.include_usage = iu && iu->is_bool() && iu->get_bool();
    }
    return c;
  }

  std::string body(const Answer& a) const override {
    std::string out;
    out.reserve(256 + a.pieces.size() * 8);
    out += R"({"id":)";
    append_json_string(out, a.id);
    out += fmt::format(R"(,"object":"chat.completion","created":{},"model":)", a.created);
    append_json_string(out, a.model);
    out += R"(,"choices":[{"index":0,"message":{"role":"assistant",)";
    if (a.tool_call) {
      out += R"("content":null,"tool_calls":[{"id":)";
      append_json_string(out, tool_call_id(a));
      out += R"(,"type":"function","function":{"name":)";
      append_json_string(out, a.tool_name);
      out += R"(,"arguments":)";
      append_json_string(out, joined(a.pieces));
      out += R"(}}]},"logprobs":null,"finish_reason":"tool_calls"}])";
    } else {
      out += R"("content":)";
      append_json_string(out, joined(a.pieces));
      out += R"(},"logprobs":null,"finish_reason":"stop"}])";
    }
    if (a.usage) out += R"(,"usage":)" + usage_json(a);
    out += R"(,"system_fingerprint":"fp_fake"})";
    return out;
  }

  StreamEvents stream(const Answer& a) const override {
    std::string prefix = R"(data: {"id":)";
    append_json_string(prefix, a.id);
    prefix += fmt::format(R"(,"object":"chat.completion.chunk","created":{},"model":)", a.created);
    append_json_string(prefix, a.model);
    prefix += R"(,"system_fingerprint":"fp_fake","choices":[)";
    // Asked for usage, OpenAI writes "usage": null into every chunk before the usage-only one.
    std::string_view no_usage = a.usage && a.stream_usage ? R"(,"usage":null)" : "";
    auto choice = [&](std::string_view delta, std::string_view finish) {
      return fmt::format(R"({}{{"index":0,"delta":{},"logprobs":null,"finish_reason":{}}}]{}}})"
                         "\n\n",
                         prefix, delta, finish, no_usage);
    };

    StreamEvents s;
    s.events.reserve(a.pieces.size() + 5);
    if (a.tool_call) {
      std::string first = R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":)";
      append_json_string(first, tool_call_id(a));
      first += R"(,"type":"function","function":{"name":)";
      append_json_string(first, a.tool_name);
      first += R"(,"arguments":""}}]})";
      s.events.push_back(choice(first, "null"));
    } else {
      s.events.push_back(choice(R"({"role":"assistant","content":""})", "null"));
    }
    s.first_piece = s.events.size();
    for (const auto& p : a.pieces) {
      std::string delta;
      if (a.tool_call) {
        delta = R"({"tool_calls":[{"index":0,"function":{"arguments":)";
        append_json_string(delta, p);
        delta += "}}]}";
      } else {
        delta = R"({"content":)";
        append_json_string(delta, p);
        delta += "}";
      }
      s.events.push_back(choice(delta, "null"));
    }
    s.events.push_back(choice("{}", a.tool_call ? R"("tool_calls")" : R"("stop")"));
    if (a.usage && a.stream_usage) s.events.push_back(prefix + R"(],"usage":)" + usage_json(a) + "}\n\n");
    s.events.push_back("data: [DONE]\n\n");
    return s;
  }

  std::string malformed_event() const override {
    return "data: {\"id\":\"chatcmpl-broken\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\n\n";
  }

  std::string error_body(int status, std::string_view message) const override {
    std::string_view type = "invalid_request_error";
    std::string_view code = "null";
    switch (status) {
      case 401:
        code = R"("invalid_api_key")";
        break;
      case 403:
        code = R"("unsupported_country_region_territory")";
        break;
      case 404:
        code = R"("model_not_found")";
        break;
      case 429:
        type = "requests";
        code = R"("rate_limit_exceeded")";
        break;
      default:
        if (status >= 500) type = "server_error";
        if (status == 503) code = R"("service_unavailable")";
    }
    std::string out = R"({"error":{"message":)";
    append_json_string(out, message);
    out += fmt::format(R"(,"type":"{}","param":null,"code":{}}}}})", type, code);
    return out;
  }

  std::string_view id_prefix() const override { return "chatcmpl-fake-"; }
};

}  // namespace

const Dialect& openai_dialect() {
  static const OpenAi d;
  return d;
}

}  // namespace plaza::fake
