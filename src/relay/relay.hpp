#pragma once
// The data plane: one core for /v1/chat/completions and the web chat. It picks channels in order,
// fails over before the first byte reaches the client, relays streams event by event with
// backpressure and heartbeats, cancels the upstream when the client leaves, and writes one usage
// event per request.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "billing/meter.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/stream.hpp"
#include "http/upstream_client.hpp"
#include "relay/channel_directory.hpp"
#include "store/database.hpp"
#include "store/group_writer.hpp"

namespace plaza::relay {

using boost::asio::awaitable;
namespace bj = boost::json;

struct Caller {
  int64_t user_id = 0;
  std::optional<int64_t> key_id;
  bool key_limited = false;             // the key carries a spending limit
  bool request_id_from_client = false;  // the client named the request (X-Request-Id): checked for reuse
  std::string group = "default";
  std::string surface = "api";              // web | api
  std::vector<std::string> allowed_models;  // the API key's allowlist; empty: all
  // A chat with an app: recorded on the usage event (creator revenue is computed from it).
  std::optional<int64_t> app_id;
  std::optional<int64_t> app_owner_id;
  std::string app_kind;
  money::Surcharge app_surcharge;  // the app's price on top of the model (creator revenue)
  std::string public_model;        // what the caller asked for ("app/<slug>"), when it differs from the model
  // The request holds text the caller may not read (an app's hidden preset): an upstream's error
  // message, which may quote the request, is not passed on (the request log keeps it).
  bool withhold_upstream_words = false;

  bool key_allows(const std::string& model) const {
    return allowed_models.empty() ||
           std::find(allowed_models.begin(), allowed_models.end(), model) != allowed_models.end();
  }
};

// The model an answer names: the one the caller asked for ("app/<slug>"), not the one behind it.
inline const std::string& shown_model(const Caller& caller, const std::string& model) {
  return caller.public_model.empty() ? model : caller.public_model;
}

struct RelayOptions {
  int max_attempts = 3;  // channels tried per request (the retry budget)
  std::chrono::milliseconds heartbeat{15'000};
  std::size_t max_response_bytes = 32 * 1024 * 1024;
  // A request's time limit, failover included: an answer still going then ends as timed out. Shorter
  // than the billing holds' lifetime, so a hold never expires under a request that is still running.
  std::chrono::seconds max_duration{1200};
};

// The error of a request that ran past RelayOptions::max_duration.
Error past_time_limit();

// What happened, for callers that keep a record (the web chat stores the answer).
struct Outcome {
  std::string text;  // the assistant's text as delivered
  // What else the model generated: reasoning, tool calls, choices after the first. Counted with
  // `text` when the upstream reports no usage; never shown.
  std::string other_output;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  bool reported = false;      // the upstream reported usage; otherwise the tokenizer counted
  // How many answers came (the highest choice index seen, plus one): a request for n of them is
  // charged a per-call price for those delivered, since many upstreams ignore n.
  int64_t answers = 0;
  std::string status = "ok";  // ok | error | cancelled
  std::string error_code;
  std::string error_message;
  std::string error_detail;           // Error::detail: the operator's log only
  std::optional<int64_t> channel_id;  // the channel that answered
  // A request that failed before any channel's answer reached the client: the last channel tried,
  // which the usage event names (a stream may have opened another on an earlier pass).
  std::optional<int64_t> last_tried_channel_id;
};

// Where a streamed answer goes: /v1 passes OpenAI chunks through, the web chat sends its own events.
class ChatOutput {
 public:
  virtual ~ChatOutput() = default;
  // Each returns false when the client is gone.
  virtual awaitable<bool> begin() = 0;                   // an upstream accepted the request: send the response head
  virtual awaitable<bool> chunk(bj::object& chunk) = 0;  // one chat.completion.chunk, model already public
  // An output that writes chunks out as JSON text takes them so (an OpenAI upstream's events are then
  // never read into documents): passes_text() says so, chunk_json() takes one. Otherwise chunk_json
  // reads the text into a document for chunk().
  virtual bool passes_text() const { return false; }
  virtual awaitable<bool> chunk_json(std::string json);
  virtual awaitable<bool> heartbeat() = 0;
  virtual awaitable<void> fail(const Error& error) = 0;  // the stream broke after begin()
  virtual awaitable<bool> end(const Outcome& outcome) = 0;
  // The answer is cut on purpose (an app's hidden preset leaking): tell the client and finish.
  virtual awaitable<void> cut(const std::string& message) = 0;
};

class Relay {
 public:
  using TokenCounter = std::function<int64_t(std::string_view model, std::string_view text)>;
  // Changes a whole answer before it goes to the client (an app's leak guard).
  using AnswerEdit = std::function<void(bj::object& answer)>;

  Relay(store::Database& db, store::GroupWriter& writer, http::UpstreamClient& client, ChannelDirectory& channels,
        const Clock& clock, TokenCounter count_tokens, RelayOptions options, billing::Meter* meter = nullptr);

  // The answer as JSON text for the client (`edit`, when given, changes it first). Throws
  // plaza::Error before any upstream call when the request is invalid or the model unknown.
  awaitable<std::string> complete(Caller caller, bj::object request, std::string request_id, Outcome& outcome,
                                  const AnswerEdit* edit = nullptr);
  // Errors before begin() are thrown (the caller answers them normally); later ones go to output.fail().
  awaitable<void> stream(Caller caller, bj::object request, std::string request_id, ChatOutput& output,
                         http::ResponseStream& downstream, Outcome& outcome);
  awaitable<std::vector<std::string>> models(Caller caller);

  ChannelDirectory& channels() { return channels_; }
  int64_t count_prompt_tokens(const std::string& model, const bj::object& request) const;
  // The tokens of everything the answer generated (its text and other_output).
  int64_t count_output_tokens(const std::string& model, const Outcome& outcome) const;

  struct Opened {  // an upstream that answered 2xx
    Candidate candidate;
    std::unique_ptr<http::UpstreamResponse> response;
  };

 private:
  awaitable<void> reload_channels();
  // Tries channels in order, skipping `tried` (and adding to it), until one answers 2xx. No attempt
  // starts, or runs, past `deadline` (the request's time limit).
  awaitable<Opened> open(const Caller& caller, const bj::object& request, bool stream, int& attempts,
                         std::vector<int64_t>& tried, std::chrono::steady_clock::time_point deadline);
  // Sets the request's maximum cost aside (billing); throws insufficient_balance before any upstream call.
  // `short_call`: not a stream (a lease may fund it, see billing/leases.hpp).
  awaitable<billing::Reservation> reserve(const Caller& caller, const std::string& request_id, const std::string& model,
                                          const bj::object& request, bool short_call);
  // A request refused before any upstream call: its holds are voided and no usage event is written.
  awaitable<void> release(const billing::Reservation& reservation);
  // Settles the charge and writes the usage event, in one transaction. `may_lag`: the call owes
  // nothing and nobody needs its row before the answer (see Relay::complete), so it is queued.
  awaitable<void> record(const Caller& caller, const billing::Reservation& reservation, const std::string& model,
                         const Outcome& outcome, int attempts, std::chrono::steady_clock::time_point started,
                         std::optional<int64_t> ttft_ms, bool may_lag = false);
  awaitable<void> disable_key(const Candidate& c, const std::string& reason);
  void submit_lazily(int64_t lane, std::string request_id, std::function<void(store::Conn&)> write, int attempt);

  store::Database& db_;
  store::GroupWriter& writer_;
  http::UpstreamClient& client_;
  ChannelDirectory& channels_;
  const Clock& clock_;
  TokenCounter count_tokens_;
  RelayOptions options_;
  billing::Meter* meter_;  // null: billing off (benchmarks compare against it)
};

}  // namespace plaza::relay
