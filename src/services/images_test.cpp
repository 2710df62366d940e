#include "services/images.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

#include "crypto/crypto.hpp"
#include "store/apps_repo.hpp"
#include "store/relay_repo.hpp"
#include "store/uploads_repo.hpp"
#include "store/users_repo.hpp"
#include "support/test_database.hpp"

namespace plaza::services::images {
namespace {

namespace fs = std::filesystem;
using store::uploads::Stored;

std::string png(const std::string& tail) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + tail;
}

TEST(ImageNames, AreTheBytesHashAndType) {
  std::string bytes = png("pixels");
  EXPECT_EQ(name_of(bytes), crypto::sha256_hex(bytes).substr(0, 32) + ".png");
  EXPECT_EQ(name_of("GIF89a..."), crypto::sha256_hex("GIF89a...").substr(0, 32) + ".gif");
  EXPECT_EQ(name_of("<svg onload=alert(1)>"), "") << "the bytes decide, and SVG is not taken";
  EXPECT_EQ(name_of(png(std::string(kMaxBytes, 'x'))), "") << "over 512 KB";
}

TEST(ImageNames, OnlyWellFormedNamesHaveAType) {
  using store::uploads::type_of_name;
  std::string hex(32, 'a');
  EXPECT_EQ(type_of_name(hex + ".png"), "png");
  EXPECT_EQ(type_of_name(hex + ".webp"), "webp");
  EXPECT_EQ(type_of_name(hex + ".svg"), "");
  EXPECT_EQ(type_of_name(hex + ".png.0123456789ab.tmp"), "") << "a copy being written";
  EXPECT_EQ(type_of_name(std::string(31, 'a') + ".png"), "");
  EXPECT_EQ(type_of_name(std::string(31, 'a') + "g.png"), "") << "hex digits only";
  EXPECT_EQ(type_of_name("../../plaza.db"), "");
}

TEST(ImageNames, AreFoundWhereTextsLinkToThem) {
  std::string a = std::string(32, 'a') + ".png", b = std::string(32, 'b') + ".webp";
  EXPECT_EQ(store::uploads::names_in(R"({"avatar":"/uploads/)" + a + R"(","description":"![x](/uploads/)" + b +
                                     ") and /uploads/" + a + " again\"}"),
            (std::vector<std::string>{a, b, a}));
  EXPECT_TRUE(store::uploads::names_in("/uploads/" + std::string(32, 'a') + ".svg /uploads/ /uploads/x.png").empty());
  EXPECT_TRUE(store::uploads::names_in("🙂").empty()) << "an emoji avatar names no image";
  EXPECT_EQ(store::uploads::names_in("See /uploads/" + a + ". Or /uploads/" + b + ","),
            (std::vector<std::string>{a, b}))
      << "a full stop or a comma after a link is not the name's";
}

class ImagesTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    folder_ = fs::temp_directory_path() / ("plaza-images-" + crypto::random_token().substr(0, 12));
    fs::create_directories(folder_);
    user_ = db().write_sync([](store::Conn& c) { return store::users::create(c, {"alice", {}, "h"}, 1).id; });
  }
  void TearDown() override {
    fs::remove_all(folder_);
    BackendTest::TearDown();
  }
  Stored upload(const std::string& bytes, int64_t now = 100, int64_t limit = 3) {
    return db().write_sync([&](store::Conn& c) {
      return store::uploads::store_image(c, user_, name_of(bytes), crypto::base64(bytes),
                                         static_cast<int64_t>(bytes.size()), now, now - 86'400, limit);
    });
  }
  std::optional<std::string> stored(const std::string& name) {
    auto data = db().read_sync([&](store::Conn& c) { return store::uploads::image_data(c, name); });
    if (!data) return std::nullopt;
    return crypto::from_base64(*data);
  }
  int64_t stored_images() {
    return db().read_sync([](store::Conn& c) { return c.query_one("SELECT COUNT(*) FROM upload_files")->i64(0); });
  }
  int64_t counted() {
    return db().read_sync([](store::Conn& c) { return c.query_one("SELECT COUNT(*) FROM uploads")->i64(0); });
  }
  void put_file(const std::string& name, const std::string& bytes) {
    std::ofstream(folder_ / name, std::ios::binary) << bytes;
  }

  fs::path folder_;
  int64_t user_ = 0;
};
PLAZA_INSTANTIATE_FOR_BACKENDS(ImagesTest);

TEST_P(ImagesTest, AnUploadStoresTheBytesAndCountsOnce) {
  std::string bytes = png(std::string("\0\xff binary \r\n", 12));
  EXPECT_EQ(upload(bytes), Stored::added);
  EXPECT_EQ(stored(name_of(bytes)), bytes) << "every byte, NULs and all";
  EXPECT_EQ(upload(bytes), Stored::already_stored);
  EXPECT_EQ(counted(), 1) << "the same image again costs no share of the day's uploads";
  EXPECT_EQ(stored(name_of(png("never uploaded"))), std::nullopt);
}

TEST_P(ImagesTest, AnUploadOverTheLimitWritesNothing) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(upload(png("image " + std::to_string(i))), Stored::added);
  EXPECT_EQ(upload(png("one too many")), Stored::over_limit);
  EXPECT_EQ(stored(name_of(png("one too many"))), std::nullopt);
  EXPECT_EQ(counted(), 3);
  EXPECT_EQ(upload(png("a day later"), 100 + 86'400), Stored::added) << "the limit is per day";
}

TEST_P(ImagesTest, ImportCopiesTheFolderImagesTheDatabaseLacks) {
  std::string old_image = png("taken before migration 17"), known = png("already stored");
  put_file(name_of(old_image), old_image);
  ASSERT_EQ(upload(known), Stored::added);
  put_file(name_of(known), known);
  put_file(name_of(png("the name of other bytes")), png("these bytes"));
  put_file(name_of(old_image) + ".0123456789ab.tmp", old_image);
  put_file("notes.txt", "not an image");

  EXPECT_EQ(import_folder(db(), folder_, 200), 1);
  EXPECT_EQ(stored(name_of(old_image)), old_image);
  EXPECT_EQ(stored(name_of(png("the name of other bytes"))), std::nullopt) << "a name that lies is left out";
  EXPECT_EQ(counted(), 1) << "imported images count against nobody's uploads";
  std::string later = png("a copy of an image removed since");
  put_file(name_of(later), later);
  EXPECT_EQ(import_folder(db(), folder_, 300), 0) << "a folder is imported once: its later files are copies";
  EXPECT_EQ(stored(name_of(later)), std::nullopt);
  EXPECT_EQ(import_folder(db(), folder_ / "missing", 300), 0);
}

TEST_P(ImagesTest, AFolderWithAnUnreadableImageIsImportedAgainAndNotPruned) {
  std::string unreadable = png("too large to be an image taken here") + std::string(kMaxBytes, 'x');
  put_file(std::string(32, 'c') + ".png", unreadable);
  EXPECT_EQ(import_folder(db(), folder_, 100), 0);
  EXPECT_EQ(clean_up(db(), folder_, 100 + 7 * 86'400, 3600), 0);
  EXPECT_TRUE(fs::exists(folder_ / (std::string(32, 'c') + ".png"))) << "maybe the only copy: the clean-up keeps it";
  std::string readable = png("found at the next start");
  put_file(name_of(readable), readable);
  EXPECT_EQ(import_folder(db(), folder_, 200), 1) << "not marked as imported: tried again";
}

TEST_P(ImagesTest, AnImageIsServedFromTheDatabaseOnlyWhenItsBytesAreTheNames) {
  std::string bytes = png("served");
  ASSERT_EQ(upload(bytes), Stored::added);
  EXPECT_EQ(load(db(), folder_, name_of(bytes)), bytes);
  EXPECT_EQ(read_copy(folder_, name_of(bytes)), bytes) << "kept as a copy";
  std::string other = png("corrupted in the database");
  ASSERT_EQ(upload(other), Stored::added);
  db().write_sync([&](store::Conn& c) {
    c.exec("UPDATE upload_files SET data = $1 WHERE name = $2",
           {crypto::base64(png("something else")), name_of(other)});
  });
  EXPECT_EQ(load(db(), folder_, name_of(other)), std::nullopt);
  EXPECT_EQ(read_copy(folder_, name_of(other)), std::nullopt) << "no copy of wrong bytes";
  db().write_sync([&](store::Conn& c) {
    c.exec("UPDATE upload_files SET data = 'not base64!' WHERE name = $1", {name_of(other)});
  });
  EXPECT_EQ(load(db(), folder_, name_of(other)), std::nullopt);
}

TEST_P(ImagesTest, ImportGoesThroughFoldersOfManyBatches) {
  for (int i = 0; i < 450; ++i) {
    std::string bytes = png("image " + std::to_string(i));
    put_file(name_of(bytes), bytes);
  }
  EXPECT_EQ(import_folder(db(), folder_, 200), 450);
  EXPECT_EQ(db().read_sync([](store::Conn& c) { return c.query_one("SELECT COUNT(*) FROM upload_files")->i64(0); }),
            450);
}

TEST_P(ImagesTest, TheCleanUpRemovesImagesNothingNamedAndTheCopiesOfThem) {
  std::string avatar = png("an app's avatar"), icon = png("a model's icon"), stray = png("never used"),
              fresh = png("uploaded a moment ago"), old = png("from before migration 17");
  for (const auto& bytes : {avatar, icon, stray}) ASSERT_EQ(upload(bytes, 100, 10), Stored::added);
  ASSERT_EQ(upload(fresh, 5000, 10), Stored::added);
  put_file(name_of(old), old);
  ASSERT_EQ(import_folder(db(), folder_, 100), 1);
  db().write_sync([&](store::Conn& c) {
    int64_t owner = store::users::create(c, {"maker", {}, "h"}, 1).id;
    store::AppContent content;
    content.title = "Has an avatar";
    content.avatar = "/uploads/" + name_of(avatar);
    store::apps::create(c, "avatar-app", owner, "user", content, 100);
    store::models::upsert(c, {"m", "M", "", "/uploads/" + name_of(icon), {}, 0, true}, 100);
  });
  for (const auto& bytes : {avatar, icon, stray, fresh}) ASSERT_TRUE(keep_copy(folder_, name_of(bytes), bytes));

  EXPECT_EQ(clean_up(db(), folder_, 100 + 3601, 3600), 1) << "only the stray image is old enough and unused";
  EXPECT_EQ(stored(name_of(stray)), std::nullopt);
  for (const auto& bytes : {avatar, icon, fresh, old}) EXPECT_EQ(stored(name_of(bytes)), bytes);
  EXPECT_EQ(read_copy(folder_, name_of(stray)), std::nullopt) << "its copy goes too";
  EXPECT_EQ(read_copy(folder_, name_of(avatar)), avatar);
  EXPECT_EQ(counted(), 4) << "the day's upload counts stay";

  ASSERT_EQ(upload(fresh, 8000, 10), Stored::already_stored);
  EXPECT_EQ(clean_up(db(), folder_, 5000 + 3601, 3600), 0) << "uploaded again: its time starts again";
  EXPECT_EQ(clean_up(db(), folder_, 8000 + 3601, 3600), 1) << "the fresh one, once unused for as long";
  EXPECT_EQ(stored_images(), 3);
}

TEST_P(ImagesTest, AnImageSentInAChatStaysAsLongAsItsConversation) {
  std::string photo = png("a photo"), other = png("another photo");
  for (const auto& bytes : {photo, other}) ASSERT_EQ(upload(bytes, 100, 10), Stored::added);
  const std::string url = name_of(photo), other_url = name_of(other);  // messages keep names
  auto send = [&](const std::vector<std::string>& images, int64_t now) {
    return db().write_sync([&](store::Conn& c) {
      if (!store::uploads::touch_all(c, {name_of(photo), name_of(other)}, now)) throw std::runtime_error("gone");
      auto conv = store::conversations::create(c, user_, "photos", "m", now);
      store::Message m;
      m.conversation_id = conv.id;
      m.role = "user";
      m.images = images;
      m.created_at = now;
      store::conversations::add_message(c, m);
      return conv.id;
    });
  };
  int64_t conv = send({other_url, url}, 2000);
  auto sent = db().read_sync([&](store::Conn& c) { return store::conversations::messages(c, conv); });
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].images, (std::vector<std::string>{other_url, url})) << "in the order sent";
  send({url}, 2000);

  EXPECT_EQ(clean_up(db(), folder_, 2000 + 3601, 3600), 0) << "both carried by a message";
  db().write_sync([&](store::Conn& c) { store::conversations::remove(c, user_, conv); });
  EXPECT_EQ(clean_up(db(), folder_, 2000 + 3601, 3600), 1) << "the other went with its only conversation";
  EXPECT_EQ(stored(name_of(other)), std::nullopt);
  EXPECT_EQ(stored(name_of(photo)), photo) << "still in the second conversation";
  db().write_sync([&](store::Conn& c) { store::conversations::remove_all(c, user_); });
  EXPECT_EQ(clean_up(db(), folder_, 2000 + 3599, 3600), 0) << "sent at 2000: its time starts again then";
  EXPECT_EQ(clean_up(db(), folder_, 2000 + 3601, 3600), 1);
  EXPECT_EQ(stored_images(), 0);
  EXPECT_FALSE(db().write_sync([&](store::Conn& c) { return store::uploads::touch_all(c, {name_of(photo)}, 9000); }))
      << "a removed image cannot be sent";
}

TEST_P(ImagesTest, ACleanUpSkipsAnImageAMessageBeingSentHasLocked) {
  if (GetParam() != "postgres") GTEST_SKIP() << "SQLite has one writer: a send and a clean-up cannot overlap";
  std::string photo = png("a photo being sent");
  ASSERT_EQ(upload(photo, 100, 10), Stored::added);
  // A send has locked the image (touch_all) and not committed yet; the clean-up runs meanwhile.
  std::promise<void> locked, release;
  std::thread sender([&] {
    db().write_sync([&](store::Conn& c) {
      if (!store::uploads::touch_all(c, {name_of(photo)}, 100)) throw std::runtime_error("gone");
      locked.set_value();
      release.get_future().wait();
    });
  });
  locked.get_future().wait();
  auto cleaning = std::async(std::launch::async, [&] { return clean_up(db(), folder_, 100 + 3601, 3600); });
  bool went_on = cleaning.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  release.set_value();
  sender.join();
  ASSERT_TRUE(went_on) << "the clean-up skips the locked row instead of waiting for it";
  EXPECT_EQ(cleaning.get(), 0);
  EXPECT_EQ(stored(name_of(photo)), photo);
  EXPECT_EQ(clean_up(db(), folder_, 100 + 3601, 3600), 1) << "the send left no message: the next clean-up takes it";
}

TEST_P(ImagesTest, ACopyIsKeptWholeAndReadBack) {
  std::string bytes = png("a copy");
  fs::path nested = folder_ / "uploads";  // made when missing
  EXPECT_EQ(read_copy(nested, name_of(bytes)), std::nullopt);
  ASSERT_TRUE(keep_copy(nested, name_of(bytes), bytes));
  EXPECT_EQ(read_copy(nested, name_of(bytes)), bytes);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(nested)) ++files;
  EXPECT_EQ(files, 1) << "no temporary file left behind";
}

}  // namespace
}  // namespace plaza::services::images
