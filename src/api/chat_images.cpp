#include "api/chat_images.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "store/uploads_repo.hpp"

namespace plaza::api::chat_images {

namespace bj = boost::json;

namespace {
constexpr std::string_view kPrefix = "/uploads/";

// What comes before an image's base64 in its data URL.
std::string data_url_head(const std::string& name) {
  return "data:image/" + std::string(store::uploads::type_of_name(name)) + ";base64,";
}
}  // namespace

std::string url_of(const std::string& name) {
  return std::string(kPrefix) + name;
}

std::vector<std::string> requested(const bj::object& body) {
  const bj::value* v = body.if_contains("images");
  if (!v || v->is_null()) return {};
  if (!v->is_array()) throw Error(ErrorCode::invalid_request, "images must be a list of image URLs", "images");
  const auto& list = v->as_array();
  if (list.size() > kMaxPerMessage)
    throw Error(ErrorCode::invalid_request, "at most 4 images go with a message", "images");
  std::vector<std::string> out;
  for (const auto& item : list) {
    const bj::string* url = item.if_string();
    if (!url || !url->starts_with(kPrefix) ||
        store::uploads::type_of_name(std::string_view(*url).substr(kPrefix.size())).empty())
      throw Error(ErrorCode::invalid_request, "images must be the /uploads/ URLs of uploaded images", "images");
    std::string name(std::string_view(*url).substr(kPrefix.size()));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

void claim(store::Conn& c, int64_t user_id, const std::vector<std::string>& names, int64_t now) {
  if (!store::uploads::touch_all(c, names, now))
    throw Error(ErrorCode::not_found, "no such image: upload it first", "images");
  // Another user's photo is not sent by a URL that came to hand: only what this user uploaded or
  // anyone may see.
  for (const auto& name : names)
    if (!store::uploads::visible_to(c, name, user_id))
      throw Error(ErrorCode::not_found, "no such image: upload it first", "images");
}

DataUrls load(store::Conn& c, const std::vector<store::Message>& history) {
  DataUrls out;
  for (const auto& m : history) {
    for (const auto& name : m.images) {
      if (out.contains(name)) continue;
      auto data = store::uploads::image_data(c, name);
      if (!data) continue;
      out.emplace(name, data_url_head(name) + *data);
    }
  }
  return out;
}

Fitted fit(store::Conn& c, std::vector<store::Message>& history, int64_t budget, bool reads_images) {
  std::map<std::string, int64_t> sizes;  // an image sent with several messages is read once; 0: gone
  std::vector<int64_t> per_message(history.size(), 0);
  Fitted f;
  for (std::size_t i = 0; i < history.size(); ++i) {
    for (const auto& name : history[i].images) {
      auto [it, added] = sizes.emplace(name, 0);
      if (added) {
        if (auto length = store::uploads::data_length(c, name))
          it->second = static_cast<int64_t>(data_url_head(name).size()) + *length;
      }
      per_message[i] += it->second;
    }
    f.bytes += per_message[i];
  }
  std::set<std::string> taken;
  auto take_images = [&](std::size_t i) {
    store::Message& m = history[i];
    if (m.images.empty()) return;
    if (m.content.empty())
      m.content =
          m.images.size() == 1 ? "[an image, not sent]" : "[" + std::to_string(m.images.size()) + " images, not sent]";
    taken.insert(m.images.begin(), m.images.end());
    m.images.clear();
    f.bytes -= per_message[i];
  };
  if (!reads_images)
    for (std::size_t i = 0; i < history.size(); ++i) take_images(i);
  for (std::size_t i = 0; f.bytes > budget && i + 1 < history.size(); ++i) take_images(i);
  for (const auto& name : taken) {
    bool still_sent = std::any_of(history.begin(), history.end(), [&](const auto& m) {
      return std::find(m.images.begin(), m.images.end(), name) != m.images.end();
    });
    if (!still_sent && sizes[name] > 0) ++f.left_out;
  }
  return f;
}

bool any(const std::vector<store::Message>& history) {
  return std::any_of(history.begin(), history.end(), [](const auto& m) { return !m.images.empty(); });
}

bj::value content(const store::Message& m, const DataUrls& data) {
  if (m.images.empty()) return bj::string(m.content);
  bj::array parts;
  if (!m.content.empty()) parts.push_back(bj::object{{"type", "text"}, {"text", m.content}});
  for (const auto& name : m.images)
    if (auto it = data.find(name); it != data.end())
      parts.push_back(bj::object{{"type", "image_url"}, {"image_url", bj::object{{"url", it->second}}}});
  if (parts.empty()) return bj::string(m.content);  // its images are gone: nothing but its (empty) text
  return parts;
}

}  // namespace plaza::api::chat_images
