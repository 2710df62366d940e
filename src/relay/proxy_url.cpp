#include "relay/proxy_url.hpp"

#include <boost/url/url.hpp>

#include "core/url.hpp"

namespace plaza::relay {

namespace {

constexpr std::string_view kSealed = "sealed:";
constexpr std::string_view kHidden = "****";

// The URL with its password replaced by what `change` makes of it; the URL as it is when it has none.
template <class Change>
std::string with_password(const std::string& url, Change change) {
  auto parsed = parse_url(url);
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
  if (!is_proxy_url(url)) return "(not a valid URL)";
  return with_password(url, [](const std::string&) { return std::string(kHidden); });
}

std::string with_stored_password(const std::string& sent, const std::string& stored) {
  auto kept = parse_url(stored);
  if (!kept || !kept->has_password()) return sent;
  return with_password(sent, [&](const std::string& password) {
    return password == kHidden ? std::string(kept->password()) : password;
  });
}

bool is_proxy_url(const std::string& url) {
  if (url.empty()) return true;
  auto parsed = parse_url(url);
  // A raw '@' in a password parses, but as a path after a wrong host: a proxy URL has no path.
  return parsed && !parsed->encoded_host().empty() &&
         (parsed->encoded_path().empty() || parsed->encoded_path() == "/") && !parsed->has_query() &&
         !parsed->has_fragment();
}

}  // namespace plaza::relay
