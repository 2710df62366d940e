#include <boost/json.hpp>

#include <algorithm>

#include "core/error.hpp"
#include "relay/anthropic.hpp"
#include "relay/anthropic_internal.hpp"

namespace plaza::relay::anthropic {

namespace bj = boost::json;
using detail::find;
using detail::string_or;

namespace {

constexpr std::size_t kMaxErrorMessage = 300;

int64_t int_or_zero(const bj::object& o, std::string_view key) {
  const auto* v = find(o, key);
  if (!v) return 0;
  if (v->is_int64()) return std::max<int64_t>(v->get_int64(), 0);
  if (v->is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v->get_uint64(), INT64_MAX));
  return 0;
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

bj::object to_openai_response(const bj::object& r, std::string_view public_model, int64_t created, Usage& usage_out) {
  const auto* content = find(r, "content");
  if (string_or(r, "type") != "message" || !content || !content->is_array()) {
    throw Error(ErrorCode::upstream_error, "upstream returned an unexpected response");
  }
  std::string text, reasoning;
  bj::array tool_calls;
  std::string answer;  // what the answer tool was given: the whole content, when it was called
  bool answered_by_tool = false;
  for (const auto& b : content->get_array()) {
    if (!b.is_object()) continue;
    const auto& block = b.get_object();
    std::string_view type = string_or(block, "type");
    if (type == "text") {
      text += string_or(block, "text");
    } else if (type == "thinking") {
      reasoning += string_or(block, "thinking");
    } else if (type == "tool_use" && string_or(block, "name") == kAnswerTool) {
      const auto* input = find(block, "input");  // the JSON the request's response_format asked for
      answer = input ? bj::serialize(*input) : std::string("{}");
      answered_by_tool = true;
    } else if (type == "tool_use") {
      const auto* input = find(block, "input");
      tool_calls.push_back(
          bj::object{{"id", string_or(block, "id")},
                     {"type", "function"},
                     {"function", bj::object{{"name", string_or(block, "name")},
                                             {"arguments", input ? bj::serialize(*input) : std::string("{}")}}}});
    }
  }

  if (answered_by_tool) text = std::move(answer);
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
  std::string_view stop = string_or(r, "stop_reason");
  if (stop == "tool_use" && answered_by_tool && !message.contains("tool_calls")) stop = "end_turn";
  out["choices"] = bj::array{bj::object{
      {"index", 0}, {"message", std::move(message)}, {"logprobs", nullptr}, {"finish_reason", finish_reason(stop)}}};
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
    const auto& message = object_at(data, "message");
    // The chunks carry the answer's own id, as a whole answer does (else the one given, less unique).
    if (auto id = string_or(message, "id"); !id.empty()) id_ = std::string(id);
    read_usage(object_at(message, "usage"));
    emit(bj::object{});
  } else if (type == "content_block_start") {
    const auto& block = object_at(data, "content_block");
    std::string_view block_type = string_or(block, "type");
    if (block_type == "text") {
      emit_text("content", string_or(block, "text"));
    } else if (block_type == "thinking") {
      emit_text("reasoning_content", string_or(block, "thinking"));
    } else if (block_type == "tool_use" && string_or(block, "name") == kAnswerTool) {
      answer_block_ = int_or_zero(data, "index");  // its input streams as the answer's content
    } else if (block_type == "tool_use") {
      int64_t index = next_tool_index_++;
      tool_blocks_[int_or_zero(data, "index")] = {index, false};
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
      int64_t block = int_or_zero(data, "index");
      auto it = tool_blocks_.find(block);
      std::string_view partial = string_or(delta, "partial_json");
      if (answer_block_ == block) {
        answer_sent_ = answer_sent_ || !partial.empty();
        emit_text("content", partial);
      } else if (it != tool_blocks_.end() && !partial.empty()) {
        text_ += partial;
        it->second.arguments_sent = true;
        emit(bj::object{{"tool_calls", bj::array{bj::object{{"index", it->second.index},
                                                            {"function", bj::object{{"arguments", partial}}}}}}});
      }
    }
  } else if (type == "content_block_stop") {
    // A call of a tool without parameters streams no input at all; OpenAI's arguments are "{}" then,
    // and so is the answer through the answer tool (as a whole answer's would be).
    if (answer_block_ == int_or_zero(data, "index") && !answer_sent_) {
      answer_sent_ = true;
      emit_text("content", "{}");
    }
    auto it = tool_blocks_.find(int_or_zero(data, "index"));
    if (it != tool_blocks_.end() && !it->second.arguments_sent) {
      it->second.arguments_sent = true;
      emit(bj::object{{"tool_calls", bj::array{bj::object{{"index", it->second.index},
                                                          {"function", bj::object{{"arguments", "{}"}}}}}}});
    }
  } else if (type == "message_delta") {
    if (const auto* u = find(data, "usage"); u && u->is_object()) read_usage(u->get_object());
    std::string_view stop = string_or(object_at(data, "delta"), "stop_reason");
    // The answer tool's call is the answer, not a call for the client to make.
    if (stop == "tool_use" && answer_block_ && tool_blocks_.empty()) stop = "end_turn";
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
  // ping and event types added after this was written carry nothing to send.
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
