#pragma once
// Uploaded images: who uploaded which when (a user's uploads per day are bounded), and the images
// themselves, base64 of their bytes, by name (the bytes' hash and type; see services/images).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace plaza::store::uploads {

enum class Stored { added, already_stored, over_limit };

// Stores an image `user` uploaded, unless it is stored already (that costs no share of their
// uploads, and an unused one counts as uploaded `now`), or they made `limit` uploads since `since`
// (nothing is written).
Stored store_image(Conn& c, int64_t user_id, const std::string& name, const std::string& base64, int64_t bytes,
                   int64_t now, int64_t since, int64_t limit);
// Base64 of the image's bytes, or nothing when no image has that name.
std::optional<std::string> image_data(Conn& c, const std::string& name);
// The length of image_data, without reading it.
std::optional<int64_t> data_length(Conn& c, const std::string& name);
// Which of `names` are stored.
std::vector<std::string> stored_of(Conn& c, const std::vector<std::string>& names);
// Adds an image that nobody's uploads count (one found in a folder, `used` until known otherwise); an
// image stored meanwhile stays as it is.
void add_image(Conn& c, const std::string& name, const std::string& base64, int64_t now, bool used);

// The type a well-formed image name ends in ("png", "jpeg", "gif", "webp"), or empty. Names are
// "<32 hex digits>.<type>" and come from URLs, folders and app contents.
std::string_view type_of_name(std::string_view name);
// The image names `text` refers to as "/uploads/<name>", in order, repeats included.
std::vector<std::string> names_in(std::string_view text);
// Who may see an image: anyone, once something public names it (used: an app version, a model's
// icon) or it came from an old folder; else only the users who uploaded it or sent it in a chat.
enum class Audience { missing, everyone, its_users };
Audience audience(Conn& c, const std::string& name);
// Whether `user_id` may see (and send) the image: anyone may, or they are among its users.
bool visible_to(Conn& c, const std::string& name, int64_t user_id);
// Whether every one of `names` is stored, each then counted as uploaded `now` at the latest: an image
// about to be named somewhere cleanup cannot see yet (an uncommitted message) is not removed meanwhile,
// and a removal that came first makes this false.
bool touch_all(Conn& c, std::vector<std::string> names, int64_t now);
// Marks the images `text` refers to as used: they are kept for good.
void mark_used(Conn& c, std::string_view text);
// Removes up to `limit` images that were uploaded (or touched) before `before`, that nothing marked
// used and that no chat message carries; returns their names.
// (The conditions are checked again on the row itself: a save that names an image, or its upload
// again, in another transaction at the same time keeps it.)
std::vector<std::string> remove_unused(Conn& c, int64_t before, int64_t limit);

}  // namespace plaza::store::uploads
