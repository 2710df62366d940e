#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace plaza::crypto {
namespace {

bool all_of(const std::string& s, const std::string& alphabet) {
  return s.find_first_not_of(alphabet) == std::string::npos;
}

const std::string kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const std::string kBase64Url = kBase62 + "-_";

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xfb\xff\0", 3)), "+/8A") << "the standard alphabet, not base64url";
}

TEST(Base64, DecodesWhatItEncodesAndRefusesTheRest) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(from_base64(base64(bytes)), bytes);
  EXPECT_EQ(from_base64("Zm9v\nYmFy\n"), "foobar") << "line ends are skipped (a key file's last line)";
  EXPECT_THROW(from_base64("Zm9v!"), std::runtime_error);
  EXPECT_THROW(from_base64("-_8A"), std::runtime_error) << "base64url is not this alphabet";
}

TEST(PasswordHash, IsArgon2idAndVerifies) {
  std::string hash = hash_password("correct horse battery", PasswordCost::min);
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_EQ(hash.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(hash, "correct horse battery"));
}

TEST(PasswordHash, WrongPasswordFails) {
  std::string hash = hash_password("correct horse battery", PasswordCost::min);
  EXPECT_FALSE(verify_password(hash, "correct horse batterY"));
  EXPECT_FALSE(verify_password(hash, "correct horse battery "));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST(PasswordHash, SaltsEachHash) {
  std::string a = hash_password("same password", PasswordCost::min);
  std::string b = hash_password("same password", PasswordCost::min);
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "same password"));
  EXPECT_TRUE(verify_password(b, "same password"));
}

TEST(PasswordHash, HandlesBinaryAndUnicodePasswords) {
  constexpr char kTricky[] = "pa\0ss中文😀";
  std::string tricky(kTricky, sizeof kTricky - 1);
  std::string hash = hash_password(tricky, PasswordCost::min);
  EXPECT_TRUE(verify_password(hash, tricky));
  EXPECT_FALSE(verify_password(hash, "pa")) << "bytes after a NUL count";
}

TEST(PasswordHash, GarbageStoredHashNeverVerifies) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "x"));
  EXPECT_FALSE(verify_password("plaintext", "plaintext"));
}

TEST(RandomBase62, LengthAndCharset) {
  EXPECT_EQ(random_base62(0), "");
  for (std::size_t n : {1u, 4u, 48u, 200u}) {
    std::string s = random_base62(n);
    EXPECT_EQ(s.size(), n);
    EXPECT_TRUE(all_of(s, kBase62)) << s;
  }
}

TEST(RandomBase62, UsesTheWholeAlphabetAndDoesNotRepeat) {
  std::set<std::string> seen;
  std::set<char> chars;
  for (int i = 0; i < 1000; ++i) {
    std::string s = random_base62(48);
    EXPECT_TRUE(seen.insert(s).second) << "repeated " << s;
    chars.insert(s.begin(), s.end());
  }
  // 48,000 uniform draws miss one of 62 characters with probability far below 1e-300.
  EXPECT_EQ(chars.size(), 62u);
}

TEST(RandomToken, Is43Base64UrlCharactersAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string t = random_token();
    EXPECT_EQ(t.size(), 43u) << t;
    EXPECT_TRUE(all_of(t, kBase64Url)) << t;
    EXPECT_TRUE(seen.insert(t).second) << "repeated " << t;
  }
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1, '\0')), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("Secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secret "));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace plaza::crypto
