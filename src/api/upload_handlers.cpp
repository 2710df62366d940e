#include "api/upload_handlers.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "store/async.hpp"
#include "store/uploads_repo.hpp"

namespace plaza::api {

namespace bj = boost::json;
namespace fs = std::filesystem;

// Avatars and the like: a person needs a few a day; any signed-in user could otherwise fill the disk.
constexpr int64_t kUploadsPerDay = 50;

std::string image_type(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "png";
  if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) return "jpeg";
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "webp";
  return "";
}

namespace {
fs::path upload_dir(const Ctx& ctx) {
  return fs::path(ctx.site.config.data_dir) / "uploads";
}
}  // namespace

awaitable<http::Response> post_upload(Ctx& ctx) {
  const std::string& bytes = ctx.req.body;
  if (bytes.empty()) throw Error(ErrorCode::invalid_request, "send the image as the request body", "file");
  if (bytes.size() > kMaxUploadBytes) throw Error(ErrorCode::payload_too_large, "images are at most 512 KB", "file");
  std::string type = image_type(bytes);
  // The bytes decide, not the name or the Content-Type the client claims.
  if (type.empty()) throw Error(ErrorCode::unsupported_media, "only PNG, JPEG, GIF and WebP images", "file");
  std::string name = crypto::sha256_hex(bytes).substr(0, 32) + "." + type;
  fs::path dir = upload_dir(ctx);
  // An image already stored (the same avatar again) costs no disk and no share of the day's uploads.
  bool stored = co_await store::run_on_pool(ctx.site.db, [&dir, &name] { return fs::exists(dir / name); });
  if (stored) co_return json_response(201, bj::object{{"url", "/uploads/" + name}});
  int64_t now = ctx.site.clock.now_s(), user = ctx.me().id;
  bool allowed = co_await store::write(ctx.site.db, [&](store::Conn& c) {
    return store::uploads::record_within(c, user, name, static_cast<int64_t>(bytes.size()), now, now - 86'400,
                                         kUploadsPerDay);
  });
  if (!allowed) {
    Error e(ErrorCode::rate_limited, "at most 50 images a day: try again tomorrow", "file");
    e.retry_after = 3600;
    throw e;
  }
  // Captures by reference only: g++ 12 destroys by-value captures of a co_await temporary twice.
  co_await store::run_on_pool(ctx.site.db, [&dir, &name, &bytes] {
    fs::create_directories(dir);
    fs::path target = dir / name;
    if (fs::exists(target)) return;
    // A temporary name of this upload's own: two uploads of one image at once must not write into one
    // file, and the name appears whole (rename) or not at all, never half written.
    fs::path tmp = dir / (name + "." + crypto::random_token().substr(0, 12) + ".tmp");
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();  // a full disk shows here, at the flush
    std::error_code ec;
    if (!out) {
      fs::remove(tmp, ec);
      throw Error(ErrorCode::internal, "the image could not be stored");
    }
    fs::rename(tmp, target, ec);  // over a twin that got there first: the same bytes
    if (ec) {
      fs::remove(tmp, ec);
      throw Error(ErrorCode::internal, "the image could not be stored");
    }
  });
  co_return json_response(201, bj::object{{"url", "/uploads/" + name}});
}

awaitable<http::Response> get_upload(Ctx& ctx) {
  std::string name(ctx.req.param("file"));
  auto dot = name.find('.');
  bool safe = dot == 32 && name.size() <= 40;
  for (std::size_t i = 0; safe && i < dot; ++i) safe = std::isxdigit(static_cast<unsigned char>(name[i])) != 0;
  std::string ext = safe ? name.substr(dot + 1) : "";
  if (ext != "png" && ext != "jpeg" && ext != "gif" && ext != "webp") throw Error(ErrorCode::not_found, "no such file");
  fs::path path = upload_dir(ctx) / name;
  auto body = co_await store::run_on_pool(ctx.site.db, [&path]() -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  });
  if (!body) throw Error(ErrorCode::not_found, "no such file");
  http::Response r{200, {}, std::move(*body)};
  r.header("Content-Type", "image/" + ext);
  // X-Content-Type-Options: nosniff comes with every response (the server's security headers).
  r.header("Content-Security-Policy", "default-src 'none'; sandbox");
  r.header("Cache-Control", "public, max-age=31536000, immutable");
  co_return r;
}

}  // namespace plaza::api
