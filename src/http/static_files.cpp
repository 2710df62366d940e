#include "http/static_files.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/crypto.hpp"

namespace plaza::http {

namespace fs = std::filesystem;

std::string content_type_for(const std::string& path) {
  static const std::unordered_map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
  };
  auto ext = fs::path(path).extension().string();
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

StaticFiles::StaticFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    std::string rel = fmt::format("/{}", fs::relative(entry.path(), dir).generic_string());
    File f{body.str(), content_type_for(rel), "", rel.starts_with("/assets/")};
    f.etag = fmt::format("\"{}\"", crypto::sha256_hex(f.body).substr(0, 32));
    files_.emplace(std::move(rel), std::move(f));
  }
}

Response StaticFiles::serve(const Request& req) const {
  if (req.path.starts_with("/api/") || req.path.starts_with("/v1/") || req.path == "/api" || req.path == "/v1")
    return Response::error(req.path, 404, "not_found", "no such endpoint");
  if (req.method != "GET" && req.method != "HEAD")
    return Response::error(req.path, 405, "method_not_allowed", "method not allowed");
  std::string path = percent_decode(req.path, false);
  auto it = files_.find(path);
  // Paths that look like files (an extension) and do not exist are real 404s; the rest are app routes.
  if (it == files_.end() && fs::path(path).extension().empty()) it = files_.find("/index.html");
  if (it == files_.end()) {
    if (files_.empty())
      return Response{503,
                      {{"Content-Type", "text/plain; charset=utf-8"}},
                      "The web app is not built: run `make run`, or `npm run build` in web/.\n"};
    return Response{404, {{"Content-Type", "text/plain; charset=utf-8"}}, "Not found\n"};
  }
  const File& f = it->second;
  Response r;
  r.header("Content-Type", f.content_type);
  r.header("ETag", f.etag);
  r.header("Cache-Control", f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (req.header("if-none-match") == f.etag) {
    r.status = 304;
    return r;
  }
  r.body = f.body;
  return r;
}

}  // namespace plaza::http
