#pragma once
// Uploaded images (app avatars): checked by their bytes, size-limited, stored by content hash (see
// services/images) and served with a fixed image type that browsers will not sniff into anything else.
#include "api/middleware.hpp"

namespace plaza::api {

awaitable<http::Response> post_upload(Ctx& ctx);
awaitable<http::Response> get_upload(Ctx& ctx);

}  // namespace plaza::api
