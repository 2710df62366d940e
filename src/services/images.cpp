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

// Names of a folder are read and checked against the database this many at a time (one query each).
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
    db.write_sync([&](store::Conn& c) { store::uploads::add_image(c, name, data, now, true); });
    ++copied;
  }
  return copied;
}

// Calls `batch` with the image names in `folder`, kBatch at a time (temporary files are not among them).
template <class F>
void for_names_in(const fs::path& folder, F batch) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  if (ec) return;  // no folder: nothing was ever uploaded or served here
  std::vector<std::string> names;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (store::uploads::type_of_name(name).empty() || !it->is_regular_file(ec)) continue;
    names.push_back(std::move(name));
    if (names.size() == kBatch) {
      batch(names);
      names.clear();
    }
  }
  if (!names.empty()) batch(names);
}

}  // namespace

int64_t import_folder(store::Database& db, const fs::path& folder, int64_t now) {
  int64_t copied = 0;
  for_names_in(folder, [&](const std::vector<std::string>& names) { copied += import_batch(db, folder, names, now); });
  return copied;
}

int64_t clean_up(store::Database& db, const fs::path& folder, int64_t now, int64_t unused_seconds) {
  int64_t removed = 0;
  for (;;) {  // a batch per transaction: SQLite's write lock is held briefly
    auto gone = db.write_sync([&](store::Conn& c) {
      return store::uploads::remove_unused(c, now - unused_seconds, static_cast<int64_t>(kBatch));
    });
    removed += static_cast<int64_t>(gone.size());
    if (gone.size() < kBatch) break;
  }
  for_names_in(folder, [&](const std::vector<std::string>& names) {
    auto stored = db.read_sync([&](store::Conn& c) { return store::uploads::stored_of(c, names); });
    std::error_code ec;
    for (const auto& name : names)
      if (std::find(stored.begin(), stored.end(), name) == stored.end()) fs::remove(folder / name, ec);
  });
  return removed;
}

}  // namespace plaza::services::images
