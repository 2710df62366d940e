#pragma once
// Uploaded images (app avatars). The database holds them, so every instance serves every image and a
// backup of the database holds them too; each instance keeps a copy of what it served in
// <data_dir>/uploads. Names are "<32 hex digits of the bytes' SHA-256>.<type>": a copy is never stale.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "store/database.hpp"

namespace plaza::services::images {

inline constexpr std::size_t kMaxBytes = 512 * 1024;

// Where an instance keeps its copies.
inline std::filesystem::path folder(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "uploads";
}

// The image type of `bytes` by its signature ("png", "jpeg", "gif", "webp"), or empty.
std::string type_of(std::string_view bytes);
// The name the image is stored by, or empty when `bytes` are no image taken here.
std::string name_of(std::string_view bytes);

// The copy in `folder`, if this instance has one.
std::optional<std::string> read_copy(const std::filesystem::path& folder, const std::string& name);
// Keeps a copy in `folder`: written under a name of its own and renamed, so that it appears whole or
// not at all. Returns false when it could not be written (the image is still in the database).
bool keep_copy(const std::filesystem::path& folder, const std::string& name, std::string_view bytes);

// The image: this instance's copy in `folder`, else the database's (then kept as a copy). Nothing
// when no image has the name, or the database's bytes are not the name's (logged).
std::optional<std::string> load(store::Database& db, const std::filesystem::path& folder, const std::string& name);

// Copies into the database the images of `folder` that it lacks: those written before the database
// held images (migration 17) live only in the folder of the instance that took them. They count as
// used (apps name them). Done once a folder: a mark file says so, written when every file could be
// read (files whose name is not their bytes' are left out, and go with a later clean-up). Returns
// how many were copied.
int64_t import_folder(store::Database& db, const std::filesystem::path& folder, int64_t now);

// Removes the images nothing named (no app version, no model's icon) within `unused_seconds` of
// their upload: a user's daily uploads are bounded, but not what accounts together would leave
// behind. Then removes this instance's copies of images the database no longer holds (another
// instance may have removed them), once its own were imported. Returns how many images were removed
// from the database.
int64_t clean_up(store::Database& db, const std::filesystem::path& folder, int64_t now, int64_t unused_seconds);

}  // namespace plaza::services::images
