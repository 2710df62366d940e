#include "relay/anthropic.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "core/json.hpp"

namespace plaza::relay::anthropic {

namespace bj = boost::json;

namespace {

// Anthropic rejects a conversation that starts with the assistant (an app's opening message, or a
// history trimmed from the front); a neutral user turn in front keeps the assistant text in context.
constexpr std::string_view kLeadingUserText = "(conversation start)";
constexpr std::size_t kMaxErrorMessage = 300;

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

const bj::value* find(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

std::string_view string_or(const bj::object& o, std::string_view key, std::string_view fallback = {}) {
  const auto* v = find(o, key);
  return v && v->is_string() ? std::string_view(v->get_string()) : fallback;
}

int64_t int_or_zero(const bj::object& o, std::string_view key) {
  const auto* v = find(o, key);
  if (!v) return 0;
  if (v->is_int64()) return std::max<int64_t>(v->get_int64(), 0);
  if (v->is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v->get_uint64(), INT64_MAX));
  return 0;
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

void convert_tools(const bj::object& in, bj::object& out) {
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

std::string_view finish_reason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, or none given
}

bj::object usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens},
          {"prompt_tokens_details", bj::object{{"cached_tokens", u.cached_tokens}}}};
}

// Keeps a message short and on one line; cuts at a UTF-8 character boundary.
std::string tidy(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  if (out.size() > kMaxErrorMessage) {
    std::size_t n = kMaxErrorMessage;
    while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
    out.resize(n);
    out += "...";
  }
  return out;
}

}  // namespace

bj::object to_anthropic_request(const bj::object& in, std::string_view upstream_model, bool stream) {
  bj::object out;
  out["model"] = upstream_model;
  convert_messages(find(in, "messages"), out);

  auto max_tokens = json::optional_int(in, "max_completion_tokens");
  if (!max_tokens) max_tokens = json::optional_int(in, "max_tokens");
  if (max_tokens && *max_tokens <= 0) bad("max_tokens must be positive", "max_tokens");
  out["max_tokens"] = max_tokens.value_or(kDefaultMaxTokens);

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
  if (auto user = json::optional_string(in, "user"); user && !user->empty()) {
    out["metadata"] = bj::object{{"user_id", *user}};
  }
  if (stream) out["stream"] = true;
  return out;
}

bj::object to_openai_response(const bj::object& r, std::string_view public_model, int64_t created, Usage& usage_out) {
  const auto* content = find(r, "content");
  if (string_or(r, "type") != "message" || !content || !content->is_array()) {
    throw Error(ErrorCode::upstream_error, "upstream returned an unexpected response");
  }
  std::string text, reasoning;
  bj::array tool_calls;
  for (const auto& b : content->get_array()) {
    if (!b.is_object()) continue;
    const auto& block = b.get_object();
    std::string_view type = string_or(block, "type");
    if (type == "text") {
      text += string_or(block, "text");
    } else if (type == "thinking") {
      reasoning += string_or(block, "thinking");
    } else if (type == "tool_use") {
      const auto* input = find(block, "input");
      tool_calls.push_back(
          bj::object{{"id", string_or(block, "id")},
                     {"type", "function"},
                     {"function", bj::object{{"name", string_or(block, "name")},
                                             {"arguments", input ? bj::serialize(*input) : std::string("{}")}}}});
    }
  }

  bj::object message{{"role", "assistant"}};
  if (text.empty() && !tool_calls.empty()) {
    message["content"] = nullptr;
  } else {
    message["content"] = text;
  }
  if (!reasoning.empty()) message["reasoning_content"] = reasoning;
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  message["refusal"] = nullptr;

  Usage u;
  if (const auto* usage = find(r, "usage"); usage && usage->is_object()) {
    const auto& o = usage->get_object();
    u.cached_tokens = int_or_zero(o, "cache_read_input_tokens");
    u.prompt_tokens = int_or_zero(o, "input_tokens") + u.cached_tokens + int_or_zero(o, "cache_creation_input_tokens");
    u.completion_tokens = int_or_zero(o, "output_tokens");
    u.reported = true;
  }
  usage_out = u;

  bj::object out{
      {"id", string_or(r, "id")}, {"object", "chat.completion"}, {"created", created}, {"model", public_model}};
  out["choices"] = bj::array{bj::object{{"index", 0},
                                        {"message", std::move(message)},
                                        {"logprobs", nullptr},
                                        {"finish_reason", finish_reason(string_or(r, "stop_reason"))}}};
  if (u.reported) out["usage"] = usage_json(u);
  return out;
}

StreamConverter::StreamConverter(std::string public_model, std::string id, int64_t created, bool include_usage)
    : model_(std::move(public_model)), id_(std::move(id)), created_(created), include_usage_(include_usage) {}

std::string StreamConverter::chunk(bj::object delta, std::optional<std::string_view> finish) const {
  bj::object c{{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_}};
  bj::value finish_value = nullptr;
  if (finish) finish_value = *finish;
  c["choices"] = bj::array{bj::object{
      {"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", std::move(finish_value)}}};
  if (include_usage_) c["usage"] = nullptr;
  return bj::serialize(c);
}

void StreamConverter::read_usage(const bj::object& u) {
  // Counts in message_delta are cumulative, so each one present replaces the last.
  if (find(u, "input_tokens")) input_ = int_or_zero(u, "input_tokens");
  if (find(u, "cache_read_input_tokens")) cache_read_ = int_or_zero(u, "cache_read_input_tokens");
  if (find(u, "cache_creation_input_tokens")) cache_creation_ = int_or_zero(u, "cache_creation_input_tokens");
  if (find(u, "output_tokens")) usage_.completion_tokens = int_or_zero(u, "output_tokens");
  usage_.prompt_tokens = input_ + cache_read_ + cache_creation_;
  usage_.cached_tokens = cache_read_;
  usage_.reported = usage_.reported || !u.empty();
}

std::vector<std::string> StreamConverter::on_event(std::string_view event_name, std::string_view data_json) {
  std::vector<std::string> out;
  if (error_ || finished_) return out;
  boost::system::error_code ec;
  bj::value parsed = bj::parse(data_json, ec);
  if (ec || !parsed.is_object()) {
    error_ = "upstream sent a malformed stream event";
    return out;
  }
  const auto& data = parsed.get_object();
  std::string_view type = string_or(data, "type", event_name);

  // The first chunk of an OpenAI stream carries the role.
  auto emit = [&](bj::object delta, std::optional<std::string_view> finish = std::nullopt) {
    if (!role_sent_) {
      bj::object with_role{{"role", "assistant"}};
      for (auto& kv : delta) with_role[kv.key()] = std::move(kv.value());
      if (!with_role.contains("content")) with_role["content"] = "";
      delta = std::move(with_role);
      role_sent_ = true;
    }
    out.push_back(chunk(std::move(delta), finish));
  };
  auto emit_text = [&](std::string_view key, std::string_view text) {
    if (text.empty()) return;
    text_ += text;
    emit(bj::object{{key, text}});
  };
  const bj::object empty;
  auto object_at = [&](const bj::object& o, std::string_view key) -> const bj::object& {
    const auto* v = find(o, key);
    return v && v->is_object() ? v->get_object() : empty;
  };

  if (type == "error") {
    error_ = error_message(data_json);
  } else if (type == "message_start") {
    read_usage(object_at(object_at(data, "message"), "usage"));
    emit(bj::object{});
  } else if (type == "content_block_start") {
    const auto& block = object_at(data, "content_block");
    std::string_view block_type = string_or(block, "type");
    if (block_type == "text") {
      emit_text("content", string_or(block, "text"));
    } else if (block_type == "thinking") {
      emit_text("reasoning_content", string_or(block, "thinking"));
    } else if (block_type == "tool_use") {
      int64_t index = next_tool_index_++;
      tool_index_[int_or_zero(data, "index")] = index;
      text_ += string_or(block, "name");
      emit(bj::object{{"tool_calls", bj::array{bj::object{{"index", index},
                                                          {"id", string_or(block, "id")},
                                                          {"type", "function"},
                                                          {"function", bj::object{{"name", string_or(block, "name")},
                                                                                  {"arguments", ""}}}}}}});
    }
  } else if (type == "content_block_delta") {
    const auto& delta = object_at(data, "delta");
    std::string_view delta_type = string_or(delta, "type");
    if (delta_type == "text_delta") {
      emit_text("content", string_or(delta, "text"));
    } else if (delta_type == "thinking_delta") {
      emit_text("reasoning_content", string_or(delta, "thinking"));
    } else if (delta_type == "input_json_delta") {
      auto it = tool_index_.find(int_or_zero(data, "index"));
      std::string_view partial = string_or(delta, "partial_json");
      if (it != tool_index_.end() && !partial.empty()) {
        text_ += partial;
        emit(bj::object{{"tool_calls", bj::array{bj::object{{"index", it->second},
                                                            {"function", bj::object{{"arguments", partial}}}}}}});
      }
    }
  } else if (type == "message_delta") {
    if (const auto* u = find(data, "usage"); u && u->is_object()) read_usage(u->get_object());
    std::string_view stop = string_or(object_at(data, "delta"), "stop_reason");
    if (!stop.empty()) stop_reason_ = stop;
    if (!stop.empty() && !finish_sent_) {
      finish_sent_ = true;
      emit(bj::object{}, finish_reason(stop));
    }
  } else if (type == "message_stop") {
    finished_ = true;
    if (!finish_sent_) {
      finish_sent_ = true;
      emit(bj::object{}, finish_reason(stop_reason_));
    }
    if (include_usage_ && usage_.reported) {
      bj::object c{{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_}};
      c["choices"] = bj::array();
      c["usage"] = usage_json(usage_);
      out.push_back(bj::serialize(c));
    }
  }
  // ping, content_block_stop and event types added after this was written carry nothing to send.
  return out;
}

std::string error_message(std::string_view body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (ec || !v.is_object()) return "upstream error";
  const auto* e = find(v.get_object(), "error");
  if (!e || !e->is_object()) return "upstream error";
  std::string_view type = string_or(e->get_object(), "type");
  std::string_view message = string_or(e->get_object(), "message");
  if (type == "invalid_request_error") return message.empty() ? "invalid request" : tidy(message);
  if (type == "request_too_large") return "request is too large for the upstream model";
  if (type == "not_found_error") return "upstream model or endpoint not found";
  if (type == "authentication_error" || type == "permission_error") return "upstream refused the channel's credentials";
  if (type == "billing_error") return "upstream account has a billing problem";
  if (type == "rate_limit_error") return "upstream rate limit reached";
  if (type == "overloaded_error") return "upstream is overloaded";
  if (type == "timeout_error") return "upstream timed out";
  if (type == "api_error") return "upstream internal error";
  return "upstream error";
}

}  // namespace plaza::relay::anthropic
