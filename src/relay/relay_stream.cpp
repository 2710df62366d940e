// Relaying a streamed answer. A pump coroutine reads the upstream body and hands each piece over a
// rendezvous channel; the relay loop takes one piece, writes its events downstream, and only then
// takes the next — so a slow client slows the upstream read (backpressure). While waiting it also
// watches the client socket (to cancel the upstream the moment the client leaves) and a heartbeat
// timer (SSE comments keep proxies from closing a silent stream).
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "core/json.hpp"
#include "core/sse.hpp"
#include "relay/answer_scan.hpp"
#include "relay/anthropic.hpp"
#include "relay/relay.hpp"
#include "relay/upstream_format.hpp"

namespace plaza::relay {

namespace asio = boost::asio;
using PieceChannel = asio::experimental::channel<void(boost::system::error_code, std::string)>;

namespace {

struct PumpState {
  PumpState(asio::any_io_executor ex, std::unique_ptr<http::UpstreamResponse> r)
      : response(std::move(r)), channel(ex, 0) {}
  // Closing the connection fails the pump's read; cancelling the channel fails a send it is blocked
  // in (close() alone leaves a blocked sender waiting forever).
  void stop() {
    response->cancel();
    channel.cancel();
    channel.close();
  }
  std::unique_ptr<http::UpstreamResponse> response;
  PieceChannel channel;
  bool timed_out = false;
};

// What may wake the relay loop while it waits for the next piece: the heartbeat timer and the
// client's departure, which cancel the wait through `wake`. Shared with their callbacks, which may
// run after the loop has moved on; a plain callback and a cancellation signal keep a held stream
// far smaller than a coroutine per waiting party would.
struct Waiting {
  asio::cancellation_signal wake;        // cancels the loop's wait for a piece
  asio::cancellation_signal stop_watch;  // ends the watch on the client
  uint64_t round = 0;                    // the wait a heartbeat timer was set for
  bool heartbeat_due = false;
  bool client_gone = false;
};

// Reads the upstream body piece by piece; an empty piece marks its end, an error code a failure.
awaitable<void> pump(std::shared_ptr<PumpState> state) {
  for (;;) {
    boost::system::error_code ec;
    std::string piece;
    try {
      auto next = co_await state->response->read_some();
      if (next) piece = std::move(*next);
    } catch (const http::UpstreamFailure& f) {
      state->timed_out = f.kind() == http::UpstreamFailure::Kind::timeout;
      ec = asio::error::connection_aborted;
    }
    bool last = ec || piece.empty();
    auto [sec] = co_await state->channel.async_send(ec, std::move(piece), asio::as_tuple(asio::use_awaitable));
    if (sec || last) co_return;  // the relay loop has gone, or the body is complete
  }
}

// One chunk for the client: a document, or its JSON text for an output that passes text on.
struct Chunk {
  bj::object doc;
  std::optional<std::string> json;
  bool has_text = false;  // it carries answer text (the time to first token counts to it)
};

// A stream's opening chunk that says only who speaks (`delta: {role, content: ""}`, as OpenAI and
// Anthropic's message_start begin): nothing of the answer yet. It is held back until something follows,
// so an upstream that fails right after it (Anthropic's overloaded_error) is still failed over.
bool says_only_the_role(const Chunk& c) {
  if (c.has_text) return false;
  bj::value parsed;
  const bj::object* doc = &c.doc;
  if (c.json) {  // the text way: read once a stream, for its first chunk only
    boost::system::error_code ec;
    parsed = bj::parse(*c.json, ec);
    if (ec || !parsed.is_object()) return false;
    doc = &parsed.as_object();
  }
  if (auto usage = doc->if_contains("usage"); usage && !usage->is_null()) return false;
  auto choices = doc->if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().size() != 1) return false;
  const auto* choice = choices->as_array()[0].if_object();
  if (!choice) return false;
  if (auto finish = choice->if_contains("finish_reason"); finish && !finish->is_null()) return false;
  const auto* delta = choice->contains("delta") ? choice->at("delta").if_object() : nullptr;
  if (!delta) return false;
  for (const auto& [key, value] : *delta) {
    bool empty = value.is_null() || (value.is_string() && value.as_string().empty());
    if (!(key == "role" || ((key == "content" || key == "refusal") && empty))) return false;
  }
  return true;
}

awaitable<bool> deliver(ChatOutput& output, Chunk& chunk) {
  if (chunk.json) co_return co_await output.chunk_json(std::move(*chunk.json));
  co_return co_await output.chunk(chunk.doc);
}

// Turns upstream events into OpenAI chunks, whatever the upstream type.
class ChunkSource {
 public:
  ChunkSource(const Candidate& c, std::string public_model, int64_t created, bool client_wants_usage, bool as_text)
      : anthropic_(c.channel->type == "anthropic"),
        model_(std::move(public_model)),
        wants_usage_(client_wants_usage),
        as_text_(as_text),
        converter_(model_, "chatcmpl-" + std::to_string(created), created, true) {}

  // Appends the chunks of one event; returns false when the upstream sent an error or garbage.
  bool on_event(const SseEvent& ev, std::vector<Chunk>& out, Outcome& outcome) {
    if (anthropic_) {
      for (auto& text : converter_.on_event(ev.event, ev.data)) {
        auto v = bj::parse(text);
        if (!keep(v.as_object(), outcome)) continue;
        add(out, std::move(v.as_object()));
      }
      if (converter_.error()) return false;
      auto u = converter_.usage();
      if (u.reported) {
        outcome.prompt_tokens = u.prompt_tokens;
        outcome.completion_tokens = u.completion_tokens;
        outcome.cached_tokens = u.cached_tokens;
        outcome.reported = true;
      }
      done_ = converter_.finished();
      return true;
    }
    if (ev.data == "[DONE]") {
      done_ = true;
      return true;
    }
    if (as_text_) {
      if (auto scanned = scan_chunk(ev.data)) return pass_text(ev.data, *scanned, out, outcome);
    }
    boost::system::error_code ec;
    auto v = bj::parse(ev.data, ec, json::arena());
    if (ec || !v.is_object()) return false;
    auto& chunk = v.as_object();
    if (chunk.if_contains("error")) return false;
    chunk["model"] = model_;
    if (!keep(chunk, outcome)) return true;
    add(out, std::move(chunk));
    return true;
  }

  bool done() const { return done_; }

 private:
  void add(std::vector<Chunk>& out, bj::object chunk) {
    bool has_text = !delta_text(chunk).empty();
    if (as_text_) {
      out.push_back({{}, bj::serialize(chunk), has_text});
    } else {
      out.push_back({std::move(chunk), std::nullopt, has_text});
    }
  }

  // keep() and the model's rewrite, on the event's text.
  bool pass_text(std::string_view data, ScannedChunk& scanned, std::vector<Chunk>& out, Outcome& outcome) {
    if (scanned.error) return false;
    take_usage(scanned.top, outcome);
    outcome.text += scanned.text;
    outcome.other_output += scanned.other;
    if (scanned.top.choices && !scanned.no_choices)
      outcome.answers = std::max<int64_t>(outcome.answers, 1);  // n is 1 here
    if (!wants_usage_ && scanned.no_choices) return true;
    out.push_back({{}, rewrite_chunk(data, scanned, model_, !wants_usage_), !scanned.text.empty()});
    return true;
  }

  // Records usage and text; false for the usage-only chunk the client did not ask for.
  bool keep(bj::object& chunk, Outcome& outcome) {
    if (auto u = chunk.if_contains("usage"); u && u->is_object()) take_usage(chunk, outcome);
    outcome.text += delta_text(chunk);
    append_other_output(chunk, "delta", outcome.other_output);
    count_answers(chunk, outcome);
    auto choices = chunk.if_contains("choices");
    bool usage_only = choices && choices->is_array() && choices->as_array().empty();
    if (!wants_usage_) {
      if (usage_only) return false;
      chunk.erase("usage");
    }
    return true;
  }

  bool anthropic_;
  std::string model_;
  bool wants_usage_;
  bool as_text_;
  anthropic::StreamConverter converter_;
  bool done_ = false;
};

}  // namespace

awaitable<bool> ChatOutput::chunk_json(std::string json) {
  auto v = bj::parse(json);
  co_return co_await chunk(v.as_object());
}

awaitable<void> Relay::stream(Caller caller, bj::object request, std::string request_id, ChatOutput& output,
                              http::ResponseStream& downstream, Outcome& outcome) {
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + options_.max_duration;
  std::string model = requested_model(request);
  auto reservation = co_await reserve(caller, request_id, model, request, false);
  auto ex = co_await asio::this_coro::executor;
  int attempts = 0;
  std::vector<int64_t> tried;
  std::optional<int64_t> ttft_ms;
  std::optional<Error> broken;
  bool began = false;  // the response head went to the client: no more failover
  std::optional<Chunk> held;  // the pass's opening chunk, not sent yet (says_only_the_role)
  auto waiting = std::make_shared<Waiting>();
  bool& client_gone = waiting->client_gone;  // a write to it failed, or the watch saw it leave
  downstream.watch_close(waiting->stop_watch.slot(), waiting, [w = waiting.get()] {
    w->client_gone = true;  // the watch ends with `waiting` (see watch_close): w is alive here
    w->wake.emit(asio::cancellation_type::terminal);
  });

  // Each pass opens the next channel. A pass that fails before anything reached the client
  // (closed, reset, malformed or silent before its first event) falls through to the next one.
  for (;;) {
    std::optional<Error> refused;
    std::optional<Opened> opened;
    // While an upstream has not answered, a client that leaves cancels the wait (and with it the
    // upstream request): `wake` is what the watch on the client emits. open() takes this frame's
    // locals by reference: safe because this coroutine waits for it to finish.
    auto until_client_leaves = asio::bind_cancellation_slot(waiting->wake.slot(), asio::use_awaitable);
    int attempts_before = attempts;
    try {
      opened.emplace(
          co_await asio::co_spawn(ex, open(caller, request, true, attempts, tried, deadline), until_client_leaves));
    } catch (const Error& e) {
      // No channel left to try after a pass that broke: the break is the answer, as for a plain request.
      bool only_the_break = broken && attempts == attempts_before && std::chrono::steady_clock::now() < deadline;
      refused = only_the_break ? *broken : e;
    } catch (const std::exception& e) {
      // Not the upstream's answer: the database failed while choosing a channel or disabling a key.
      // Refused like any request no channel served, so its holds are released and the caller undoes
      // what it stored. A client that left makes the cancelled wait fail too, of no interest.
      if (!client_gone) {
        spdlog::error("request {}: {}", request_id, e.what());
        refused = Error(ErrorCode::internal, "the request could not be relayed; try again");
      }
    }
    waiting->wake.slot().clear();
    if (client_gone) break;  // recorded as cancelled below; nothing more to send
    if (refused) {
      // Nothing was sent: the handler answers the error (or, after a failed pass, the last error).
      // A pass that broke after its held opening chunk may have reported output (Anthropic's
      // message_start counts a token): none of it was delivered, so none is counted.
      outcome.completion_tokens = 0;
      outcome.text.clear();
      outcome.status = "error";
      outcome.error_code = std::string(to_string(refused->code()));
      outcome.error_message = refused->what();
      outcome.error_detail = refused->detail;
      if (!tried.empty()) outcome.last_tried_channel_id = tried.back();
      waiting->stop_watch.emit(asio::cancellation_type::terminal);
      if (attempts > 0)
        co_await record(caller, reservation, model, outcome, attempts, started, std::nullopt);
      else
        co_await release(reservation);
      throw *refused;
    }
    outcome.channel_id = opened->candidate.channel->id;
    held.reset();
    outcome.text.clear();
    outcome.other_output.clear();
    outcome.reported = false;
    outcome.answers = 0;
    outcome.prompt_tokens = outcome.completion_tokens = outcome.cached_tokens = 0;  // a failed pass counts nothing

    auto state = std::make_shared<PumpState>(ex, std::move(opened->response));
    asio::co_spawn(ex, pump(state), asio::detached);
    // Several choices go the document way: the scan reads only the first.
    auto n = request.if_contains("n");
    bool several = n && n->is_int64() && n->as_int64() > 1;
    ChunkSource source(opened->candidate, shown_model(caller, model), clock_.now_s(), client_wants_usage(request),
                       output.passes_text() && !several);
    SseParser parser;
    asio::steady_timer heartbeat(ex);
    std::vector<Chunk> chunks;
    bool upstream_done = false;
    bool answered = false;  // a chunk came: the stream is an answer (not an error sent with a 200)
    // When the client last got something. The heartbeat counts from it, not from the upstream's last
    // piece: an upstream that sends only comments while it thinks (OpenRouter does, for minutes)
    // would otherwise keep the client without a byte until a proxy between cuts it.
    auto client_heard = std::chrono::steady_clock::now();
    std::size_t bytes_heard = downstream.bytes();
    broken.reset();
    try {
      // The flag is read before each wait: a client that left while the loop was writing sends no
      // wake-up that a wait could see.
      while (!upstream_done && !client_gone && !broken) {
        // The upstream's reads stop at the deadline; this stops an answer a slow client kept going.
        if (std::chrono::steady_clock::now() >= deadline) {
          broken = past_time_limit();
          break;
        }
        uint64_t round = ++waiting->round;
        waiting->heartbeat_due = false;
        heartbeat.expires_at(client_heard + options_.heartbeat);
        heartbeat.async_wait([weak = std::weak_ptr<Waiting>(waiting), round](boost::system::error_code ec) {
          auto w = weak.lock();
          if (ec || !w || w->round != round) return;  // cancelled, or late for a wait that is over
          w->heartbeat_due = true;
          w->wake.emit(asio::cancellation_type::terminal);
        });
        auto [ec, piece] = co_await state->channel.async_receive(
            asio::bind_cancellation_slot(waiting->wake.slot(), asio::as_tuple(asio::use_awaitable)));
        // The receive is over, but its cancellation handler (which points at this pass's channel)
        // stays in the slot until cleared: a later wake-up must find nothing to cancel.
        waiting->wake.slot().clear();
        ++waiting->round;
        heartbeat.cancel();
        if (client_gone) break;
        if (ec == asio::experimental::error::channel_cancelled && waiting->heartbeat_due) {
          // A long silence before the first event: commit to this upstream so heartbeats can flow.
          if (!began) {
            began = true;
            if (!(co_await output.begin())) client_gone = true;
            if (!client_gone && held && !(co_await deliver(output, *held))) client_gone = true;
            held.reset();
            if (client_gone) break;
          }
          if (!(co_await output.heartbeat())) client_gone = true;
          client_heard = std::chrono::steady_clock::now();
          bytes_heard = downstream.bytes();
          continue;
        }
        if (ec) {
          if (std::chrono::steady_clock::now() >= deadline)
            broken = past_time_limit();
          else if (state->timed_out)
            broken = Error(ErrorCode::upstream_timeout, ttft_ms ? "the upstream went silent mid-answer"
                                                                : "the upstream went silent before answering");
          else
            broken = Error(ErrorCode::upstream_error, "the upstream broke off its answer");
          break;
        }
        if (piece.empty()) upstream_done = true;  // the body ended; a missing [DONE] is tolerated
        parser.feed(piece);
        try {
          while (auto ev = parser.next()) {
            chunks.clear();
            if (!source.on_event(*ev, chunks, outcome)) {
              // An error event's own words ("Overloaded"), without the channel's key or URL; else
              // the event was not one the protocol has.
              std::string said = scrub(upstream_error_message(opened->candidate, ev->data), opened->candidate);
              broken = Error(ErrorCode::upstream_error, said.empty() ? "the upstream sent a malformed or failed stream"
                                                        : caller.withhold_upstream_words
                                                            ? "the upstream failed mid-stream"
                                                            : "the upstream failed mid-stream: " + said);
              broken->detail = said.empty() ? "malformed stream event" : "stream error event: " + said;
              break;
            }
            answered = answered || !chunks.empty();
            if (!began && !held && chunks.size() == 1 && says_only_the_role(chunks[0])) {
              held = std::move(chunks[0]);
              continue;
            }
            if (!chunks.empty() && !began) {
              began = true;
              channels_.record_success(opened->candidate.channel->id);
              if (!(co_await output.begin())) client_gone = true;
              if (!client_gone && held && !(co_await deliver(output, *held))) client_gone = true;
              held.reset();
              if (client_gone) break;
            }
            for (auto& chunk : chunks) {
              if (!ttft_ms && chunk.has_text)
                ttft_ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                        .count();
              if (!(co_await deliver(output, chunk))) {
                client_gone = true;
                break;
              }
            }
            if (client_gone) break;
            // Only what was written counts (the web chat writes nothing of a reasoning-only chunk).
            if (downstream.bytes() != bytes_heard) {
              bytes_heard = downstream.bytes();
              client_heard = std::chrono::steady_clock::now();
            }
            if (source.done()) upstream_done = true;
          }
        } catch (const std::length_error&) {
          broken = Error(ErrorCode::upstream_error, "the upstream sent an oversized event");
        } catch (const std::exception&) {
          broken = Error(ErrorCode::upstream_error, "the upstream sent an event that could not be read");
        }
      }
    } catch (...) {
      // Whatever went wrong on the way out (a database error saving a web chat's message), the
      // pump must not stay blocked on a channel nobody reads, holding the upstream connection.
      state->stop();
      waiting->stop_watch.emit(asio::cancellation_type::terminal);
      throw;
    }
    heartbeat.cancel();
    state->stop();
    // Nothing came, or only the opening chunk and then the end of the body without the stream's own
    // end ([DONE], message_stop): no answer, and nothing of it reached the client.
    if (upstream_done && (!answered || (held && !began && !source.done())) && !broken && !client_gone)
      broken = Error(ErrorCode::upstream_error, "the upstream sent no answer");

    if (broken && !began && !client_gone) {
      // Past the time limit the channel is not at fault, and open() refuses to try another.
      if (std::chrono::steady_clock::now() < deadline) {
        channels_.record_failure(opened->candidate.channel->id);
        spdlog::warn("channel {} failed before its first event: {}", opened->candidate.channel->id, broken->what());
      }
      continue;  // nothing reached the client: try the next channel
    }
    break;
  }

  waiting->stop_watch.emit(asio::cancellation_type::terminal);
  if (!outcome.reported) {
    outcome.prompt_tokens = count_prompt_tokens(model, request);
    outcome.completion_tokens = count_output_tokens(model, outcome);
  } else if (client_gone || broken) {
    // A stream cut short may carry only the usage of its start (Anthropic's message_start reports 1
    // output token): what was delivered counts at least as much as the tokenizer says, and an answer
    // that delivered nothing is not charged as one that did.
    int64_t delivered = count_output_tokens(model, outcome);
    outcome.completion_tokens = delivered == 0 ? 0 : std::max(outcome.completion_tokens, delivered);
  }
  if (client_gone) {
    outcome.status = "cancelled";
  } else if (broken) {
    outcome.status = "error";
    outcome.error_code = std::string(to_string(broken->code()));
    outcome.error_message = broken->what();
    outcome.error_detail = broken->detail;
  }
  // Settled before the last event: a client that has seen the end of its answer finds the charge
  // and the usage (and may rate the app it used) at once.
  co_await record(caller, reservation, model, outcome, attempts, started, ttft_ms);
  if (client_gone) co_return;
  if (broken) {
    co_await output.fail(*broken);
  } else {
    if (!began) {
      co_await output.begin();  // an empty answer still gets a head, and its opening chunk
      if (held && !(co_await deliver(output, *held))) co_return;
    }
    co_await output.end(outcome);
  }
}

}  // namespace plaza::relay
