#include "api/upload_handlers.hpp"

#include <boost/json.hpp>

#include <filesystem>

#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "services/images.hpp"
#include "store/async.hpp"
#include "store/uploads_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;
namespace images = services::images;
namespace fs = std::filesystem;

// Avatars and the like: a person needs a few a day; any signed-in user could otherwise fill the disk.
constexpr int64_t kUploadsPerDay = 50;

awaitable<http::Response> post_upload(Ctx& ctx) {
  const std::string& bytes = ctx.req.body;
  if (bytes.empty()) throw Error(ErrorCode::invalid_request, "send the image as the request body", "file");
  if (bytes.size() > images::kMaxBytes) throw Error(ErrorCode::payload_too_large, "images are at most 512 KB", "file");
  // The bytes decide, not the name or the Content-Type the client claims.
  std::string name = images::name_of(bytes);
  if (name.empty()) throw Error(ErrorCode::unsupported_media, "only PNG, JPEG, GIF and WebP images", "file");
  std::string data = crypto::base64(bytes);
  int64_t now = ctx.site.clock.now_s(), user = ctx.me().id;
  // The image and its count against the day's uploads in one transaction: a refusal writes nothing,
  // and an image already stored (the same avatar again) costs no share of them.
  auto stored = co_await store::write(ctx.site.db, [&](store::Conn& c) {
    return store::uploads::store_image(c, user, name, data, static_cast<int64_t>(bytes.size()), now, now - 86'400,
                                       kUploadsPerDay);
  });
  if (stored == store::uploads::Stored::over_limit) {
    Error e(ErrorCode::rate_limited, "at most 50 images a day: try again tomorrow", "file");
    e.retry_after = 3600;
    throw e;
  }
  co_return json_response(201, bj::object{{"url", "/uploads/" + name}});
}

namespace {
// An image only its users may see (a chat's photo, an avatar not yet saved) is shown to them alone,
// as if missing to anyone else; the answer says whether anyone may.
awaitable<bool> check_audience(Ctx& ctx, const std::string& name) {
  auto audience = co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::uploads::audience(c, name); });
  if (audience == store::uploads::Audience::missing) throw Error(ErrorCode::not_found, "no such file");
  if (audience == store::uploads::Audience::everyone) co_return true;
  auto cookie = ctx.req.cookie(kSessionCookie);
  if (!cookie) throw Error(ErrorCode::not_found, "no such file");
  auto session = co_await ctx.site.accounts.session(std::string(*cookie));
  if (!session) throw Error(ErrorCode::not_found, "no such file");
  int64_t user = session->user.id;
  bool shown =
      co_await store::read(ctx.site.db, [&](store::Conn& c) { return store::uploads::visible_to(c, name, user); });
  if (!shown) throw Error(ErrorCode::not_found, "no such file");
  co_return false;
}
}  // namespace

awaitable<http::Response> get_upload(Ctx& ctx) {
  std::string name(ctx.req.param("file"));
  std::string type(store::uploads::type_of_name(name));
  if (type.empty()) throw Error(ErrorCode::not_found, "no such file");
  const bool public_image = co_await check_audience(ctx, name);
  // Captures by reference only: g++ 12 destroys by-value captures of a co_await temporary twice.
  fs::path dir = images::folder(ctx.site.config.data_dir);
  store::Database& db = ctx.site.db;
  auto body = co_await store::run_on_pool(db, [&db, &dir, &name] { return images::load(db, dir, name); });
  if (!body) throw Error(ErrorCode::not_found, "no such file");
  http::Response r{200, {}, std::move(*body)};
  r.header("Content-Type", "image/" + type);
  // X-Content-Type-Options: nosniff comes with every response (the server's security headers).
  r.header("Content-Security-Policy", "default-src 'none'; sandbox");
  // A name is its bytes' hash, so an image never changes; a private one stays out of shared caches.
  r.header("Cache-Control", public_image ? "public, max-age=31536000, immutable" : "private, max-age=86400");
  co_return r;
}

}  // namespace plaza::api
