#pragma once
// A channel's proxy URL (`http://user:password@host:port`) keeps its password sealed at rest, like
// the channel's keys: the stored URL carries `sealed:<box>` in the password's place, so the rest
// (user, host, port) can still be shown and compared without the site key.
#include <string>

#include "crypto/secretbox.hpp"

namespace plaza::relay {

// The URL with its password sealed; a URL without a password, or sealed already, as it is.
std::string seal_proxy_password(const crypto::SecretBox& box, const std::string& url);
// The URL with its password opened, ready to use; a URL with a plain password (stored before they
// were sealed), or none, as it is. Throws when the sealed password does not open.
std::string open_proxy_password(const crypto::SecretBox& box, const std::string& url);
// The URL as the admin API shows it, its password (sealed or not) as "****"; a URL that does not
// parse is not shown at all (it might hold a password in plain).
std::string shown_proxy(const std::string& url);
// The URL an admin sent, with a password of "****" (the one shown) taken from `stored` again.
std::string with_stored_password(const std::string& sent, const std::string& stored);
// The URL is a proxy's: http://[user[:password]@]host[:port], nothing after (a user or password with
// a raw '@', ':' or '/' is not one).
bool is_proxy_url(const std::string& url);

}  // namespace plaza::relay
