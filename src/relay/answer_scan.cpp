#include "relay/answer_scan.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <cstring>
#include <utility>

namespace plaza::relay {

namespace {

namespace bj = boost::json;
using ec_t = boost::system::error_code;

// Validates the whole text and picks the usage counts out of it. Keys are compared as they arrive
// (a key split into parts only happens with escapes, and no key we read has any).
class UsageHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  ScannedAnswer& out;
  bool top_is_object = false;
  // Usage this reading would take differently from a document (which keeps the last of repeated
  // keys and reads escaped ones): a second top-level "usage", or an escaped key inside it.
  bool unsure = false;

  explicit UsageHandler(ScannedAnswer& o) : out(o) {}

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t& ec) {
    if (depth_ == 0) top_is_object = true;
    if (depth_ == 1 && key_[1] == Key::usage) out.usage = true;
    return enter(ec);
  }
  bool on_object_end(std::size_t, ec_t&) { return leave(); }
  bool on_array_begin(ec_t& ec) { return enter(ec); }
  bool on_array_end(std::size_t, ec_t&) { return leave(); }
  bool on_key_part(bj::string_view, std::size_t, ec_t&) {
    set_key(Key::other);
    split_key_ = true;
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, ec_t&) {
    if (split_key_) {
      split_key_ = false;
      set_key(Key::other);
      if (depth_ >= 2 && key_[1] == Key::usage) unsure = true;
      return true;
    }
    if (depth_ == 1 && s == "usage") {
      if (seen_usage_) unsure = true;
      seen_usage_ = true;
    }
    set_key(s == "usage"                   ? Key::usage
            : s == "prompt_tokens"         ? Key::prompt
            : s == "completion_tokens"     ? Key::completion
            : s == "prompt_tokens_details" ? Key::details
            : s == "cached_tokens"         ? Key::cached
                                           : Key::other);
    return true;
  }
  bool on_string_part(bj::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(bj::string_view, std::size_t, ec_t&) { return true; }
  bool on_number_part(bj::string_view, ec_t&) { return true; }
  bool on_int64(int64_t v, bj::string_view, ec_t&) {
    count(v);
    return true;
  }
  bool on_uint64(uint64_t v, bj::string_view, ec_t&) {
    count(static_cast<int64_t>(v));
    return true;
  }
  bool on_double(double, bj::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(bj::string_view, ec_t&) { return true; }
  bool on_comment(bj::string_view, ec_t&) { return true; }

 private:
  enum class Key : unsigned char { other, usage, prompt, completion, details, cached };
  static constexpr int kMaxDepth = 64;

  bool enter(ec_t& ec) {
    if (depth_ >= kMaxDepth) {  // the parser stops at its max_depth (64) first
      ec = bj::error::too_deep;
      return false;
    }
    ++depth_;
    key_[depth_] = Key::other;
    return true;
  }
  bool leave() {
    --depth_;
    return true;
  }
  void set_key(Key k) { key_[depth_] = k; }
  // usage.prompt_tokens, usage.completion_tokens, usage.prompt_tokens_details.cached_tokens.
  void count(int64_t v) {
    if (depth_ == 2 && key_[1] == Key::usage) {
      if (key_[2] == Key::prompt) out.prompt_tokens = v;
      if (key_[2] == Key::completion) out.completion_tokens = v;
    } else if (depth_ == 3 && key_[1] == Key::usage && key_[2] == Key::details && key_[3] == Key::cached) {
      out.cached_tokens = v;
    }
  }

  int depth_ = 0;
  bool split_key_ = false;
  bool seen_usage_ = false;
  Key key_[kMaxDepth + 1] = {};
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Over valid JSON only (the handler above checked it): the index just past the value at i.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; s[i] != '"'; ++i)
    if (s[i] == '\\') ++i;
  return i + 1;
}

std::size_t skip_value(std::string_view s, std::size_t i) {
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (true) {
      char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_space(s[i])) ++i;
  return i;
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// Calls on_member(key, key_begin, value_begin, value_end) for each member of the object whose '{'
// is at `open`, in valid JSON; false when a key has escapes (it might spell one we look for) or
// on_member says to stop.
template <class OnMember>
bool walk_object(std::string_view s, std::size_t open, OnMember&& on_member) {
  std::size_t i = open + 1;
  for (;;) {
    i = skip_space(s, i);
    if (s[i] == '}') return true;
    std::size_t key_begin = i, key_end = skip_string(s, i);
    std::string_view key = s.substr(i + 1, key_end - i - 2);
    if (key.find('\\') != std::string_view::npos) return false;
    i = skip_space(s, skip_space(s, key_end) + 1);  // past ':'
    std::size_t value_end = skip_value(s, i);
    if (!on_member(key, key_begin, i, value_end)) return false;
    i = skip_space(s, value_end);
    if (s[i] == ',') ++i;
  }
}

// Validates `body` as one JSON object and reads its usage; nothing when it is not one.
std::optional<ScannedAnswer> read_object(std::string_view body) {
  ScannedAnswer out;
  bj::parse_options options;
  options.max_depth = 64;
  bj::basic_parser<UsageHandler> parser(options, out);
  ec_t ec;
  std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  const auto& read = parser.handler();
  if (ec || used != body.size() || !parser.done() || !read.top_is_object || read.unsure) return std::nullopt;
  return out;
}

// A JSON string's value, from its quoted bytes in valid JSON.
std::string string_value(std::string_view quoted) {
  std::string_view inner = quoted.substr(1, quoted.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  return std::string(bj::parse(quoted).as_string());  // escapes: rare enough for a document
}

// The "choices" value at `begin`: whether it is an empty array, and the first choice's delta.content
// and reasoning as a document would find them. False when a repeated or escaped key, a tool call or a
// second choice leaves that to a document.
bool read_first_choice(std::string_view data, std::size_t begin, ScannedChunk& out) {
  if (data[begin] != '[') return true;
  std::size_t i = skip_space(data, begin + 1);
  if (data[i] == ']') out.no_choices = true;
  if (data[i] != '{') return true;
  bool seen_delta = false, seen_content = false, seen_reasoning = false;
  auto on_content = [&](std::string_view key, std::size_t, std::size_t b, std::size_t e) {
    if (key == "tool_calls" || key == "function_call") return data[b] == 'n';  // null, or a document's work
    bool reasoning = key == "reasoning_content" || key == "reasoning";
    if (key != "content" && !reasoning) return true;
    if (std::exchange(reasoning ? seen_reasoning : seen_content, true)) return false;
    if (data[b] == '"') (reasoning ? out.other : out.text) = string_value(data.substr(b, e - b));
    return true;
  };
  auto on_delta = [&](std::string_view key, std::size_t, std::size_t b, std::size_t) {
    if (key != "delta") return true;
    if (std::exchange(seen_delta, true)) return false;
    return data[b] != '{' || walk_object(data, b, on_content);
  };
  return walk_object(data, i, on_delta);
}

// `data` with its top-level "model" set to `model` (added first when there is none, with a comma
// when `others` members stay) and the bytes [cut_begin, cut_end) removed: a member elsewhere than
// the model, or nothing when cut_end is 0.
std::string rewritten(std::string_view data, const ScannedAnswer& top, std::string_view model, bool others,
                      std::size_t cut_begin, std::size_t cut_end) {
  std::string quoted = bj::serialize(bj::string_view(model.data(), model.size()));
  std::size_t open = skip_space(data, 0) + 1;
  std::size_t model_begin = top.model_end > 0 ? top.model_begin : open;
  std::size_t model_end = top.model_end > 0 ? top.model_end : open;
  std::string out;
  out.reserve(data.size() + quoted.size() + 10);
  auto put_model = [&] {
    if (top.model_end > 0) {
      out.append(quoted);
    } else {
      out.append("\"model\":").append(quoted);
      if (others) out += ',';
    }
  };
  if (cut_end == 0) {
    out.append(data.substr(0, model_begin));
    put_model();
    out.append(data.substr(model_end));
  } else if (cut_begin < model_begin) {
    out.append(data.substr(0, cut_begin)).append(data.substr(cut_end, model_begin - cut_end));
    put_model();
    out.append(data.substr(model_end));
  } else {
    out.append(data.substr(0, model_begin));
    put_model();
    out.append(data.substr(model_end, cut_begin - model_end)).append(data.substr(cut_end));
  }
  return out;
}

}  // namespace

std::optional<ScannedAnswer> scan_answer(std::string_view body) {
  auto out = read_object(body);
  if (!out) return std::nullopt;
  bool seen_model = false;
  auto on_member = [&](std::string_view key, std::size_t, std::size_t begin, std::size_t end) {
    if (key == "choices") out->choices = body[begin] == '[';
    if (key == "error") out->error = body[begin] != 'n';  // "error": null is no error
    if (key != "model") return true;
    if (seen_model) return false;
    seen_model = true;
    out->model_begin = begin;
    out->model_end = end;
    return true;
  };
  bool plain = walk_object(body, skip_space(body, 0), on_member);
  if (!plain) return std::nullopt;
  return out;
}

std::string with_model(std::string_view body, const ScannedAnswer& scanned, std::string_view model) {
  bool others = body[skip_space(body, skip_space(body, 0) + 1)] != '}';
  return rewritten(body, scanned, model, others, 0, 0);
}

std::optional<ScannedChunk> scan_chunk(std::string_view data) {
  auto top = read_object(data);
  if (!top) return std::nullopt;
  ScannedChunk out;
  out.top = *top;
  // A repeated member that matters is left to a document, which keeps the last.
  bool seen_model = false, seen_usage = false, seen_choices = false;
  auto on_member = [&](std::string_view key, std::size_t key_begin, std::size_t begin, std::size_t end) {
    bool first = out.members++ == 0;
    if (key == "model") {
      if (std::exchange(seen_model, true)) return false;
      out.top.model_begin = begin;
      out.top.model_end = end;
    } else if (key == "usage") {
      if (std::exchange(seen_usage, true)) return false;
      std::size_t next = skip_space(data, end);
      if (data[next] == ',') {
        out.usage_begin = key_begin;
        out.usage_end = next + 1;
      } else {  // the last member: the comma before it goes
        out.usage_begin = first ? key_begin : data.rfind(',', key_begin);
        out.usage_end = end;
      }
    } else if (key == "error") {
      out.error = true;
    } else if (key == "choices") {
      if (std::exchange(seen_choices, true)) return false;
      return read_first_choice(data, begin, out);
    }
    return true;
  };
  bool plain = walk_object(data, skip_space(data, 0), on_member);
  if (!plain) return std::nullopt;
  return out;
}

std::string rewrite_chunk(std::string_view data, const ScannedChunk& scanned, std::string_view model, bool drop_usage) {
  bool drop = drop_usage && scanned.usage_end > 0;
  return rewritten(data, scanned.top, model, scanned.members > (drop ? 1 : 0), drop ? scanned.usage_begin : 0,
                   drop ? scanned.usage_end : 0);
}

}  // namespace plaza::relay
