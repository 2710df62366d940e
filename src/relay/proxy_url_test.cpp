#include "relay/proxy_url.hpp"

#include <gtest/gtest.h>

namespace plaza::relay {
namespace {

TEST(ProxyUrl, APasswordIsSealedAtRestAndOpensToTheSameUrl) {
  crypto::SecretBox box(std::string(32, 'k'));
  const std::string url = "http://plaza:p%40ss%20word@proxy.example:3128";
  std::string stored = seal_proxy_password(box, url);
  EXPECT_EQ(stored.find("p%40ss"), std::string::npos) << stored;
  EXPECT_TRUE(stored.starts_with("http://plaza:sealed")) << "the user and host stay readable: " << stored;
  EXPECT_NE(stored.find("@proxy.example:3128"), std::string::npos) << stored;
  EXPECT_EQ(open_proxy_password(box, stored), url);
  EXPECT_EQ(seal_proxy_password(box, stored), stored) << "sealed once";
  EXPECT_EQ(shown_proxy(stored), "http://plaza:****@proxy.example:3128");
  EXPECT_EQ(shown_proxy(url), shown_proxy(stored)) << "what the admin sent back compares equal either way";
  crypto::SecretBox other(std::string(32, 'x'));
  EXPECT_ANY_THROW(open_proxy_password(other, stored)) << "another site key cannot open it";
}

TEST(ProxyUrl, AUrlWithoutAPasswordStaysAsItIs) {
  crypto::SecretBox box(std::string(32, 'k'));
  for (std::string url : {"", "http://proxy.example:3128", "http://user@proxy.example:3128", "not a url"}) {
    EXPECT_EQ(seal_proxy_password(box, url), url);
    EXPECT_EQ(open_proxy_password(box, url), url);
    EXPECT_EQ(shown_proxy(url), url == "not a url" ? "(not a valid URL)" : url);
  }
  EXPECT_EQ(open_proxy_password(box, "http://u:plain@h:1"), "http://u:plain@h:1") << "stored before sealing";
}

TEST(ProxyUrl, AHiddenPasswordSentBackIsTheStoredOneWhateverElseChanged) {
  crypto::SecretBox box(std::string(32, 'k'));
  std::string stored = seal_proxy_password(box, "http://plaza:secret@old.example:3128");
  EXPECT_EQ(with_stored_password(shown_proxy(stored), stored), stored);
  std::string moved = with_stored_password("http://plaza:****@new.example:8080", stored);
  EXPECT_EQ(open_proxy_password(box, moved), "http://plaza:secret@new.example:8080");
  EXPECT_EQ(with_stored_password("http://plaza:changed@old.example:3128", stored),
            "http://plaza:changed@old.example:3128");
  EXPECT_EQ(with_stored_password("http://old.example:3128", stored), "http://old.example:3128") << "dropped";
  EXPECT_EQ(with_stored_password("http://plaza:****@h:1", "http://h:1"), "http://plaza:****@h:1") << "none stored";
}

TEST(ProxyUrl, AUrlThatDoesNotParseIsNeitherShownNorAccepted) {
  EXPECT_FALSE(is_proxy_url("http://plaza:p@ss@proxy.example:3128"));
  EXPECT_EQ(shown_proxy("http://plaza:p@ss@proxy.example:3128"), "(not a valid URL)");
  EXPECT_TRUE(is_proxy_url("http://plaza:p%40ss@proxy.example:3128"));
  EXPECT_TRUE(is_proxy_url(""));
  EXPECT_TRUE(is_proxy_url("http://proxy.example:3128/"));
  EXPECT_FALSE(is_proxy_url("http://proxy.example:3128/some/path"));
  EXPECT_FALSE(is_proxy_url("http://proxy.example:3128?x=1"));
}

}  // namespace
}  // namespace plaza::relay
