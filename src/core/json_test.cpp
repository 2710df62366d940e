// Request bodies: one parse checks the JSON and its UTF-8; a refusal names which was wrong.
#include "core/json.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace plaza::json {
namespace {

std::string refusal(std::string_view body) {
  try {
    parse_object(body);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_request);
    return e.what();
  }
  return "";
}

TEST(ParseObject, ReadsAnObjectWithTextInAnyScript) {
  auto o = parse_object(R"({"content":"你好 🌍 é","n":1})");
  EXPECT_EQ(o.at("content").as_string(), "你好 🌍 é");
}

TEST(ParseObject, NamesInvalidUtf8AndInvalidJsonApart) {
  EXPECT_NE(refusal("{\"name\":\"\xc3\x28\xff\"}").find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(refusal("{\"name\":\"\xed\xa0\x80\"}").find("not valid UTF-8"), std::string::npos) << "a lone surrogate";
  EXPECT_NE(refusal("{\"name\":\"\xc0\xaf\"}").find("not valid UTF-8"), std::string::npos) << "overlong";
  EXPECT_NE(refusal("{\"name\":\"\xf4\x90\x80\x80\"}").find("not valid UTF-8"), std::string::npos) << "past U+10FFFF";
  EXPECT_NE(refusal("{\"n\xffme\":1}").find("not valid UTF-8"), std::string::npos) << "in a key";
  EXPECT_NE(refusal("{\"name\":}").find("not valid JSON"), std::string::npos);
  EXPECT_NE(refusal("[1,2]").find("must be a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace plaza::json
