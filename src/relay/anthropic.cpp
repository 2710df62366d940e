#include "relay/anthropic.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "core/json.hpp"
#include "relay/anthropic_internal.hpp"

namespace plaza::relay::anthropic {

namespace bj = boost::json;
using detail::find;
using detail::string_or;

namespace {

// Anthropic rejects a conversation that starts with the assistant (an app's opening message, or a
// history trimmed from the front); a neutral user turn in front keeps the assistant text in context.
constexpr std::string_view kLeadingUserText = "(conversation start)";

[[noreturn]] void bad(std::string message, std::string field = {}) {
  throw Error(ErrorCode::invalid_request, std::move(message), std::move(field));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::optional<double> optional_number(const bj::object& o, std::string_view key) {
  const auto* v = find(o, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) bad(std::string(key) + " must be a number", std::string(key));
  return v->to_number<double>();
}

std::string_view type_of(const bj::value& block) {
  return block.is_object() ? string_or(block.get_object(), "type") : std::string_view();
}

bj::object text_block(std::string_view text) {
  return {{"type", "text"}, {"text", text}};
}

// Text of a system, developer or tool message: a string or an array of text parts.
std::string text_of(const bj::value& content, std::string_view role) {
  if (content.is_null()) return {};
  if (content.is_string()) return std::string(content.get_string());
  if (!content.is_array()) bad("content of a " + std::string(role) + " message must be a string or an array");
  std::string out;
  for (const auto& part : content.get_array()) {
    if (!part.is_object() || string_or(part.get_object(), "type") != "text") {
      bad("content of a " + std::string(role) + " message may only contain text parts");
    }
    if (!out.empty()) out += "\n";
    out += string_or(part.get_object(), "text");
  }
  return out;
}

// data:image/png;base64,... → a base64 source; http(s) URLs → a URL source Anthropic fetches itself.
bj::object image_block(std::string_view url) {
  bj::object source;
  if (starts_with_ci(url, "data:")) {
    auto comma = url.find(',');
    std::string_view header = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    auto semi = header.find(';');
    std::string_view media = header.substr(0, semi);
    bool base64 = semi != std::string_view::npos && header.substr(semi).find(";base64") != std::string_view::npos;
    if (comma == std::string_view::npos || !base64 || !starts_with_ci(media, "image/") || comma + 1 == url.size()) {
      bad("image_url must be a base64 data:image/... URL or an http(s) URL");
    }
    std::string media_type(media);
    std::transform(media_type.begin(), media_type.end(), media_type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    source = {{"type", "base64"}, {"media_type", media_type}, {"data", url.substr(comma + 1)}};
  } else if (starts_with_ci(url, "https://") || starts_with_ci(url, "http://")) {
    source = {{"type", "url"}, {"url", url}};
  } else {
    bad("image_url must be a base64 data:image/... URL or an http(s) URL");
  }
  return {{"type", "image"}, {"source", std::move(source)}};
}

// Anthropic tool ids must match [A-Za-z0-9_-]+; OpenAI's are free-form. The same mapping is applied
// to tool_use and tool_result so the pair still matches.
std::string tool_id(std::string_view id) {
  std::string out(id);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return out;
}

// Content of a user or assistant message → content blocks. Empty text is left out: Anthropic rejects
// empty text blocks.
bj::array content_blocks(const bj::value* content, bool user) {
  bj::array blocks;
  if (!content) return blocks;
  if (content->is_string()) {
    if (!content->get_string().empty()) blocks.push_back(text_block(content->get_string()));
    return blocks;
  }
  if (!content->is_array()) bad("message content must be a string or an array of parts");
  for (const auto& part : content->get_array()) {
    if (!part.is_object()) bad("message content parts must be objects");
    const auto& p = part.get_object();
    std::string_view type = string_or(p, "type");
    if (type == "text" || (!user && type == "refusal")) {
      std::string_view text = string_or(p, type);
      if (!text.empty()) blocks.push_back(text_block(text));
    } else if (user && type == "image_url") {
      const auto* image = find(p, "image_url");
      std::string_view url;
      if (image && image->is_string()) url = image->get_string();
      if (image && image->is_object()) url = string_or(image->get_object(), "url");
      if (url.empty()) bad("image_url parts need image_url.url");
      blocks.push_back(image_block(url));
    } else {
      bad("content part type \"" + std::string(type) + "\" is not supported by this model");
    }
  }
  return blocks;
}

bj::array tool_use_blocks(const bj::value& tool_calls) {
  if (!tool_calls.is_array()) bad("tool_calls must be an array");
  bj::array blocks;
  for (const auto& call : tool_calls.get_array()) {
    if (!call.is_object()) bad("tool_calls items must be objects");
    const auto* fn = find(call.get_object(), "function");
    std::string_view id = string_or(call.get_object(), "id");
    if (id.empty() || !fn || !fn->is_object() || string_or(fn->get_object(), "name").empty()) {
      bad("each tool call needs an id and function.name");
    }
    const auto* args = find(fn->get_object(), "arguments");
    bj::value input = bj::object();
    if (args && args->is_object()) {
      input = *args;
    } else if (args && args->is_string() && args->get_string().find_first_not_of(" \t\r\n") != bj::string::npos) {
      boost::system::error_code ec;
      input = bj::parse(args->get_string(), ec);
      if (ec || !input.is_object()) bad("tool call arguments must be a JSON object");
    } else if (args && !args->is_string()) {
      bad("tool call arguments must be a JSON string");
    }
    blocks.push_back(bj::object{
        {"type", "tool_use"}, {"id", tool_id(id)}, {"name", fn->get_object().at("name")}, {"input", std::move(input)}});
  }
  return blocks;
}

struct Turn {
  std::string role;
  bj::array blocks;
};

// Appends blocks to the conversation, merging same-role neighbours: Anthropic requires alternation.
void append(std::vector<Turn>& turns, std::string_view role, bj::array blocks) {
  if (blocks.empty()) return;
  if (turns.empty() || turns.back().role != role) {
    turns.push_back({std::string(role), std::move(blocks)});
    return;
  }
  for (auto& b : blocks) turns.back().blocks.push_back(std::move(b));
}

void convert_messages(const bj::value* messages, bj::object& out) {
  if (!messages || !messages->is_array() || messages->get_array().empty()) {
    bad("messages must be a non-empty array", "messages");
  }
  std::string system;
  std::vector<Turn> turns;
  for (const auto& m : messages->get_array()) {
    if (!m.is_object()) bad("each message must be an object", "messages");
    const auto& msg = m.get_object();
    std::string_view role = string_or(msg, "role");
    const auto* content = find(msg, "content");
    if (role == "system" || role == "developer") {
      std::string text = content ? text_of(*content, role) : std::string();
      if (!text.empty()) system += (system.empty() ? "" : "\n\n") + text;
    } else if (role == "user") {
      append(turns, "user", content_blocks(content, true));
    } else if (role == "assistant") {
      bj::array blocks = content_blocks(content, false);
      if (const auto* calls = find(msg, "tool_calls")) {
        for (auto& b : tool_use_blocks(*calls)) blocks.push_back(std::move(b));
      }
      append(turns, "assistant", std::move(blocks));
    } else if (role == "tool") {
      std::string_view id = string_or(msg, "tool_call_id");
      if (id.empty()) bad("tool messages need tool_call_id", "messages");
      bj::object result{{"type", "tool_result"}, {"tool_use_id", tool_id(id)}};
      std::string text = content ? text_of(*content, role) : std::string();
      if (!text.empty()) result["content"] = text;
      append(turns, "user", bj::array{std::move(result)});
    } else {
      bad("message role \"" + std::string(role) + "\" is not supported", "messages");
    }
  }
  // Instructions alone (OpenAI models answer them): Anthropic needs a turn, so they become the user's.
  if (turns.empty() && !system.empty()) {
    append(turns, "user", bj::array{text_block(system)});
    system.clear();
  }
  if (turns.empty()) bad("messages must contain a user or assistant message with content", "messages");

  // A user turn that answers tool calls must start with its tool_result blocks.
  for (auto& t : turns) {
    if (t.role != "user") continue;
    std::stable_partition(t.blocks.begin(), t.blocks.end(),
                          [](const bj::value& b) { return type_of(b) == "tool_result"; });
  }
  if (turns.front().role != "user") turns.insert(turns.begin(), {"user", bj::array{text_block(kLeadingUserText)}});
  // A final assistant turn is a prefill, and Anthropic rejects one that ends in whitespace.
  if (auto& last = turns.back(); last.role == "assistant" && type_of(last.blocks.back()) == "text") {
    auto& text = last.blocks.back().as_object()["text"].as_string();
    auto end = std::string_view(text).find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) {
      last.blocks.pop_back();
      if (last.blocks.empty()) turns.pop_back();
    } else {
      text.resize(end + 1);
    }
  }

  if (!system.empty()) out["system"] = system;
  bj::array list;
  for (auto& t : turns) list.push_back(bj::object{{"role", t.role}, {"content", std::move(t.blocks)}});
  out["messages"] = std::move(list);
}

// Anthropic refuses tool_use and tool_result blocks in a request that defines no tools, while OpenAI
// takes a conversation's tool calls with or without them (a follow-up that offers no more tools). The
// tools called earlier are declared then, and the model may call none of them.
void declare_tools_used(bj::object& out) {
  if (out.contains("tools")) return;
  bj::array declared;
  for (const auto& m : out.at("messages").as_array()) {
    for (const auto& b : m.as_object().at("content").as_array()) {
      if (type_of(b) != "tool_use") continue;
      const auto& name = b.as_object().at("name");
      bool known = string_or(b.as_object(), "name") == kAnswerTool ||
                   std::any_of(declared.begin(), declared.end(),
                               [&](const bj::value& t) { return t.as_object().at("name") == name; });
      if (!known)
        declared.push_back(bj::object{{"name", name},
                                      {"description", "A tool used earlier in this conversation."},
                                      {"input_schema", bj::object{{"type", "object"}}}});
    }
  }
  if (declared.empty()) return;
  out["tools"] = std::move(declared);
  out["tool_choice"] = bj::object{{"type", "none"}};
}

void convert_tools(const bj::object& in, bj::object& out) {
  if (find(in, "functions") || find(in, "function_call"))
    bad("functions and function_call are deprecated and not supported by this model: use tools and tool_choice",
        "functions");
  const auto* tools = find(in, "tools");
  if (!tools) return;
  if (!tools->is_array()) bad("tools must be an array", "tools");
  bj::array list;
  for (const auto& t : tools->get_array()) {
    if (!t.is_object() || string_or(t.get_object(), "type", "function") != "function") {
      bad("only function tools are supported by this model", "tools");
    }
    const auto* fn = find(t.get_object(), "function");
    if (!fn || !fn->is_object() || string_or(fn->get_object(), "name").empty()) {
      bad("each tool needs function.name", "tools");
    }
    const auto& f = fn->get_object();
    if (string_or(f, "name") == kAnswerTool) bad("the tool name " + std::string(kAnswerTool) + " is reserved", "tools");
    bj::object tool{{"name", f.at("name")}};
    if (auto d = string_or(f, "description"); !d.empty()) tool["description"] = d;
    const auto* params = find(f, "parameters");
    if (params && !params->is_object()) bad("function.parameters must be a JSON Schema object", "tools");
    tool["input_schema"] = params ? *params : bj::value(bj::object{{"type", "object"}, {"properties", bj::object()}});
    list.push_back(std::move(tool));
  }
  if (list.empty()) return;
  out["tools"] = std::move(list);

  bj::object choice;
  if (const auto* c = find(in, "tool_choice")) {
    if (c->is_string() && (c->get_string() == "auto" || c->get_string() == "none")) {
      choice["type"] = c->get_string();
    } else if (c->is_string() && c->get_string() == "required") {
      choice["type"] = "any";
    } else if (c->is_object() && find(c->get_object(), "function") && find(c->get_object(), "function")->is_object() &&
               !string_or(c->get_object().at("function").get_object(), "name").empty()) {
      choice = {{"type", "tool"}, {"name", c->get_object().at("function").at("name")}};
    } else {
      bad("tool_choice must be \"auto\", \"none\", \"required\" or a function", "tool_choice");
    }
  }
  if (const auto* p = find(in, "parallel_tool_calls"); p && p->is_bool() && !p->get_bool()) {
    if (choice.empty()) choice["type"] = "auto";
    if (choice["type"].as_string() != "none") choice["disable_parallel_tool_use"] = true;
  }
  if (!choice.empty()) out["tool_choice"] = std::move(choice);
}

// JSON mode and structured outputs: the answer is the input of a tool the model must call (kAnswerTool).
void convert_response_format(const bj::object& in, bj::object& out) {
  const auto* rf = find(in, "response_format");
  if (!rf) return;
  if (!rf->is_object()) bad("response_format must be an object", "response_format");
  std::string_view type = string_or(rf->get_object(), "type");
  if (type == "text") return;
  bj::object tool{{"name", kAnswerTool}, {"description", "Give your whole final answer as this tool's input."}};
  if (type == "json_object") {
    tool["input_schema"] = bj::object{{"type", "object"}};
  } else if (type == "json_schema") {
    const auto* spec = find(rf->get_object(), "json_schema");
    const auto* schema = spec && spec->is_object() ? find(spec->get_object(), "schema") : nullptr;
    if (!schema || !schema->is_object() || string_or(schema->get_object(), "type") != "object")
      bad("response_format.json_schema.schema must be a JSON Schema of an object", "response_format");
    tool["input_schema"] = *schema;
    if (auto d = string_or(spec->get_object(), "description"); !d.empty())
      tool["description"] = std::string(tool["description"].as_string()) + " " + std::string(d);
  } else {
    bad("response_format.type must be \"text\", \"json_object\" or \"json_schema\"", "response_format");
  }
  if (!out.contains("tools")) out["tools"] = bj::array();
  out["tools"].as_array().push_back(std::move(tool));
  // The model answers through the tool: forced when it has no others (or may call none of them),
  // else it must call one of them, the answer tool among them; a function the client names stays
  // chosen. One call at a time: two answers would be two JSON texts run together.
  auto* choice = out.if_contains("tool_choice");
  std::string_view chosen = choice ? std::string_view(choice->as_object().at("type").as_string()) : "auto";
  if (out["tools"].as_array().size() == 1 || chosen == "none") {
    out["tool_choice"] = bj::object{{"type", "tool"}, {"name", kAnswerTool}, {"disable_parallel_tool_use", true}};
  } else if (chosen == "auto" || chosen == "any") {
    out["tool_choice"] = bj::object{{"type", "any"}, {"disable_parallel_tool_use", true}};
  }
}

}  // namespace

bj::object to_anthropic_request(const bj::object& in, std::string_view upstream_model, bool stream,
                                int64_t default_max_tokens) {
  bj::object out;
  out["model"] = upstream_model;
  convert_messages(find(in, "messages"), out);

  auto max_tokens = json::optional_int(in, "max_completion_tokens");
  if (!max_tokens) max_tokens = json::optional_int(in, "max_tokens");
  if (max_tokens && *max_tokens <= 0) bad("max_tokens must be positive", "max_tokens");
  out["max_tokens"] = max_tokens.value_or(default_max_tokens);

  if (auto n = json::optional_int(in, "n"); n && *n != 1) bad("n must be 1 for this model", "n");
  // OpenAI's temperature goes to 2, Anthropic's to 1. Newer Claude models refuse temperature and
  // top_p together, so top_p is sent only on its own.
  auto temperature = optional_number(in, "temperature");
  if (temperature && (*temperature < 0 || *temperature > 2)) bad("temperature must be between 0 and 2", "temperature");
  if (temperature) out["temperature"] = std::min(*temperature, 1.0);
  auto top_p = optional_number(in, "top_p");
  if (top_p && (*top_p < 0 || *top_p > 1)) bad("top_p must be between 0 and 1", "top_p");
  if (top_p && !temperature) out["top_p"] = *top_p;
  if (auto top_k = json::optional_int(in, "top_k"); top_k && *top_k > 0) out["top_k"] = *top_k;

  if (const auto* stop = find(in, "stop")) {
    bj::array seqs;
    if (stop->is_string()) {
      if (!stop->get_string().empty()) seqs.push_back(stop->get_string());
    } else if (stop->is_array()) {
      for (const auto& s : stop->get_array()) {
        if (!s.is_string()) bad("stop must be a string or an array of strings", "stop");
        if (!s.get_string().empty()) seqs.push_back(s);
      }
    } else {
      bad("stop must be a string or an array of strings", "stop");
    }
    if (!seqs.empty()) out["stop_sequences"] = std::move(seqs);
  }

  convert_tools(in, out);
  declare_tools_used(out);
  convert_response_format(in, out);
  if (auto user = json::optional_string(in, "user"); user && !user->empty()) {
    out["metadata"] = bj::object{{"user_id", *user}};
  }
  if (stream) out["stream"] = true;
  return out;
}

}  // namespace plaza::relay::anthropic
