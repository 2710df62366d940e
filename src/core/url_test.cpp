#include "core/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace plaza {
namespace {

TEST(Url, ReadsHostPortAndPath) {
  auto u = parse_url("https://api.example.com:8443/v1?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host(), "api.example.com");
  EXPECT_EQ(u->port(), "8443");
  EXPECT_EQ(u->encoded_path(), "/v1");
  EXPECT_TRUE(parse_url("http://127.0.0.1:9/v1"));
  EXPECT_TRUE(parse_url("http://[::1]:9"));
  EXPECT_TRUE(parse_url("http://user:pass@proxy.example:3128"));
}

// Boost.URL 1.81 reads these as host 10.0.0.1 / 127.0.0.1 and a path starting with '.': the name
// would be called at that address. Refused instead.
TEST(Url, RefusesAHostNameThatStartsLikeAnAddress) {
  EXPECT_FALSE(parse_url("http://10.0.0.1.nip.io/v1"));
  EXPECT_FALSE(parse_url("http://127.0.0.1.evil.example:8080/x"));
  EXPECT_FALSE(parse_url("https://1.2.3.4.sslip.io"));
}

TEST(Url, RefusesWhatIsNotAUri) {
  EXPECT_FALSE(parse_url(""));
  EXPECT_FALSE(parse_url("not a url"));
  EXPECT_FALSE(parse_url("http://exa mple.com/"));
}

}  // namespace
}  // namespace plaza
