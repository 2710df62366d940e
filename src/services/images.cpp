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
  std::error_code ec;
  auto size = fs::file_size(folder / name, ec);
  if (ec || size > kMaxBytes) return std::nullopt;  // larger than any image taken: not one
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

std::optional<std::string> load(store::Database& db, const fs::path& folder, const std::string& name) {
  if (auto copy = read_copy(folder, name)) return copy;
  auto data = db.read_sync([&name](store::Conn& c) { return store::uploads::image_data(c, name); });
  if (!data) return std::nullopt;
  std::string bytes;
  try {
    bytes = crypto::from_base64(*data);
  } catch (const std::exception&) {
  }
  // A copy is trusted for good: only the bytes the name was made of are kept.
  if (name_of(bytes) != name) {
    spdlog::error("uploads: the database's bytes of {} are not that image; it is not served", name);
    return std::nullopt;
  }
  if (!keep_copy(folder, name, bytes))
    spdlog::warn("uploads: no copy of {} could be kept in {}; it is read from the database", name, folder.string());
  return bytes;
}

namespace {

// Names of a folder are read and checked against the database this many at a time (one query each).
constexpr std::size_t kBatch = 200;

// Written once a folder's images are all in the database: its later files are copies of them.
constexpr const char* kImportedMark = ".imported";

struct Imported {
  int64_t copied = 0;
  int64_t unreadable = 0;  // left in the folder to try again at the next start
};

void import_batch(store::Database& db, const fs::path& folder, const std::vector<std::string>& names, int64_t now,
                  Imported& result) {
  auto stored = db.read_sync([&](store::Conn& c) { return store::uploads::stored_of(c, names); });
  std::vector<std::pair<std::string, std::string>> images;  // name, base64
  for (const auto& name : names) {
    if (std::find(stored.begin(), stored.end(), name) != stored.end()) continue;
    auto bytes = read_copy(folder, name);
    if (!bytes) {
      ++result.unreadable;
      spdlog::warn("uploads: {} could not be read; it is tried again at the next start", (folder / name).string());
    } else if (name_of(*bytes) != name) {
      spdlog::warn("uploads: {} is not the image its name says; left out of the database", (folder / name).string());
    } else {
      images.emplace_back(name, crypto::base64(*bytes));
    }
  }
  db.write_sync([&](store::Conn& c) {  // one transaction for the batch
    for (const auto& [name, data] : images) store::uploads::add_image(c, name, data, now, true);
  });
  result.copied += static_cast<int64_t>(images.size());
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
  std::error_code ec;
  if (fs::exists(folder / kImportedMark, ec)) return 0;
  Imported result;
  for_names_in(folder, [&](const std::vector<std::string>& names) { import_batch(db, folder, names, now, result); });
  if (result.unreadable == 0) {
    fs::create_directories(folder, ec);
    std::ofstream(folder / kImportedMark) << "The images of this folder are in the database: its files are copies.\n";
  }
  return result.copied;
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
  // Until the folder's own images are in the database, a file missing there may be the only copy.
  std::error_code ec;
  if (!fs::exists(folder / kImportedMark, ec)) return removed;
  for_names_in(folder, [&](const std::vector<std::string>& names) {
    auto stored = db.read_sync([&](store::Conn& c) { return store::uploads::stored_of(c, names); });
    for (const auto& name : names)
      if (std::find(stored.begin(), stored.end(), name) == stored.end()) fs::remove(folder / name, ec);
  });
  return removed;
}

}  // namespace plaza::services::images
