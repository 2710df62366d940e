#pragma once
// An upstream's OpenAI-shaped answer read without building a document: the relay passes a whole
// answer through with only its top-level "model" changed, and needs nothing else from it but the
// usage. A document per answer (an allocation per key and string, then writing it all out again)
// cost more than anything else the relay did in user space.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plaza::relay {

struct ScannedAnswer {
  // The top-level "model" value's bytes, [model_begin, model_end); both 0 when there is none.
  std::size_t model_begin = 0;
  std::size_t model_end = 0;
  bool usage = false;    // a "usage" object: the counts below are the upstream's
  bool choices = false;  // a top-level "choices" array
  bool error = false;    // a top-level "error"
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
};

// Checks that `body` is one JSON object (valid UTF-8, depth at most 64) and reads it; nothing when it
// is not, or when it is one this reading does not handle (a top-level key written with escapes, a
// second "model"): the caller then builds a document.
std::optional<ScannedAnswer> scan_answer(std::string_view body);

// The body with its top-level "model" set to `model` (added when there was none).
std::string with_model(std::string_view body, const ScannedAnswer& scanned, std::string_view model);

// One event of an OpenAI-shaped stream (a chat.completion.chunk), read the same way: a stream's
// events passed through as text cost a fraction of a document each.
struct ScannedChunk {
  ScannedAnswer top;            // the model's bytes and the usage counts
  std::size_t usage_begin = 0;  // the top-level "usage" member with a comma beside it, [begin, end); 0, 0: none
  std::size_t usage_end = 0;
  bool error = false;       // a top-level "error": the upstream failed mid-stream
  bool no_choices = false;  // "choices" is an empty array: a usage-only chunk
  std::string text;         // choices[0].delta.content, when it is a string
  std::string other;        // choices[0].delta's reasoning text (reasoning_content, reasoning)
  std::size_t members = 0;  // top-level
};

// Nothing when `data` is not one JSON object, or is one this reading leaves to a document (a key
// written with escapes or repeated where it matters).
std::optional<ScannedChunk> scan_chunk(std::string_view data);

// The event with its top-level "model" set to `model` and, when `drop_usage`, no "usage" member.
std::string rewrite_chunk(std::string_view data, const ScannedChunk& scanned, std::string_view model,
                          bool drop_usage);

}  // namespace plaza::relay
