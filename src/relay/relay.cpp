#include "relay/relay.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "relay/answer_scan.hpp"
#include "relay/anthropic.hpp"
#include "relay/request_fields.hpp"
#include "relay/upstream_format.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/ledger_repo.hpp"
#include "store/relay_repo.hpp"
#include "store/settings_repo.hpp"

namespace plaza::relay {

Relay::Relay(store::Database& db, store::GroupWriter& writer, http::UpstreamClient& client, ChannelDirectory& channels,
             const Clock& clock, TokenCounter count_tokens, RelayOptions options, billing::Meter* meter)
    : db_(db),
      writer_(writer),
      client_(client),
      channels_(channels),
      clock_(clock),
      count_tokens_(std::move(count_tokens)),
      options_(options),
      meter_(meter) {}

int64_t Relay::count_prompt_tokens(const std::string& model, const bj::object& request) const {
  int64_t n = count_tokens_(model, prompt_text(request)) + message_overhead(request);
  if (int64_t images = image_count(request)) n += images * channels_.image_tokens(model);
  return n;
}

int64_t Relay::count_output_tokens(const std::string& model, const Outcome& outcome) const {
  int64_t n = count_tokens_(model, outcome.text);
  return outcome.other_output.empty() ? n : n + count_tokens_(model, outcome.other_output);
}

Error past_time_limit() {
  return Error(ErrorCode::upstream_timeout, "the request ran past its time limit");
}

awaitable<void> Relay::reload_channels() {
  co_await store::run_on_pool(db_, [this] { channels_.reload(); });
}

awaitable<std::vector<std::string>> Relay::models(Caller caller) {
  if (auto claim = channels_.claim_reload()) co_await reload_channels();  // a coroutine frame only then
  auto served = channels_.models_for_group(caller.group);
  std::vector<std::string> out;
  for (const auto& id : served) {
    if (caller.key_allows(id)) out.push_back(id);
  }
  co_return out;
}

awaitable<void> Relay::disable_key(const Candidate& c, const std::string& reason) {
  int64_t channel_id = c.channel->id;
  int64_t key_id = c.key_id;
  spdlog::warn("channel {} key {} disabled: {}", channel_id, key_id, reason);
  co_await store::write(db_, [&](store::Conn& conn) {
    store::announce(conn, "channels");
    auto done = store::channels::disable_key(conn, channel_id, key_id, reason, clock_.now_s());
    // In the audit log as well as in the server's: the operator's record of what changed on its own
    // (once, by the request that switched it off).
    if (done.key_was_on)
      store::audit::record(conn, std::nullopt, "relay.channel_key.disabled", "channel:" + std::to_string(channel_id),
                           "key " + std::to_string(key_id) + ": " + reason, clock_.now_s());
  });
  channels_.invalidate();
}

awaitable<Relay::Opened> Relay::open(const Caller& caller, const bj::object& request, bool stream, int& attempts,
                                     std::vector<int64_t>& tried, std::chrono::steady_clock::time_point deadline) {
  std::string model = requested_model(request);
  if (auto claim = channels_.claim_reload()) co_await reload_channels();
  auto route = channels_.route(model, caller.group);
  if (route.disabled) throw Error(ErrorCode::not_found, "the model '" + model + "' is not available", "model");
  // Refused here rather than by the upstream: the same answer from every channel, and no call spent.
  if (!route.reads_images && image_count(request) > 0)
    throw Error(ErrorCode::invalid_request, "the model '" + model + "' reads no images: send text only", "messages");
  auto candidates = std::move(route.candidates);
  if (candidates.empty()) throw Error(ErrorCode::not_found, "the model '" + model + "' does not exist", "model");

  // A cancelled wait (the client left a stream, see Relay::stream) is no failure of the channel.
  auto cancellation = co_await boost::asio::this_coro::cancellation_state;
  std::optional<Error> last;
  const std::vector<int64_t> earlier = tried;  // channels an earlier pass tried (a stream broken early)
  // A key the upstream refuses, finds out of credit or rate-limits does not end its channel's turn:
  // the channel's next key is tried right after it (one channel with several keys is a common setup).
  std::vector<int64_t> keys_tried;
  std::string said;  // what the last upstream tried said or what went wrong reaching it: Error::detail
  auto next_key_after = [&](std::size_t i) {
    keys_tried.push_back(candidates[i].key_id);
    if (auto other = channels_.another_key(candidates[i].channel->id, keys_tried)) {
      Candidate again = candidates[i];
      again.key_id = other->first;
      again.key = other->second;
      candidates.insert(candidates.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(again));
    }
  };
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate c = candidates[i];  // a copy: next_key_after() may grow the list
    if (std::chrono::steady_clock::now() >= deadline) {
      last = past_time_limit();
      break;
    }
    if (attempts >= options_.max_attempts) break;
    if (std::find(earlier.begin(), earlier.end(), c.channel->id) != earlier.end()) continue;
    std::optional<http::UpstreamRequest> built;
    try {
      built = build_upstream_request(c, request, stream);
    } catch (const Error& e) {
      // The request asks what this channel's protocol cannot carry (an Anthropic channel and `n` > 1):
      // another channel may serve it; if none does, this is the answer.
      if (!last) last = e;
      continue;
    }
    if (std::find(tried.begin(), tried.end(), c.channel->id) == tried.end()) tried.push_back(c.channel->id);
    ++attempts;
    auto& up = *built;
    up.timeouts.deadline = deadline;
    std::unique_ptr<http::UpstreamResponse> resp;
    try {
      resp = co_await client_.send(std::move(up));
    } catch (const http::UpstreamFailure& f) {
      if (cancellation.cancelled() != boost::asio::cancellation_type::none) throw;
      if (std::chrono::steady_clock::now() >= deadline) {  // the request's limit, not the channel's fault
        last = past_time_limit();
        break;
      }
      channels_.record_failure(c.channel->id);
      said = scrub(f.what(), c);
      spdlog::warn("channel {} failed: {}", c.channel->id, said);
      last = f.kind() == http::UpstreamFailure::Kind::timeout
                 ? Error(ErrorCode::upstream_timeout, "the upstream did not answer in time")
                 : Error(ErrorCode::upstream_error, "the upstream could not be reached");
      continue;
    }
    int status = resp->status();
    // A 2xx head is no success yet: the caller records it once the answer (or its first event) came.
    if (status >= 200 && status < 300) co_return Opened{c, std::move(resp)};
    std::string body;
    try {
      body = co_await resp->read_all(64 * 1024);
    } catch (const http::UpstreamFailure&) {
    }
    std::string message = scrub(upstream_error_message(c, body), c);
    said = "HTTP " + std::to_string(status) + (message.empty() ? "" : ": " + message);
    spdlog::warn("channel {} answered {}", c.channel->id, said);
    // Out of credit (402, or a body that says so with any status): this key is no use until someone
    // pays, but another channel may serve.
    if (status == 402 || (status >= 400 && status < 500 && says_out_of_credit(body))) {
      channels_.record_failure(c.channel->id);
      co_await disable_key(c, "the upstream account is out of credit (" + std::to_string(status) + ")");
      last = Error(ErrorCode::upstream_error, "the upstream refused the request");
      next_key_after(i);
      continue;
    }
    if (status == 401 || (status == 403 && says_key_refused(body))) {
      channels_.record_failure(c.channel->id);
      co_await disable_key(c, "the upstream refused the key (" + std::to_string(status) + ")");
      last = Error(ErrorCode::upstream_error, "the upstream refused the request");
      next_key_after(i);
      continue;
    }
    if (status == 403) {
      // Refused for what the request says (an upstream's moderation, a firewall in front of it), not
      // for its key: disabling the key would let any user switch a channel off. Another channel (another
      // provider) may take it. A refusal without an error of the API's shape (a firewall's page, maybe
      // for every request) counts against the channel's breaker; a moderation's reason does not.
      if (message.empty()) channels_.record_failure(c.channel->id);
      last = Error(ErrorCode::forbidden,
                   message.empty() || caller.withhold_upstream_words ? "the upstream refused the request" : message);
      continue;
    }
    if (status == 429) {
      channels_.record_failure(c.channel->id);
      // Named after the model (param on /v1, field on /api): the model's service is busy, not the caller.
      last = Error(ErrorCode::rate_limited, "the upstream is rate limiting; try again shortly", "model");
      // Seconds (an HTTP date is ignored), else OpenAI's milliseconds rounded up, within a day.
      int seconds = 0, ms = 0;
      if (auto ra = resp->header("retry-after");
          std::from_chars(ra.data(), ra.data() + ra.size(), seconds).ec == std::errc() && seconds > 0)
        last->retry_after = std::min(seconds, 86'400);
      else if (auto ra_ms = resp->header("retry-after-ms");
               std::from_chars(ra_ms.data(), ra_ms.data() + ra_ms.size(), ms).ec == std::errc() && ms > 0)
        last->retry_after = std::min(ms / 1000 + (ms % 1000 ? 1 : 0), 86'400);
      next_key_after(i);
      continue;
    }
    // 407: the channel's own proxy refused it (a plain upstream's answer comes through the proxy).
    if (status >= 500 || status == 408 || status == 407) {
      channels_.record_failure(c.channel->id);
      last = Error(ErrorCode::upstream_error, "the upstream failed (" + std::to_string(status) + ")");
      continue;
    }
    // 404: the channel does not serve what it is listed for (a wrong model mapping or base URL); another
    // may. Not a failure of the channel as a whole: its other models may be fine.
    if (status == 404) {
      channels_.record_missing_model(c, model);
      last = Error(ErrorCode::not_found, "the upstream does not serve the model '" + model + "'", "model");
      continue;
    }
    // Other 4xx: the request itself is at fault; another channel would say the same.
    channels_.record_success(c.channel->id);
    auto names = upstream_refusal_names(c, body);
    Error refused(status == 413 ? ErrorCode::payload_too_large : ErrorCode::invalid_request,
                  message.empty() || caller.withhold_upstream_words ? "the upstream refused the request" : message,
                  names.param);
    refused.upstream_code = std::move(names.code);
    refused.detail = said;
    throw refused;
  }
  Error failed = last.value_or(Error(ErrorCode::upstream_error, "no upstream channel could serve the request"));
  failed.detail = said;
  throw failed;
}

awaitable<billing::Reservation> Relay::reserve(const Caller& caller, const std::string& request_id,
                                               const std::string& model, const bj::object& request, bool short_call) {
  // Before any money is looked at: a key kept off the model is told so, not that it cannot pay.
  if (!caller.key_allows(model))
    throw Error(ErrorCode::forbidden, "this API key may not use the model '" + model + "'", "model");
  check_cost_fields(request);
  billing::Reservation none;
  none.request_id = request_id;
  none.user_id = caller.user_id;
  if (!meter_) co_return none;
  billing::ChargeRequest r;
  r.user_id = caller.user_id;
  r.key_id = caller.key_id;
  r.key_limited = caller.key_limited;
  r.group = caller.group;
  r.surface = caller.surface;
  r.model = model;
  r.request_id = request_id;
  r.leasable = short_call && !caller.request_id_from_client && !caller.key_limited;
  r.client_named = caller.request_id_from_client;
  if (caller.app_id && caller.app_owner_id)
    r.app = billing::AppCharge{*caller.app_id, *caller.app_owner_id, caller.app_kind == "user", caller.app_surcharge,
                               caller.public_model};
  static constexpr int64_t kMaxOutput = 10'000'000;  // beyond any model; keeps the estimate finite
  if (auto max = requested_max_tokens(request))
    r.max_tokens = std::min(*max, kMaxOutput);
  else
    r.default_answer_tokens = channels_.longest_default_answer(model);
  // n answers cost n times the output.
  if (auto n = request.if_contains("n"); n && n->is_int64()) r.choices = std::clamp<int64_t>(n->as_int64(), 1, 128);
  co_return co_await meter_->reserve(std::move(r),
                                     [this, &model, &request] { return count_prompt_tokens(model, request); });
}

awaitable<void> Relay::release(const billing::Reservation& reservation) {
  if (!meter_) co_return;
  try {
    co_await meter_->release(reservation);
  } catch (const std::exception& ex) {
    spdlog::error("request {}: holds not released (the reaper will): {}", reservation.request_id, ex.what());
  }
}

awaitable<void> Relay::record(const Caller& caller, const billing::Reservation& reservation, const std::string& model,
                              const Outcome& o, int attempts, std::chrono::steady_clock::time_point started,
                              std::optional<int64_t> ttft_ms, bool may_lag) {
  store::UsageEvent e;
  e.request_id = reservation.request_id;
  e.created_at = clock_.now_s();
  e.day = local_day(e.created_at);
  e.user_id = caller.user_id;
  e.api_key_id = caller.key_id;
  e.surface = caller.surface;
  e.model = model;
  e.channel_id = o.last_tried_channel_id ? o.last_tried_channel_id : o.channel_id;
  e.prompt_tokens = o.prompt_tokens;
  e.completion_tokens = o.completion_tokens;
  e.cached_tokens = o.cached_tokens;
  e.tokens_reported = o.reported;
  e.status = o.status;
  e.error_code = o.error_code;
  // The operator's view: what the upstream said, or what the client was told.
  e.error_detail = std::string(utf8_prefix(o.error_detail.empty() ? o.error_message : o.error_detail, 500));
  e.attempts = attempts;
  e.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  e.ttft_ms = ttft_ms;
  e.app_id = caller.app_id;
  e.app_owner_id = caller.app_owner_id;
  e.app_kind = caller.app_kind;
  // A client's request id names one charge: a retry of it is refused (billing/meter.cpp). One that
  // failed before delivering anything charged nothing, so its id is left free for the retry: its
  // event and its voided holds are filed under the id with a suffix.
  std::string freed_id;
  if (caller.request_id_from_client && !billing::delivered(e)) {
    freed_id = e.request_id;
    e.request_id += "~failed-" + crypto::random_base62(8);
  }
  // The event goes in with its settlement (billing on) or alone. The write owns one copy of each
  // (settle resets what it fills in, so a retry starts from the same event); copies of the write
  // share it.
  struct Settlement {
    billing::Reservation reservation;
    store::UsageEvent event;
  };
  auto owned = std::make_shared<Settlement>(Settlement{meter_ ? reservation : billing::Reservation{}, e});
  // A per-call price is per answer delivered, up to the n held for (an upstream may ignore n).
  owned->reservation.answers = std::clamp<int64_t>(o.answers, 1, reservation.answers);
  const billing::Reservation& charged = owned->reservation;
  std::function<void(store::Conn&)> write;
  if (meter_)
    write = [owned, freed_id](store::Conn& c) {
      billing::settle(c, owned->reservation, owned->event);
      if (!freed_id.empty()) store::ledger::refile_ended_holds(c, freed_id, owned->event.request_id);
    };
  else
    write = [owned](store::Conn& c) { store::usage::insert(c, owned->event); };
  // A lease's memory learns what the call used once its settlement is queued: the lease cannot be
  // voided (that write is queued after) before the settlement that posts to it.
  if (may_lag && !writer_.behind(e.user_id)) {
    submit_lazily(e.user_id, e.request_id, std::move(write), 1);
    if (meter_) meter_->finish(charged, e);
    co_return;
  }
  // A settlement that fails (a lost database connection, a PostgreSQL deadlock) is tried again: if
  // it never lands, the holds are voided by the reaper and the answer was free.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    bool written = false;
    try {
      co_await store::group_write(writer_, e.user_id, write);
      written = true;
    } catch (const std::exception& ex) {
      spdlog::error("request {}: settlement attempt {} failed: {}", reservation.request_id, attempt, ex.what());
    }
    if (written) break;
  }
  if (meter_) meter_->finish(charged, e);
}

// A failed batch (a lost connection, a PostgreSQL deadlock) takes its lazy writes with it: each
// is queued again, up to three tries, like the settlements that are waited for.
void Relay::submit_lazily(int64_t lane, std::string request_id, std::function<void(store::Conn&)> write, int attempt) {
  auto again = write;
  writer_.submit_lazy(
      lane, std::move(write),
      [this, lane, id = std::move(request_id), again = std::move(again), attempt](std::exception_ptr error) {
        if (!error) return;
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& ex) {
          spdlog::error("request {}: usage event attempt {} failed: {}", id, attempt, ex.what());
        }
        if (attempt < 3) submit_lazily(lane, id, again, attempt + 1);
      });
}

awaitable<std::string> Relay::complete(Caller caller, bj::object request, std::string request_id, Outcome& outcome,
                                       const AnswerEdit* edit) {
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + options_.max_duration;
  std::string model = requested_model(request);
  const std::string& shown = shown_model(caller, model);
  auto reservation = co_await reserve(caller, request_id, model, request, true);
  int attempts = 0;
  std::optional<Error> failure;
  std::vector<int64_t> tried;
  try {
    std::optional<Opened> opened;
    std::string body;
    std::optional<ScannedAnswer> scanned;  // an OpenAI answer read without a document
    // An answer that breaks off or times out is failed over like a refusal: the client has seen
    // nothing of it. When no channel is left, that failure is the one answered.
    std::optional<Error> broken;
    for (;;) {
      int attempts_before = attempts;
      try {
        opened.emplace(co_await open(caller, request, false, attempts, tried, deadline));
      } catch (const Error&) {
        if (broken && attempts == attempts_before && std::chrono::steady_clock::now() < deadline) throw *broken;
        throw;
      }
      try {
        body = co_await opened->response->read_all(options_.max_response_bytes);
        scanned = opened->candidate.channel->type != "anthropic" ? scan_answer(body) : std::nullopt;
        if (auto what = not_an_answer(opened->candidate, body, scanned)) {
          spdlog::warn("channel {} answered 2xx without an answer: {}", opened->candidate.channel->id, *what);
          broken = Error(ErrorCode::upstream_error, "the upstream sent no answer");
        } else {
          channels_.record_success(opened->candidate.channel->id);
          break;
        }
      } catch (const http::UpstreamFailure& f) {
        if (std::chrono::steady_clock::now() >= deadline) throw past_time_limit();  // no failover either
        broken = Error(
            f.kind() == http::UpstreamFailure::Kind::timeout ? ErrorCode::upstream_timeout : ErrorCode::upstream_error,
            "the upstream broke off its answer");
        spdlog::warn("channel {} broke off its answer: {}", opened->candidate.channel->id, f.what());
      }
      channels_.record_failure(opened->candidate.channel->id);
    }
    outcome.channel_id = opened->candidate.channel->id;
    // An OpenAI answer that reports its usage goes through as it came but for the model name; any
    // other (converted, counted here, or edited) is read into a document and written anew.
    // Several answers asked for (n) are counted in a document: an upstream may send fewer.
    auto n = request.if_contains("n");
    bool several = n && n->is_int64() && n->as_int64() > 1;
    std::string answer;
    if (!edit && scanned && scanned->usage && !several) {
      take_usage(*scanned, outcome);
      outcome.answers = 1;
      answer = with_model(body, *scanned, shown);
    } else {
      bj::object doc = to_openai_completion(opened->candidate, body, shown, clock_.now_s(), outcome);
      if (!outcome.reported) {
        outcome.prompt_tokens = count_prompt_tokens(model, request);
        outcome.completion_tokens = count_output_tokens(model, outcome);
        doc["usage"] = bj::object{{"prompt_tokens", outcome.prompt_tokens},
                                  {"completion_tokens", outcome.completion_tokens},
                                  {"total_tokens", outcome.prompt_tokens + outcome.completion_tokens}};
      }
      if (edit) (*edit)(doc);
      answer = bj::serialize(doc);
    }
    // A call that is free (or billing is off) and used no app moves no money: its usage row need not
    // be in before the answer leaves (an app's must: its stats and the user's right to rate it read
    // it). Nor need a call's that a lease funds: the lease's hold keeps its cost until the
    // settlement posts it, and the lease's memory already counts it. Whatever else might be owed
    // (a price, a hold, a fair-use count) is settled and waited for.
    bool may_lag = (!meter_ || reservation.owes_nothing() || reservation.lease) && !caller.app_id;
    co_await record(caller, reservation, model, outcome, attempts, started, std::nullopt, may_lag);
    co_return answer;
  } catch (const Error& e) {
    failure = e;
  } catch (const std::exception& e) {
    // Anything else (an unreadable answer) must still settle below: the holds are released.
    spdlog::warn("request {}: {}", request_id, e.what());
    failure = Error(ErrorCode::upstream_error, "the upstream sent an answer that could not be read");
  }
  // A request refused before any upstream call leaves no usage event; one that reached upstreams does.
  outcome.status = "error";
  outcome.error_code = std::string(to_string(failure->code()));
  outcome.error_message = failure->what();
  outcome.error_detail = failure->detail;
  if (!tried.empty() && !outcome.channel_id) outcome.last_tried_channel_id = tried.back();
  if (attempts > 0)
    co_await record(caller, reservation, model, outcome, attempts, started, std::nullopt);
  else
    co_await release(reservation);
  throw *failure;
}

}  // namespace plaza::relay
