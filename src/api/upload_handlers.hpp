#pragma once
// Uploaded images (app avatars): checked by their bytes, size-limited, stored by content hash and
// served with a fixed image type that browsers will not sniff into anything else.
#include "api/middleware.hpp"

namespace plaza::api {

inline constexpr std::size_t kMaxUploadBytes = 512 * 1024;

// The image type of `bytes` by its signature ("png", "jpeg", "gif", "webp"), or empty.
std::string image_type(std::string_view bytes);

awaitable<http::Response> post_upload(Ctx& ctx);
awaitable<http::Response> get_upload(Ctx& ctx);

}  // namespace plaza::api
