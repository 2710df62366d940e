#pragma once
// Parsing the URLs operators and creators type (upstreams, proxies, payment providers) with one
// rule Boost.URL 1.81 misses: after a host the path is empty or starts with '/'. That version reads
// "http://10.0.0.1.nip.io/v1" as host 10.0.0.1 with path ".nip.io/v1", so a host whose name starts
// like an address would be called at that address, with a broken request line.
#include <boost/url/parse.hpp>

#include <optional>
#include <string_view>

namespace plaza {

// The URL, viewing `text` (which must outlive it); nothing when it is not a URI or is misread as above.
inline std::optional<boost::urls::url_view> parse_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::nullopt;
  auto path = parsed->encoded_path();
  if (parsed->has_authority() && !path.empty() && !path.starts_with("/")) return std::nullopt;
  return *parsed;
}

}  // namespace plaza
