// Anthropic messages: message bodies and the message_start ... message_stop event sequence.
#include <boost/json.hpp>

#include <fmt/format.h>

#include <stdexcept>

#include "dialect.hpp"

namespace plaza::fake {

namespace {

std::string event(std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(name.size() + data.size() + 16);
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += data;
  out += "\n\n";
  return out;
}

std::string tool_use_id(const Answer& a) {
  return "toolu_fake_" + a.id.substr(a.id.rfind('_') + 1);
}

class Anthropic final : public Dialect {
 public:
  Conversation read(const boost::json::object& body) const override {
    Conversation c;
    const auto* model = body.if_contains("model");
    if (!model || !model->is_string() || model->get_string().empty())
      throw std::invalid_argument("model: Field required");
    c.model = std::string(model->get_string());
    const auto* max_tokens = body.if_contains("max_tokens");
    if (!max_tokens || !max_tokens->is_number()) throw std::invalid_argument("max_tokens: Field required");
    if (const auto* system = body.if_contains("system")) {
      std::string text = content_text(*system);
      if (!text.empty()) c.texts.push_back(std::move(text));
    }
    const auto* messages = body.if_contains("messages");
    if (!messages || !messages->is_array() || messages->get_array().empty())
      throw std::invalid_argument("messages: at least one message is required");
    for (const auto& m : messages->get_array()) {
      const auto* o = m.if_object();
      const auto* role = o ? o->if_contains("role") : nullptr;
      if (!role || !role->is_string()) throw std::invalid_argument("messages: each message needs a role");
      if (*role != "user" && *role != "assistant")
        throw std::invalid_argument("messages: roles must be user or assistant (the system prompt is a field)");
      const auto* content = o->if_contains("content");
      if (content && content->is_array() && !body.contains("tools"))
        for (const auto& block : content->get_array())
          if (block.is_object() &&
              (block.get_object().contains("tool_use_id") || block.get_object().at("type") == "tool_use"))
            throw std::invalid_argument("Requests which include `tool_use` or `tool_result` blocks must define tools.");
      std::string text = content ? content_text(*content) : std::string();
      if (*role == "user") c.last_user_text = text;
      c.texts.push_back(std::move(text));
    }
    if (const auto* s = body.if_contains("stream"); s && s->is_bool()) c.stream = s->get_bool();
    // {"type":"tool","name":...}: the model must call that tool, which must be among the tools.
    const auto* choice = body.if_contains("tool_choice");
    if (choice && choice->is_object() && choice->get_object().contains("name")) {
      const auto& name = choice->get_object().at("name");
      bool defined = false;
      if (const auto* tools = body.if_contains("tools"); tools && tools->is_array())
        for (const auto& t : tools->get_array())
          defined = defined || (t.is_object() && t.get_object().contains("name") && t.get_object().at("name") == name);
      if (!defined || !name.is_string())
        throw std::invalid_argument("tool_choice: the named tool is not among the tools");
      c.forced_tool = std::string(name.get_string());
    }
    return c;
  }

  std::string body(const Answer& a) const override {
    std::string out = R"({"id":)";
    append_json_string(out, a.id);
    out += R"(,"type":"message","role":"assistant","model":)";
    append_json_string(out, a.model);
    std::string joined;
    for (const auto& p : a.pieces) joined += p;
    if (a.tool_call) {
      out += R"(,"content":[{"type":"tool_use","id":)";
      append_json_string(out, tool_use_id(a));
      out += R"(,"name":)";
      append_json_string(out, a.tool_name);
      out += R"(,"input":)";
      out += joined;  // the arguments are JSON already
      out += R"(}],"stop_reason":"tool_use")";
    } else {
      out += R"(,"content":[{"type":"text","text":)";
      append_json_string(out, joined);
      out += R"(}],"stop_reason":"end_turn")";
    }
    out += R"(,"stop_sequence":null)";
    if (a.usage)
      out += fmt::format(R"(,"usage":{{"input_tokens":{},"output_tokens":{}}})", a.prompt_tokens, a.pieces.size());
    out += "}";
    return out;
  }

  StreamEvents stream(const Answer& a) const override {
    StreamEvents s;
    s.events.reserve(a.pieces.size() + 6);
    std::string start = R"({"type":"message_start","message":{"id":)";
    append_json_string(start, a.id);
    start += R"(,"type":"message","role":"assistant","model":)";
    append_json_string(start, a.model);
    start += R"(,"content":[],"stop_reason":null,"stop_sequence":null)";
    if (a.usage) start += fmt::format(R"(,"usage":{{"input_tokens":{},"output_tokens":1}})", a.prompt_tokens);
    start += "}}";
    s.events.push_back(event("message_start", start));

    if (a.tool_call) {
      std::string block = R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":)";
      append_json_string(block, tool_use_id(a));
      block += R"(,"name":)";
      append_json_string(block, a.tool_name);
      block += R"(,"input":{}}})";
      s.events.push_back(event("content_block_start", block));
    } else {
      s.events.push_back(
          event("content_block_start",
                R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"));
    }
    s.events.push_back(event("ping", R"({"type":"ping"})"));
    s.first_piece = s.events.size();
    for (const auto& p : a.pieces) {
      std::string delta = R"({"type":"content_block_delta","index":0,"delta":)";
      delta += a.tool_call ? R"({"type":"input_json_delta","partial_json":)" : R"({"type":"text_delta","text":)";
      append_json_string(delta, p);
      delta += "}}";
      s.events.push_back(event("content_block_delta", delta));
    }
    s.events.push_back(event("content_block_stop", R"({"type":"content_block_stop","index":0})"));
    std::string md = R"({"type":"message_delta","delta":{"stop_reason":)";
    md += a.tool_call ? R"("tool_use")" : R"("end_turn")";
    md += R"(,"stop_sequence":null})";
    if (a.usage) md += fmt::format(R"(,"usage":{{"output_tokens":{}}})", a.pieces.size());
    md += "}";
    s.events.push_back(event("message_delta", md));
    s.events.push_back(event("message_stop", R"({"type":"message_stop"})"));
    return s;
  }

  std::string malformed_event() const override {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\n\n";
  }

  std::string error_body(int status, std::string_view message) const override {
    std::string_view type = "api_error";
    switch (status) {
      case 400:
        type = "invalid_request_error";
        break;
      case 401:
        type = "authentication_error";
        break;
      case 403:
        type = "permission_error";
        break;
      case 404:
        type = "not_found_error";
        break;
      case 413:
        type = "request_too_large";
        break;
      case 429:
        type = "rate_limit_error";
        break;
      case 503:
      case 529:
        type = "overloaded_error";
        break;
      default:
        if (status < 500) type = "invalid_request_error";
    }
    std::string out = fmt::format(R"({{"type":"error","error":{{"type":"{}","message":)", type);
    append_json_string(out, message);
    out += "}}";
    return out;
  }

  std::string_view id_prefix() const override { return "msg_fake_"; }
};

}  // namespace

const Dialect& anthropic_dialect() {
  static const Anthropic d;
  return d;
}

}  // namespace plaza::fake
