#include "services/images.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "crypto/crypto.hpp"
#include "store/uploads_repo.hpp"

namespace plaza::services::images {

namespace fs = std::filesystem;

std::string type_of(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "png";
  if (b.size() >= 3 && b.substr(0, 3) == std::string_view("\xff\xd8\xff", 3)) return "jpeg";
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "webp";
  return "";
}

std::string name_of(std::string_view bytes) {
  std::string type = type_of(bytes);
  if (type.empty() || bytes.size() > kMaxBytes) return "";
  return crypto::sha256_hex(bytes).substr(0, 32) + "." + type;
}

std::string type_of_name(std::string_view name) {
  auto dot = name.find('.');
  if (dot != 32 || name.size() > 40) return "";
  for (std::size_t i = 0; i < dot; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return "";
  std::string type(name.substr(dot + 1));
  return type == "png" || type == "jpeg" || type == "gif" || type == "webp" ? type : "";
}

std::optional<std::string> read_copy(const fs::path& folder, const std::string& name) {
  std::ifstream in(folder / name, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (!in.good() && !in.eof()) return std::nullopt;
  return s.str();
}

bool keep_copy(const fs::path& folder, const std::string& name, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  // A name of this write's own: two requests for one image at once must not write into one file.
  fs::path tmp = folder / (name + "." + crypto::random_token().substr(0, 12) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();  // a full disk shows here, at the flush
    if (!out) {
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, folder / name, ec);  // over a twin that got there first: the same bytes
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

namespace {

// The names in `folder` that look like images', a batch at a time (one query per batch).
constexpr std::size_t kBatch = 200;

int64_t import_batch(store::Database& db, const fs::path& folder, const std::vector<std::string>& names, int64_t now) {
  auto stored = db.read_sync([&](store::Conn& c) { return store::uploads::stored_of(c, names); });
  int64_t copied = 0;
  for (const auto& name : names) {
    if (std::find(stored.begin(), stored.end(), name) != stored.end()) continue;
    auto bytes = read_copy(folder, name);
    if (!bytes || name_of(*bytes) != name) {
      spdlog::warn("uploads: {} is not the image its name says; left out of the database", (folder / name).string());
      continue;
    }
    std::string data = crypto::base64(*bytes);
    db.write_sync([&](store::Conn& c) { store::uploads::add_image(c, name, data, now); });
    ++copied;
  }
  return copied;
}

}  // namespace

int64_t import_folder(store::Database& db, const fs::path& folder, int64_t now) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  if (ec) return 0;  // no folder: nothing was ever uploaded here
  int64_t copied = 0;
  std::vector<std::string> names;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (type_of_name(name).empty() || !it->is_regular_file(ec)) continue;  // temporary files among them
    names.push_back(std::move(name));
    if (names.size() == kBatch) {
      copied += import_batch(db, folder, names, now);
      names.clear();
    }
  }
  copied += import_batch(db, folder, names, now);
  return copied;
}

}  // namespace plaza::services::images
