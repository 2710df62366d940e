#include "relay/proxy_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace plaza::relay {

namespace {

constexpr std::string_view kSealed = "sealed:";

// The URL with its password replaced by what `change` makes of it; the URL as it is when it has none.
template <class Change>
std::string with_password(const std::string& url, Change change) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_password()) return url;
  boost::urls::url changed(*parsed);
  changed.set_password(change(parsed->password()));
  return std::string(changed.buffer());
}

}  // namespace

std::string seal_proxy_password(const crypto::SecretBox& box, const std::string& url) {
  return with_password(url, [&](const std::string& password) {
    return password.starts_with(kSealed) ? password : std::string(kSealed) + box.seal(password);
  });
}

std::string open_proxy_password(const crypto::SecretBox& box, const std::string& url) {
  return with_password(url, [&](const std::string& password) {
    return password.starts_with(kSealed) ? box.open(std::string_view(password).substr(kSealed.size())) : password;
  });
}

std::string shown_proxy(const std::string& url) {
  return with_password(url, [](const std::string&) { return std::string("****"); });
}

}  // namespace plaza::relay
