#pragma once
// The built web app (web/dist), read into memory at start-up: hashed assets are cached for a year,
// index.html is revalidated, and unknown paths outside /api and /v1 get index.html (SPA routing).
#include <string>
#include <unordered_map>

#include "http/request.hpp"

namespace plaza::http {

class StaticFiles {
 public:
  explicit StaticFiles(const std::string& dir);
  Response serve(const Request& req) const;
  std::size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string body;
    std::string content_type;
    std::string etag;
    bool immutable;  // under /assets/: the name carries a content hash
  };
  std::unordered_map<std::string, File> files_;
};

std::string content_type_for(const std::string& path);

}  // namespace plaza::http
