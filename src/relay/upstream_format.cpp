#include "relay/upstream_format.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>
#include <stdexcept>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/validation.hpp"
#include "relay/anthropic.hpp"

namespace plaza::relay {

namespace {

std::string join_url(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string out;
  out.reserve(base.size() + path.size());
  return out.append(base).append(path);
}

void append_content_text(const bj::value& content, std::string& out) {
  if (content.is_string()) {
    out += content.as_string();
    out += '\n';
  } else if (content.is_array()) {
    for (const auto& part : content.as_array()) {
      if (!part.is_object()) continue;
      if (auto t = part.as_object().if_contains("text"); t && t->is_string()) {
        out += t->as_string();
        out += '\n';
      }
    }
  }
}

bool is_string_equal(const bj::value* v, std::string_view text) {
  return v && v->is_string() && v->as_string() == text;
}

}  // namespace

std::string requested_model(const bj::object& request) {
  auto m = request.if_contains("model");
  if (!m || !m->is_string() || m->as_string().empty())
    throw Error(ErrorCode::invalid_request, "model is required", "model");
  auto msgs = request.if_contains("messages");
  if (!msgs || !msgs->is_array() || msgs->as_array().empty())
    throw Error(ErrorCode::invalid_request, "messages must be a non-empty array", "messages");
  for (const auto& msg : msgs->as_array()) {
    if (!msg.is_object() || !msg.as_object().if_contains("role") || !msg.as_object().at("role").is_string())
      throw Error(ErrorCode::invalid_request, "each message needs a role", "messages");
  }
  if (auto s = request.if_contains("stream"); s && !s->is_bool() && !s->is_null())
    throw Error(ErrorCode::invalid_request, "stream must be true or false", "stream");
  return std::string(m->as_string());
}

std::string prompt_text(const bj::object& request) {
  std::string out;
  if (auto msgs = request.if_contains("messages"); msgs && msgs->is_array()) {
    for (const auto& msg : msgs->as_array()) append_message_text(msg, out);
  }
  if (auto tools = request.if_contains("tools")) out += bj::serialize(*tools);
  return out;
}

void append_message_text(const bj::value& message, std::string& out) {
  if (!message.is_object()) return;
  if (auto c = message.as_object().if_contains("content")) append_content_text(*c, out);
  if (auto calls = message.as_object().if_contains("tool_calls")) out += bj::serialize(*calls);
}

int64_t message_overhead(const bj::object& request) {
  auto msgs = request.if_contains("messages");
  std::size_t n = msgs && msgs->is_array() ? msgs->as_array().size() : 0;
  return static_cast<int64_t>(n) * kTokensPerMessage + kTokensForReply;
}

int64_t image_count(const bj::value& message) {
  const bj::value* content = message.is_object() ? message.as_object().if_contains("content") : nullptr;
  if (!content || !content->is_array()) return 0;
  int64_t n = 0;
  for (const auto& part : content->as_array())
    if (const bj::object* p = part.if_object(); p && is_string_equal(p->if_contains("type"), "image_url")) ++n;
  return n;
}

int64_t image_count(const bj::object& request) {
  auto msgs = request.if_contains("messages");
  int64_t n = 0;
  if (msgs && msgs->is_array())
    for (const auto& m : msgs->as_array()) n += image_count(m);
  return n;
}

std::optional<int64_t> requested_max_tokens(const bj::object& request) {
  for (const char* field : {"max_completion_tokens", "max_tokens"})
    if (auto v = request.if_contains(field); v && v->is_int64() && v->as_int64() > 0) return v->as_int64();
  return std::nullopt;
}

http::UpstreamRequest build_models_request(const Candidate& c) {
  http::UpstreamRequest up;
  up.method = "GET";
  up.timeouts.connect = std::chrono::milliseconds(c.channel->connect_timeout_ms);
  up.timeouts.first_byte = std::chrono::milliseconds(c.channel->first_byte_timeout_ms);
  up.timeouts.idle = std::chrono::milliseconds(c.channel->idle_timeout_ms);
  up.proxy = c.channel->proxy;
  if (c.channel->type == "anthropic") {
    up.url = join_url(c.channel->base_url, "/models?limit=1000");
    up.headers.emplace_back("x-api-key", c.key);
    up.headers.emplace_back("anthropic-version", "2023-06-01");
  } else {
    up.url = join_url(c.channel->base_url, "/models");
    up.headers.emplace_back("Authorization", "Bearer " + c.key);
  }
  return up;
}

std::vector<std::string> listed_models(std::string_view body, std::size_t limit) {
  boost::system::error_code ec;
  auto doc = bj::parse(bj::string_view(body.data(), body.size()), ec);
  const bj::value* data = !ec && doc.is_object() ? doc.as_object().if_contains("data") : nullptr;
  if (!data || !data->is_array()) throw std::runtime_error("the upstream's answer lists no models");
  std::set<std::string> ids;
  for (const auto& m : data->as_array()) {
    const bj::value* id = m.is_object() ? m.as_object().if_contains("id") : nullptr;
    if (id && id->is_string() && !id->as_string().empty() && id->as_string().size() <= 128)
      ids.emplace(id->as_string());
    if (ids.size() == limit) break;
  }
  return {ids.begin(), ids.end()};
}

http::UpstreamRequest build_upstream_request(const Candidate& c, const bj::object& request, bool stream) {
  http::UpstreamRequest up;
  up.timeouts.connect = std::chrono::milliseconds(c.channel->connect_timeout_ms);
  up.timeouts.first_byte = std::chrono::milliseconds(c.channel->first_byte_timeout_ms);
  up.timeouts.idle = std::chrono::milliseconds(c.channel->idle_timeout_ms);
  up.proxy = c.channel->proxy;
  up.headers.reserve(4);
  up.headers.emplace_back("Content-Type", "application/json");
  if (stream) up.headers.emplace_back("Accept", "text/event-stream");
  if (c.channel->type == "anthropic") {
    up.url = join_url(c.channel->base_url, "/messages");
    up.headers.emplace_back("x-api-key", c.key);
    up.headers.emplace_back("anthropic-version", "2023-06-01");
    int64_t answer_length =
        c.channel->default_max_tokens > 0 ? c.channel->default_max_tokens : anthropic::kDefaultMaxTokens;
    up.body = bj::serialize(anthropic::to_anthropic_request(request, c.upstream_model, stream, answer_length));
    return up;
  }
  up.url = join_url(c.channel->base_url, "/chat/completions");
  up.headers.emplace_back("Authorization", "Bearer " + c.key);
  // The client's request as it came, with the upstream's model name, written member by member: a
  // copy of the whole request to edit would cost an allocation per key and string in it.
  std::string& out = up.body;
  out.reserve(512);
  out += '{';
  auto member = [&](std::string_view key) {
    if (out.size() > 1) out += ',';
    json::append_serialized(out, bj::string_view(key.data(), key.size()));
    out += ':';
  };
  member("model");
  json::append_serialized(out, bj::string_view(c.upstream_model));
  for (const auto& [key, value] : request) {
    if (key == "model" || key == "stream_options") continue;
    member(key);
    json::append_serialized(out, value);
  }
  if (stream) {
    // Ask for usage so the stream is billed on the upstream's count; the client only sees the
    // usage chunk when it asked for it itself.
    bj::object opts;
    if (auto o = request.if_contains("stream_options"); o && o->is_object()) opts = o->as_object();
    opts["include_usage"] = true;
    member("stream_options");
    json::append_serialized(out, opts);
  }
  out += '}';
  return up;
}

std::string upstream_error_message(const Candidate& c, std::string_view body) {
  if (c.channel->type == "anthropic") return anthropic::error_message(body);
  boost::system::error_code ec;
  auto v = bj::parse(body, ec);
  if (ec || !v.is_object()) return "";
  auto err = v.as_object().if_contains("error");
  if (!err) return "";
  if (err->is_string()) return std::string(utf8_prefix(err->as_string(), 500));
  if (err->is_object()) {
    if (auto m = err->as_object().if_contains("message"); m && m->is_string())
      return std::string(utf8_prefix(m->as_string(), 500));
  }
  return "";
}

RefusalNames upstream_refusal_names(const Candidate& c, std::string_view body) {
  RefusalNames out;
  if (c.channel->type == "anthropic") return out;  // its error types are OpenAI's HTTP statuses, no more
  boost::system::error_code ec;
  auto v = bj::parse(body, ec);
  if (ec || !v.is_object()) return out;
  auto err = v.as_object().if_contains("error");
  if (!err || !err->is_object()) return out;
  // A field path or a code: letters, digits and `_.-[]`, as OpenAI's are ("messages[0].content").
  auto identifier = [&](const char* name) -> std::string {
    auto f = err->as_object().if_contains(name);
    if (!f || !f->is_string() || f->as_string().empty() || f->as_string().size() > 100) return "";
    for (char ch : f->as_string())
      if (!std::isalnum(static_cast<unsigned char>(ch)) && std::string_view("_.-[]").find(ch) == std::string_view::npos)
        return "";
    return std::string(f->as_string());
  };
  out.param = identifier("param");
  // Only codes about the request itself: one about the channel's own key or model mapping
  // (invalid_api_key, model_not_found) would read as a fault in the client's key or request.
  static constexpr std::string_view kRequestCodes[] = {"context_length_exceeded",
                                                       "string_above_max_length",
                                                       "unsupported_parameter",
                                                       "unsupported_value",
                                                       "invalid_value",
                                                       "invalid_type",
                                                       "missing_required_parameter",
                                                       "integer_below_min_value",
                                                       "integer_above_max_value",
                                                       "array_above_max_length",
                                                       "empty_array",
                                                       "invalid_image_url",
                                                       "invalid_image_format",
                                                       "image_parse_error",
                                                       "content_policy_violation",
                                                       "invalid_prompt"};
  std::string code = identifier("code");
  if (std::find(std::begin(kRequestCodes), std::end(kRequestCodes), code) != std::end(kRequestCodes))
    out.code = std::move(code);
  return out;
}

std::optional<std::string> not_an_answer(const Candidate& c, std::string_view body,
                                         const std::optional<ScannedAnswer>& scanned) {
  bool answer = false;
  if (scanned) {
    answer = scanned->choices && !scanned->error;
  } else {
    boost::system::error_code ec;
    auto v = bj::parse(body, ec);
    if (ec || !v.is_object()) return "not JSON";
    const auto& o = v.as_object();
    // An Anthropic message has its content; an OpenAI completion its choices.
    const char* needed = c.channel->type == "anthropic" ? "content" : "choices";
    auto member = o.if_contains(needed);
    auto error = o.if_contains("error");
    answer = member && member->is_array() && (!error || error->is_null());
  }
  if (answer) return std::nullopt;
  std::string message = scrub(upstream_error_message(c, body), c);
  return message.empty() ? std::string("no choices") : "an error: " + message;
}

namespace {
// An error body's `error.type` or `error.code` is one of `names`.
bool error_named(std::string_view body, std::initializer_list<std::string_view> names) {
  boost::system::error_code ec;
  auto v = bj::parse(body, ec);
  if (ec || !v.is_object()) return false;
  auto err = v.as_object().if_contains("error");
  if (!err || !err->is_object()) return false;
  for (const char* field : {"type", "code"}) {
    auto f = err->as_object().if_contains(field);
    if (!f || !f->is_string()) continue;
    if (std::find(names.begin(), names.end(), std::string_view(f->as_string())) != names.end()) return true;
  }
  return false;
}
}  // namespace

bool says_out_of_credit(std::string_view body) {
  return error_named(body, {"insufficient_quota", "insufficient_user_quota", "billing_error"});
}

bool says_key_refused(std::string_view body) {
  return error_named(body, {"invalid_api_key", "authentication_error", "permission_error", "account_deactivated",
                            "access_terminated", "unsupported_country_region_territory"});
}

std::string scrub(std::string message, const Candidate& c) {
  auto erase_all = [&](const std::string& needle) {
    if (needle.size() < 4) return;
    for (std::size_t pos; (pos = message.find(needle)) != std::string::npos;)
      message.replace(pos, needle.size(), "[redacted]");
  };
  // A URL, then its host with the port, then without it (an upstream may name its host alone), and
  // the password of a proxy URL's user.
  auto erase_url = [&](const std::string& url) {
    erase_all(url);
    auto scheme = url.find("://");
    if (scheme == std::string::npos) return;
    std::string authority = url.substr(scheme + 3);
    authority = authority.substr(0, authority.find('/'));
    if (auto at = authority.rfind('@'); at != std::string::npos) {
      std::string userinfo = authority.substr(0, at);
      if (auto colon = userinfo.find(':'); colon != std::string::npos) erase_all(userinfo.substr(colon + 1));
      authority = authority.substr(at + 1);
    }
    erase_all(authority);
    if (auto colon = authority.rfind(':'); colon != std::string::npos && authority.back() != ']')
      erase_all(authority.substr(0, colon));
  };
  erase_all(c.key);
  erase_url(c.channel->base_url);
  if (!c.channel->proxy.empty()) erase_url(c.channel->proxy);
  // Keys of other shapes that upstreams echo back ("Incorrect API key provided: sk-abc...").
  for (std::size_t pos = 0; (pos = message.find("sk-", pos)) != std::string::npos;) {
    std::size_t end = pos + 3;
    while (end < message.size() && (std::isalnum(static_cast<unsigned char>(message[end])) || message[end] == '-' ||
                                    message[end] == '_' || message[end] == '*'))
      ++end;
    message.replace(pos, end - pos, "[redacted]");
    pos += 10;
  }
  return message;
}

void take_usage(const bj::object& o, Outcome& outcome) {
  auto u = o.if_contains("usage");
  if (!u || !u->is_object()) return;
  const auto& usage = u->as_object();
  auto num = [&](const bj::object& obj, std::string_view k) -> int64_t {
    auto v = obj.if_contains(k);
    if (!v) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
    return 0;
  };
  outcome.prompt_tokens = num(usage, "prompt_tokens");
  outcome.completion_tokens = num(usage, "completion_tokens");
  if (auto d = usage.if_contains("prompt_tokens_details"); d && d->is_object())
    outcome.cached_tokens = num(d->as_object(), "cached_tokens");
  outcome.reported = true;
}

void take_usage(const ScannedAnswer& scanned, Outcome& outcome) {
  if (!scanned.usage) return;
  outcome.prompt_tokens = scanned.prompt_tokens;
  outcome.completion_tokens = scanned.completion_tokens;
  outcome.cached_tokens = scanned.cached_tokens;
  outcome.reported = true;
}

bool client_wants_usage(const bj::object& request) {
  auto o = request.if_contains("stream_options");
  if (!o || !o->is_object()) return false;
  auto u = o->as_object().if_contains("include_usage");
  return u && u->is_bool() && u->as_bool();
}

std::string_view delta_text(const bj::object& chunk) {
  auto choices = chunk.if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) return {};
  const auto& first = choices->as_array()[0];
  if (!first.is_object()) return {};
  auto delta = first.as_object().if_contains("delta");
  if (!delta || !delta->is_object()) return {};
  auto content = delta->as_object().if_contains("content");
  if (!content || !content->is_string()) return {};
  return content->as_string();
}

void append_other_output(const bj::object& o, std::string_view part, std::string& out) {
  auto choices = o.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  auto add = [&out](const bj::object& from, std::string_view key) {
    if (auto v = from.if_contains(key); v && v->is_string()) out.append(v->as_string());
  };
  bool first = true;
  for (const auto& choice : choices->as_array()) {
    auto m = choice.is_object() ? choice.as_object().if_contains(part) : nullptr;
    if (!m || !m->is_object()) continue;
    const auto& msg = m->as_object();
    if (!std::exchange(first, false)) add(msg, "content");
    add(msg, "reasoning_content");  // DeepSeek, vLLM
    add(msg, "reasoning");          // OpenRouter, Ollama
    if (auto f = msg.if_contains("function_call"); f && f->is_object()) {
      add(f->as_object(), "name");
      add(f->as_object(), "arguments");
    }
    if (auto calls = msg.if_contains("tool_calls"); calls && calls->is_array())
      for (const auto& call : calls->as_array()) {
        auto f = call.is_object() ? call.as_object().if_contains("function") : nullptr;
        if (!f || !f->is_object()) continue;
        add(f->as_object(), "name");
        add(f->as_object(), "arguments");
      }
  }
}

void count_answers(const bj::object& o, Outcome& outcome) {
  auto choices = o.if_contains("choices");
  if (!choices || !choices->is_array()) return;
  int64_t position = 0;
  for (const auto& choice : choices->as_array()) {
    int64_t index = position++;
    if (auto i = choice.is_object() ? choice.as_object().if_contains("index") : nullptr; i && i->is_int64())
      index = std::clamp<int64_t>(i->as_int64(), 0, 127);
    outcome.answers = std::max(outcome.answers, index + 1);
  }
}

bj::object to_openai_completion(const Candidate& c, std::string_view body, const std::string& public_model, int64_t now,
                                Outcome& outcome) {
  boost::system::error_code ec;
  auto v = bj::parse(body, ec, json::arena());
  if (ec || !v.is_object()) throw Error(ErrorCode::upstream_error, "the upstream answered with invalid JSON");
  if (c.channel->type == "anthropic") {
    anthropic::Usage usage;
    auto out = anthropic::to_openai_response(v.as_object(), public_model, now, usage);
    take_usage(out, outcome);
    outcome.reported = usage.reported;
    if (auto choices = out.if_contains("choices"); choices && choices->is_array() && !choices->as_array().empty()) {
      auto msg = choices->as_array()[0].as_object().if_contains("message");
      if (msg && msg->is_object())
        if (auto t = msg->as_object().if_contains("content"); t && t->is_string()) outcome.text = t->as_string();
    }
    append_other_output(out, "message", outcome.other_output);
    count_answers(out, outcome);
    return out;
  }
  auto& out = v.as_object();
  out["model"] = public_model;
  take_usage(out, outcome);
  if (auto choices = out.if_contains("choices"); choices && choices->is_array() && !choices->as_array().empty()) {
    const auto& first = choices->as_array()[0];
    if (first.is_object()) {
      if (auto msg = first.as_object().if_contains("message"); msg && msg->is_object())
        if (auto t = msg->as_object().if_contains("content"); t && t->is_string()) outcome.text = t->as_string();
    }
  }
  append_other_output(out, "message", outcome.other_output);
  count_answers(out, outcome);
  return std::move(out);
}

}  // namespace plaza::relay
