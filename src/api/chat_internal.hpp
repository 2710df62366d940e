#pragma once
// What the web chat's files share: chat_handlers.cpp (the models and conversations), chat_send.cpp
// (/api/chat: the question) and chat_answer.cpp (streaming its answer). For those files only.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/middleware.hpp"
#include "services/apps.hpp"
#include "store/database.hpp"
#include "store/relay_records.hpp"

namespace plaza::api::chat_internal {

// Bounds on what one user keeps and sends: the history goes upstream with every message (all of it
// unless the model's context_length leaves the oldest turns out).
constexpr int64_t kMaxConversations = 10'000;
constexpr std::size_t kMaxMessages = 1'000;

boost::json::object message_json(const store::Message& m);
void check_room_for_a_conversation(store::Conn& c, int64_t user);

struct Replaced {
  int64_t from = 0;
  int64_t before = 0;
};

// What a question was sent without.
struct LeftOut {
  std::size_t messages = 0;  // the oldest turns: the model's context had no room for them
  std::size_t images = 0;    // the oldest images: the request would have been too large
};

// What post_chat stored before it asks for the answer.
struct Prepared {
  int64_t conversation_id;
  int64_t user_message_id;
  std::vector<store::Message> history;  // what the upstream is asked to answer
  std::optional<Replaced> replaced;
  std::size_t images_left_out = 0;  // the oldest images of `history`, not sent: the request would be too large
};

// Asks the upstream to answer the prepared history and streams the answer to the web client, which
// WebChatOutput stores as it ends. `created`/`added`: what this request stored that a refusal undoes.
// The write that ends it (the saved answer, or the undo of a refused or abandoned one) gives the
// conversation's lease back.
awaitable<void> answer(Ctx& ctx, const std::string& model, const std::optional<services::AppChat>& app,
                       const Prepared& prepared, const std::string& rid, bool created, bool added);

}  // namespace plaza::api::chat_internal
