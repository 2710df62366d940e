#include "crypto/secretbox.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "crypto/crypto.hpp"

namespace plaza::crypto {

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {
  if (key_.size() != crypto_secretbox_KEYBYTES) throw std::runtime_error("the secret key must be 32 bytes");
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string buf(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  return "v1:" + base64(buf);
}

std::string SecretBox::open(std::string_view sealed) const {
  if (!sealed.starts_with("v1:")) throw std::runtime_error("unknown sealed format");
  std::string buf = from_base64(sealed.substr(3));
  if (buf.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    throw std::runtime_error("sealed value too short");
  const auto* nonce = reinterpret_cast<const unsigned char*>(buf.data());
  std::string out(buf.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 buf.size() - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    throw std::runtime_error("sealed value does not open with this key (wrong secret_key?)");
  return out;
}

SecretBox SecretBox::load_site_key(const std::string& configured, const std::string& data_dir) {
  if (!configured.empty()) {
    std::string key;
    try {
      key = from_base64(configured);
    } catch (const std::exception&) {
      throw std::runtime_error("secret_key must be base64 of 32 bytes");
    }
    if (key.size() != crypto_secretbox_KEYBYTES) throw std::runtime_error("secret_key must be base64 of 32 bytes");
    return SecretBox(key);
  }
  auto path = std::filesystem::path(data_dir) / "secret.key";
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string key = from_base64(text.str());
    if (key.size() != crypto_secretbox_KEYBYTES)
      throw std::runtime_error(path.string() + " does not hold a 32-byte key");
    return SecretBox(key);
  }
  std::filesystem::create_directories(data_dir);
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  randombytes_buf(key.data(), key.size());
  {
    std::ofstream out(path, std::ios::trunc);
    out << base64(key) << "\n";
  }
  ::chmod(path.c_str(), 0600);
  return SecretBox(key);
}

}  // namespace plaza::crypto
