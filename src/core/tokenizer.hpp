#pragma once
// Byte-pair encoding, token-exact with tiktoken's o200k_base and cl100k_base (the encoder files of
// the npm package `tiktoken`, encoders/*.json). Plaza counts prompt tokens with it, and output
// tokens when an upstream reports no usage.
//
// Text is split by the encoder's pre-tokenisation pattern (PCRE2 with UTF, UCP and JIT), then each
// piece is merged lowest rank first, as tiktoken's byte_pair_merge does. Special tokens
// ("<|endoftext|>") are ordinary text, as in tiktoken's encode_ordinary. The pattern's classes
// follow tiktoken's Unicode 16 tables, not PCRE2's own (see tokenizer.cpp): every scalar value
// has been checked against tiktoken (tests/tokenizer/vectors.mjs --sweep).
//
// Invalid UTF-8 never reaches the pattern: each maximal run of invalid bytes is encoded as one
// piece of raw bytes (every single byte is a token), so counts stay close to what the same text
// with U+FFFD would give and decode(encode(x)) == x holds for any bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace plaza {

class Tokenizer {
 public:
  // `encoder_json` is the text of an encoder file: {"pat_str", "special_tokens", "bpe_ranks"}.
  // Throws std::runtime_error when the file is malformed or the pattern does not compile.
  explicit Tokenizer(std::string_view encoder_json);
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Safe to call from many threads at once.
  std::vector<uint32_t> encode(std::string_view text) const;
  std::size_t count(std::string_view text) const;
  // Special token ids decode to their text. Throws std::out_of_range for an unknown id.
  std::string decode(const std::vector<uint32_t>& tokens) const;

  // Ordinary tokens plus special tokens, i.e. one past the largest id.
  std::size_t vocab_size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads an encoder file (e.g. <dir>/o200k_base.json). Throws std::runtime_error.
Tokenizer load_tokenizer_file(const std::string& path);

// First existing directory of: $PLAZA_TOKENIZER_DIR, <exe dir>/../tests/node_modules/tiktoken/encoders,
// ./tests/node_modules/tiktoken/encoders. Empty when none exists.
std::string default_tokenizer_dir();

// The two encoders the relay counts with, read from `dir` (default_tokenizer_dir() when empty).
// Throws std::runtime_error saying what is missing.
struct Encoders {
  Tokenizer o200k;
  Tokenizer cl100k;
};
Encoders load_encoders(const std::string& dir);

}  // namespace plaza
