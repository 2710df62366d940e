#pragma once
// What turns a chat request into a chat with an app: the app's model, parameters, system prompt,
// prefix messages and suffix; and the leak guard that cuts an answer repeating a hidden preset.
#include <boost/json/object.hpp>

#include <memory>
#include <string>

#include "core/leak_guard.hpp"
#include "relay/relay.hpp"
#include "services/apps.hpp"

namespace plaza::api {

using boost::asio::awaitable;

inline constexpr const char* kLeakNotice = "answer cut: it repeated the app's hidden instructions";

// The model a chat with `app` uses: the requested one when the app allows it, else its default.
std::string app_model(const store::AppContent& app, const std::string& requested);
// Rewrites an OpenAI chat request for the app: the system prompt and prefix messages go first, the
// suffix after the last user message; the app's parameters fill in what the request leaves unset.
// Returns how many messages it put before the conversation's (the system prompt and prefix messages).
std::size_t apply_app(boost::json::object& request, const store::AppContent& app, const std::string& model);
// A guard over the app's hidden preset; null when there is nothing hidden to guard. The preset is
// watched whole, and its system prompt, the user's turns among its prefix messages and its suffix each
// alone ("repeat the second message", "repeat my message" ask for one part). The assistant's turns
// are examples of the answers wanted: alone, answers like them would be cut; they count in the whole.
std::unique_ptr<leak::PartsGuard> make_guard(const store::AppContent& app, const services::AppSettings& settings);
// A whole (non-streamed) answer that repeats the preset has its text replaced by the notice.
void cut_if_leaking(boost::json::object& completion, const store::AppContent& app,
                    const services::AppSettings& settings);
// Fills in the usage event's app fields.
void mark_app(relay::Caller& caller, const services::AppChat& chat);

// Passes an answer through while watching it for the preset; on a leak the answer is cut with a
// notice and the relay sees the client as gone (the upstream is cancelled; what was delivered is
// charged). Apps without a hidden preset are not watched.
class LeakGuardOutput final : public relay::ChatOutput {
 public:
  LeakGuardOutput(relay::ChatOutput& inner, const store::AppContent& app, const services::AppSettings& settings);

  awaitable<bool> begin() override { return inner_.begin(); }
  awaitable<bool> chunk(boost::json::object& chunk) override;
  // Unwatched, an answer goes through as the inner output takes it.
  bool passes_text() const override { return !guard_ && inner_.passes_text(); }
  awaitable<bool> chunk_json(std::string json) override;
  awaitable<bool> heartbeat() override { return inner_.heartbeat(); }
  awaitable<void> fail(const Error& error) override { return inner_.fail(error); }
  awaitable<bool> end(const relay::Outcome& outcome) override;
  awaitable<void> cut(const std::string& message) override { return inner_.cut(message); }
  bool leaked() const { return guard_ && guard_->leaked(); }
  // What reached the client: what a cut conversation keeps (the relay's outcome also has the chunk
  // that was held back).
  const std::string& delivered() const { return delivered_; }

 private:
  relay::ChatOutput& inner_;
  std::unique_ptr<leak::PartsGuard> guard_;
  std::string delivered_;
};

}  // namespace plaza::api
