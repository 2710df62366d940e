#pragma once
// Images sent with a web chat message: named in the request as "/uploads/<name>" URLs of uploaded
// images, kept with the message, and sent upstream as data URLs with every later turn too (an
// upstream keeps nothing between requests, and cannot reach this site's URLs).
#include <boost/json/fwd.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/relay_records.hpp"

namespace plaza::api::chat_images {

inline constexpr std::size_t kMaxPerMessage = 4;

// The request's `images`, by name: at most kMaxPerMessage well-formed "/uploads/<name>" URLs,
// repeats dropped; throws invalid_request naming `images` otherwise.
std::vector<std::string> requested(const boost::json::object& body);
// An image's URL, as messages show it.
std::string url_of(const std::string& name);

// Checks that every one of `names` is a stored image that `user_id` may see (not_found otherwise).
// The message that carries them keeps them from the unused-upload clean-up for as long as it exists.
void claim(store::Conn& c, int64_t user_id, const std::vector<std::string>& names, int64_t now);

// Takes images out of what `history` sends: every one for a model that reads none; otherwise the
// oldest messages' (the last message, the question, keeps its own) until what they add to the
// request is at most `budget` bytes, or none is left to take. Each message sends its images again;
// sizes are read without the images themselves. A message of images alone says in words that they
// were there, so that the turns still alternate (many chat templates refuse two answers in a row).
struct Fitted {
  int64_t bytes = 0;         // what the images still in `history` add
  std::size_t left_out = 0;  // stored images no longer sent with any message
};
Fitted fit(store::Conn& c, std::vector<store::Message>& history, int64_t budget, bool reads_images);

// Name -> data URL of every image the history's messages carry (one read each, however often it is
// sent). An image gone from the database is left out of what is sent.
using DataUrls = std::map<std::string, std::string>;
DataUrls load(store::Conn& c, const std::vector<store::Message>& history);
bool any(const std::vector<store::Message>& history);

// A message's content as the upstream gets it: its text alone, or, with images, its text and
// its images as parts.
boost::json::value content(const store::Message& m, const DataUrls& data);

}  // namespace plaza::api::chat_images
