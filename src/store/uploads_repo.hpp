#pragma once
// Uploaded images: who uploaded which when (a user's uploads per day are bounded), and the images
// themselves, base64 of their bytes, by name (the bytes' hash and type; see services/images).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace plaza::store::uploads {

enum class Stored { added, already_stored, over_limit };

// Stores an image `user` uploaded, unless it is stored already (that costs no share of their
// uploads), or they made `limit` uploads since `since` (nothing is written).
Stored store_image(Conn& c, int64_t user_id, const std::string& name, const std::string& base64, int64_t bytes,
                   int64_t now, int64_t since, int64_t limit);
// Base64 of the image's bytes, or nothing when no image has that name.
std::optional<std::string> image_data(Conn& c, const std::string& name);
// Which of `names` are stored.
std::vector<std::string> stored_of(Conn& c, const std::vector<std::string>& names);
// Adds an image that nobody's uploads count (one found in a folder); an image stored meanwhile stays.
void add_image(Conn& c, const std::string& name, const std::string& base64, int64_t now);

}  // namespace plaza::store::uploads
