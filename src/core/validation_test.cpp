#include "core/validation.hpp"

#include <gtest/gtest.h>

#include <string>

namespace plaza {
namespace {

using namespace std::string_literals;

TEST(Username, LengthBounds) {
  EXPECT_TRUE(check_username("ab").has_value());
  EXPECT_FALSE(check_username("abc").has_value());
  EXPECT_FALSE(check_username(std::string(kUsernameMax, 'a')).has_value());
  EXPECT_TRUE(check_username(std::string(kUsernameMax + 1, 'a')).has_value());
  EXPECT_TRUE(check_username("").has_value());
}

TEST(Username, TwoHundredCharactersAreRefusedWithTheBoundsInTheMessage) {
  auto err = check_username(std::string(200, 'a'));
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("3 to 32"), std::string::npos) << *err;
}

TEST(Username, MustStartWithALetter) {
  for (const char* name : {"1abc", "_abc", "-abc", "9__"}) {
    auto err = check_username(name);
    ASSERT_TRUE(err.has_value()) << name;
    EXPECT_NE(err->find("start with a letter"), std::string::npos) << *err;
  }
  EXPECT_FALSE(check_username("Zed").has_value());
}

TEST(Username, Charset) {
  EXPECT_FALSE(check_username("a-b_c9").has_value());
  EXPECT_FALSE(check_username("MixedCase").has_value());
  for (const char* name : {"ab c", "ab.c", "ab@c", "abc'", "ab;c", "ab/c", "ab\tc"})
    EXPECT_TRUE(check_username(name).has_value()) << name;
  EXPECT_TRUE(check_username("abé").has_value()) << "non-ASCII letters are not allowed";
  EXPECT_TRUE(check_username("ab\0c"s).has_value()) << "embedded NUL";
}

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("a\0b"s));
  EXPECT_TRUE(is_valid_utf8("é"));                 // 2 bytes
  EXPECT_TRUE(is_valid_utf8("中文字符"));          // 3 bytes each
  EXPECT_TRUE(is_valid_utf8("😀 emoji"));           // 4 bytes
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
}

TEST(Utf8, RefusesOverlongForms) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // '/' in 2 bytes
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in 3 bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in 4 bytes
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in 4 bytes
}

TEST(Utf8, RefusesSurrogatesAndCodePointsPastTheEnd) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));      // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
}

TEST(Utf8, RefusesTruncatedAndStraySequences) {
  EXPECT_FALSE(is_valid_utf8("\xE4\xB8"));        // 中 without its last byte
  EXPECT_FALSE(is_valid_utf8("ok\xF0\x9F\x98"));  // emoji cut short at the end
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xE4\xB8 x"));  // continuation replaced by ASCII
  EXPECT_FALSE(is_valid_utf8("\x80"));        // lone continuation byte
  EXPECT_FALSE(
      is_valid_utf8("a\xBF"
                    "b"));
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xFE"));
}

TEST(Password, Bounds) {
  EXPECT_TRUE(check_password("1234567").has_value());
  EXPECT_FALSE(check_password("12345678").has_value());
  EXPECT_FALSE(check_password(std::string(kPasswordMax, 'x')).has_value());
  EXPECT_TRUE(check_password(std::string(kPasswordMax + 1, 'x')).has_value());
  EXPECT_TRUE(check_password("password\xC0\xAF").has_value()) << "invalid UTF-8";
  EXPECT_FALSE(check_password("pässwörd 中文").has_value());
}

TEST(Email, AcceptsOrdinaryAddresses) {
  EXPECT_FALSE(check_email("a@b.co").has_value());
  EXPECT_FALSE(check_email("first.last+tag@sub.example.org").has_value());
  EXPECT_FALSE(check_email("josé@exämple.com").has_value());
}

TEST(Email, RefusesMalformedAddresses) {
  for (const char* email : {"", "ab.co", "@b.co", "a@", "a@@b.co", "a@b@c.co", "a@b", "a.b@c", "a b@c.de", "a@b.co ",
                            "a\t@b.co", "a@b.c\x7F", "\xFF@b.co"})
    EXPECT_TRUE(check_email(email).has_value()) << email;
}

TEST(Email, LengthLimit) {
  std::string domain = "@example.com";
  std::string longest = std::string(kEmailMax - domain.size(), 'a') + domain;
  EXPECT_FALSE(check_email(longest).has_value());
  EXPECT_TRUE(check_email("a" + longest).has_value());
}

TEST(DisplayName, Bounds) {
  EXPECT_TRUE(check_display_name("").has_value());
  EXPECT_FALSE(check_display_name("k").has_value());
  EXPECT_FALSE(check_display_name(std::string(kNameMax, 'n')).has_value());
  EXPECT_TRUE(check_display_name(std::string(kNameMax + 1, 'n')).has_value());
}

TEST(DisplayName, CountsCharactersNotBytes) {
  std::string cjk, emoji;
  for (std::size_t i = 0; i < kNameMax; ++i) cjk += "键";
  for (std::size_t i = 0; i < kNameMax; ++i) emoji += "🔑";
  EXPECT_FALSE(check_display_name(cjk).has_value()) << "64 three-byte characters";
  EXPECT_FALSE(check_display_name(emoji).has_value()) << "64 four-byte characters";
  EXPECT_TRUE(check_display_name(cjk + "键").has_value());
  EXPECT_TRUE(check_display_name(emoji + "a").has_value());
}

TEST(DisplayName, RefusesControlCharactersAndInvalidUtf8) {
  for (const char* name : {"tab\there", "new\nline", "bell\a", "del\x7F", "\xC0\xAF", "cut\xE4\xB8"})
    EXPECT_TRUE(check_display_name(name).has_value()) << name;
  EXPECT_TRUE(check_display_name("nul\0x"s).has_value());
  EXPECT_FALSE(check_display_name("x'); DROP TABLE users;--").has_value()) << "quotes are only text";
}

TEST(Group, Charset) {
  EXPECT_FALSE(check_group("default").has_value());
  EXPECT_FALSE(check_group("vip-2_x").has_value());
  EXPECT_TRUE(check_group("").has_value());
  EXPECT_TRUE(check_group(std::string(33, 'g')).has_value());
  EXPECT_TRUE(check_group("with space").has_value());
}

TEST(AsciiLower, LowersOnlyAscii) {
  EXPECT_EQ(ascii_lower("AbC-_9"), "abc-_9");
  EXPECT_EQ(ascii_lower("ÄÖ"), "ÄÖ");
}

TEST(Utf8Prefix, CutsBeforeACharacterNeverInsideOne) {
  const std::string text = "ab" + std::string("用户额度不足");  // 2 + 6 × 3 bytes
  EXPECT_EQ(utf8_prefix(text, 100), text);
  EXPECT_EQ(utf8_prefix(text, 5), "ab用");
  EXPECT_EQ(utf8_prefix(text, 6), "ab用");
  EXPECT_EQ(utf8_prefix(text, 7), "ab用");
  EXPECT_EQ(utf8_prefix(text, 8), "ab用户");
  EXPECT_EQ(utf8_prefix(text, 0), "");
  for (std::size_t n = 0; n <= text.size(); ++n) EXPECT_TRUE(is_valid_utf8(utf8_prefix(text, n))) << n;
  EXPECT_EQ(utf8_prefix("😀x", 3), "");
}

TEST(TrimSpaces, DropsABaseUrlsTrailingSlashes) {
  EXPECT_EQ(without_trailing_slashes("https://api.stripe.com//"), "https://api.stripe.com");
  EXPECT_EQ(without_trailing_slashes("https://x/v1"), "https://x/v1");
  EXPECT_EQ(without_trailing_slashes("/"), "");
}

TEST(TrimSpaces, RemovesAsciiNoBreakAndIdeographicSpacesAroundOnly) {
  EXPECT_EQ(trim_spaces("  a b\t"), "a b");
  EXPECT_EQ(trim_spaces("\xC2\xA0\xE3\x80\x80名 字\xE3\x80\x80\xC2\xA0"), "名 字");
  EXPECT_EQ(trim_spaces(" \t\xC2\xA0\xE3\x80\x80"), "");
  EXPECT_EQ(trim_spaces(""), "");
  EXPECT_EQ(trim_spaces("a\xC2\xA0z"), "a\xC2\xA0z") << "spaces inside stay";
  EXPECT_EQ(trim_spaces("\xE3\x80\x81"), "\xE3\x80\x81") << "the ideographic comma is not a space";
}

}  // namespace
}  // namespace plaza
