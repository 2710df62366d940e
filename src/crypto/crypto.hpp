#pragma once
// Secrets: password hashing (argon2id via libsodium), random tokens, digests and comparisons that
// take the same time whatever the input.
#include <string>
#include <string_view>

namespace plaza::crypto {

// Must be called once before any other function (sodium_init); safe to call again.
void init();

// Argon2id cost. `interactive` is libsodium's recommended interactive cost (64 MiB); `min` exists
// only so tests under sanitizers stay fast and is refused by the configuration outside tests.
enum class PasswordCost { min, interactive, moderate };

std::string hash_password(std::string_view password, PasswordCost cost);
bool verify_password(const std::string& stored_hash, std::string_view password);

// n characters from [0-9A-Za-z], uniformly distributed (no modulo bias).
std::string random_base62(std::size_t n);
// 32 random bytes as 43 base64url characters: session ids, CSRF and setup tokens.
std::string random_token();

std::string sha256_hex(std::string_view data);
// HMAC-SHA256 of `data` under `key` (any length), in lower-case hex: how webhook senders (Stripe)
// sign what they deliver.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Standard base64 with padding (RFC 4648 section 4), as HTTP Basic credentials are written.
std::string base64(std::string_view data);
// Its inverse; spaces and line ends are skipped. Throws std::runtime_error on anything else.
std::string from_base64(std::string_view text);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace plaza::crypto
