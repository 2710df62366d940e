#pragma once
// Encryption at rest for upstream secrets (channel keys): XSalsa20-Poly1305 (libsodium secretbox)
// with a random nonce per value. Stored form: "v1:" + base64(nonce || ciphertext).
#include <string>
#include <string_view>

namespace plaza::crypto {

class SecretBox {
 public:
  // key: 32 bytes.
  explicit SecretBox(std::string key);
  std::string seal(std::string_view plaintext) const;
  // Throws std::runtime_error when the value was not sealed with this key or was altered.
  std::string open(std::string_view sealed) const;

  // The site key: from `configured` (base64 of 32 bytes) when set, else from `<data_dir>/secret.key`,
  // created with a random key on first use (mode 0600). Several instances must share one key.
  static SecretBox load_site_key(const std::string& configured, const std::string& data_dir);

 private:
  std::string key_;
};

}  // namespace plaza::crypto
