#include "services/channel_admin.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <string_view>

#include "core/error.hpp"
#include "core/url.hpp"
#include "core/validation.hpp"
#include "relay/proxy_url.hpp"
#include "relay/upstream_format.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/database.hpp"
#include "store/relay_repo.hpp"
#include "store/settings_repo.hpp"

namespace plaza::services {

namespace {

std::string hint_of(const std::string& key) {
  return key.size() <= 4 ? std::string("…") : "…" + key.substr(key.size() - 4);
}

// The key a test or a model list asks with: the first enabled one, else the first (a disabled key
// may work again: the test shows it).
const store::ChannelKey& usable(const store::Channel& ch) {
  if (ch.keys.empty()) throw Error(ErrorCode::conflict, "the channel has no keys");
  for (const auto& k : ch.keys)
    if (k.enabled) return k;
  return ch.keys.front();
}

std::ptrdiff_t times_listed(const std::vector<store::ChannelModel>& models, const std::string& model) {
  return std::count_if(models.begin(), models.end(), [&](const store::ChannelModel& m) { return m.model == model; });
}

Error name_taken(const std::string& name) {
  return Error(ErrorCode::conflict, "another channel is named '" + name + "': give this one a name of its own", "name");
}

// Rules added after channels were first stored: checked for a new channel, and for an edit only on
// the fields it changes, so a channel saved before them can still be edited (switched off in an
// incident) as it is.
void check_changed_fields(store::Conn& c, const store::Channel& ch, const store::Channel* was) {
  if ((!was || was->name != ch.name) && store::channels::name_taken(c, ch.name, ch.id)) throw name_taken(ch.name);
  if (!was || was->base_url != ch.base_url)
    if (auto parsed = parse_url(ch.base_url); !parsed || parsed->host().empty() || parsed->has_fragment())
      throw Error(ErrorCode::invalid_request, "base_url must name a host, as in https://api.example.com/v1",
                  "base_url");
  for (const auto& m : ch.models)
    if (times_listed(ch.models, m.model) > 1 && (!was || times_listed(was->models, m.model) < 2))
      throw Error(ErrorCode::invalid_request, "the model '" + m.model + "' is listed twice", "models");
}

// The audit log's account of an edit: what an operator reading it later asks first.
std::string what_changed(const store::Channel& was, const store::Channel& now, bool keys_replaced) {
  std::vector<std::string> changes;
  if (was.enabled != now.enabled) changes.push_back(now.enabled ? "enabled" : "disabled");
  if (was.name != now.name) changes.push_back("renamed from '" + was.name + "'");
  if (was.type != now.type) changes.push_back("type changed to " + now.type);
  if (was.base_url != now.base_url) changes.push_back("base URL changed");
  if (was.proxy != now.proxy) changes.push_back("proxy changed");  // both sealed: a new password shows too
  if (keys_replaced) changes.push_back("keys replaced");
  auto models_of = [](const store::Channel& ch) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& m : ch.models) out.emplace_back(m.model, m.upstream);
    return out;
  };
  if (models_of(was) != models_of(now)) changes.push_back("models changed");
  if (was.groups != now.groups) changes.push_back("groups changed");
  if (was.priority != now.priority || was.weight != now.weight) changes.push_back("priority or weight changed");
  if (was.connect_timeout_ms != now.connect_timeout_ms || was.first_byte_timeout_ms != now.first_byte_timeout_ms ||
      was.idle_timeout_ms != now.idle_timeout_ms || was.default_max_tokens != now.default_max_tokens)
    changes.push_back("timeouts or answer length changed");
  std::string out;
  for (const auto& c : changes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

void ChannelAdmin::check_keys(const std::vector<std::string>& keys) {
  if (keys.empty()) throw Error(ErrorCode::invalid_request, "a channel needs at least one key", "keys");
  if (keys.size() > 100) throw Error(ErrorCode::invalid_request, "at most 100 keys per channel", "keys");
  for (const auto& k : keys) {
    if (k.empty() || k.size() > 1024 || !is_valid_utf8(k))
      throw Error(ErrorCode::invalid_request, "each key must be 1 to 1024 characters", "keys");
    for (char c : k)
      if (static_cast<unsigned char>(c) < 0x21)
        throw Error(ErrorCode::invalid_request, "keys must not contain spaces", "keys");
  }
}

ChannelAdmin::ChannelAdmin(store::Database& db, const crypto::SecretBox& box, const Clock& clock,
                           http::UpstreamClient& client, relay::ChannelDirectory& directory)
    : db_(db), box_(box), clock_(clock), client_(client), directory_(directory) {}

void ChannelAdmin::validate_connection(const store::Channel& ch) {
  if (ch.type != "openai" && ch.type != "anthropic")
    throw Error(ErrorCode::invalid_request, "type must be openai or anthropic", "type");
  if (!(ch.base_url.starts_with("http://") || ch.base_url.starts_with("https://")) || ch.base_url.size() > 2048 ||
      ch.base_url.find_first_of(" \r\n\t") != std::string::npos)
    throw Error(ErrorCode::invalid_request, "base_url must be an http:// or https:// URL", "base_url");
  if (!ch.proxy.empty() && (!ch.proxy.starts_with("http://") || ch.proxy.size() > 2048 ||
                            ch.proxy.find_first_of(" \r\n\t") != std::string::npos))
    throw Error(ErrorCode::invalid_request, "proxy must be an http://host:port URL", "proxy");
  if (!relay::is_proxy_url(ch.proxy))
    throw Error(ErrorCode::invalid_request,
                "proxy is not a valid URL (write @, : and / in its user or password as %40, %3A and %2F)", "proxy");
  auto check_timeout = [](int64_t v, const char* field) {
    if (v < 100 || v > 3'600'000) throw Error(ErrorCode::invalid_request, "timeouts must be 100 ms to 1 hour", field);
  };
  check_timeout(ch.connect_timeout_ms, "connect_timeout_ms");
  check_timeout(ch.first_byte_timeout_ms, "first_byte_timeout_ms");
  check_timeout(ch.idle_timeout_ms, "idle_timeout_ms");
  if (ch.default_max_tokens < 0 || ch.default_max_tokens > 1'000'000)
    throw Error(ErrorCode::invalid_request, "default_max_tokens must be 0 (Plaza's 4,096) to 1,000,000",
                "default_max_tokens");
}

void ChannelAdmin::validate(const store::Channel& ch) {
  validate_connection(ch);
  if (auto err = check_display_name(ch.name)) throw Error(ErrorCode::invalid_request, *err, "name");
  if (ch.models.empty() || ch.models.size() > 500)
    throw Error(ErrorCode::invalid_request, "a channel serves 1 to 500 models", "models");
  for (const auto& m : ch.models) {
    if (m.model.empty() || m.model.size() > 128 || m.upstream.size() > 128 || !is_valid_utf8(m.model) ||
        !is_valid_utf8(m.upstream))
      throw Error(ErrorCode::invalid_request, "model names must be 1 to 128 characters", "models");
  }
  for (const auto& g : ch.groups)
    if (auto err = check_group(g)) throw Error(ErrorCode::invalid_request, *err, "groups");
  if (ch.weight < 1 || ch.weight > 10000)
    throw Error(ErrorCode::invalid_request, "weight must be 1 to 10000", "weight");
  if (ch.priority < -1000000 || ch.priority > 1000000)
    throw Error(ErrorCode::invalid_request, "priority is out of range", "priority");
}

awaitable<std::vector<store::Channel>> ChannelAdmin::list() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::channels::list(c); });
}

awaitable<store::Channel> ChannelAdmin::create(int64_t actor_id, store::Channel ch, std::vector<std::string> keys) {
  ch.name = trim_spaces(ch.name);
  validate(ch);
  check_keys(keys);
  ch.proxy = relay::seal_proxy_password(box_, ch.proxy);
  ch.keys.clear();
  for (const auto& k : keys) ch.keys.push_back({0, box_.seal(k), hint_of(k), true, ""});
  auto created = co_await store::write(db_, [&](store::Conn& c) {
    check_changed_fields(c, ch, nullptr);
    int64_t id = 0;
    try {
      id = store::channels::create(c, ch, clock_.now_s());
    } catch (const store::UniqueViolation&) {
      throw name_taken(ch.name);  // another instance saved the name between the check and this insert
    }
    store::audit::record(c, actor_id, "admin.channel.create", "channel:" + std::to_string(id), ch.name, clock_.now_s());
    store::announce(c, "channels");
    return *store::channels::find(c, id);
  });
  directory_.invalidate();
  co_return created;
}

awaitable<store::Channel> ChannelAdmin::update(int64_t actor_id, store::Channel ch,
                                               std::optional<std::vector<std::string>> keys) {
  ch.name = trim_spaces(ch.name);
  validate(ch);
  if (keys) check_keys(*keys);
  ch.proxy = relay::seal_proxy_password(box_, ch.proxy);
  std::vector<std::pair<std::string, std::string>> sealed;
  if (keys)
    for (const auto& k : *keys) sealed.emplace_back(box_.seal(k), hint_of(k));
  auto updated = co_await store::write(db_, [&](store::Conn& c) {
    auto was = store::channels::find(c, ch.id);
    if (!was) throw Error(ErrorCode::not_found, "no such channel");
    check_changed_fields(c, ch, &*was);
    int64_t now = clock_.now_s();
    try {
      store::channels::update(c, ch, now);
    } catch (const store::UniqueViolation&) {
      throw name_taken(ch.name);
    }
    if (keys) {
      store::channels::remove_keys(c, ch.id);
      for (const auto& [s, h] : sealed) store::channels::add_key(c, ch.id, s, h, now);
      store::channels::set_auto_disabled(c, ch.id, false, "", now);
    }
    store::audit::record(c, actor_id, "admin.channel.update", "channel:" + std::to_string(ch.id),
                         what_changed(*was, ch, keys.has_value()), now);
    store::announce(c, "channels");
    return *store::channels::find(c, ch.id);
  });
  directory_.invalidate();
  co_return updated;
}

awaitable<void> ChannelAdmin::remove(int64_t actor_id, int64_t id) {
  co_await store::write(db_, [&](store::Conn& c) {
    if (!store::channels::find(c, id)) throw Error(ErrorCode::not_found, "no such channel");
    store::channels::remove(c, id);
    store::audit::record(c, actor_id, "admin.channel.delete", "channel:" + std::to_string(id), "", clock_.now_s());
    store::announce(c, "channels");
  });
  directory_.invalidate();
}

awaitable<store::Channel> ChannelAdmin::reenable(int64_t actor_id, int64_t id) {
  auto ch = co_await store::write(db_, [&](store::Conn& c) {
    auto found = store::channels::find(c, id);
    if (!found) throw Error(ErrorCode::not_found, "no such channel");
    for (const auto& k : found->keys) store::channels::set_key_enabled(c, k.id, true, "");
    store::channels::set_auto_disabled(c, id, false, "", clock_.now_s());
    store::audit::record(c, actor_id, "admin.channel.reenable", "channel:" + std::to_string(id), "", clock_.now_s());
    store::announce(c, "channels");
    return *store::channels::find(c, id);
  });
  directory_.invalidate();
  co_return ch;
}

awaitable<KeyTest> ChannelAdmin::try_key(const store::Channel& ch, const store::ChannelKey& k, const std::string& key,
                                         std::chrono::steady_clock::time_point deadline) {
  KeyTest result;
  result.key_id = k.id;
  result.hint = k.hint;
  result.tried = true;
  auto opened = std::make_shared<store::Channel>(ch);
  try {
    opened->proxy = relay::open_proxy_password(box_, ch.proxy);
  } catch (const std::exception&) {
    result.error = "the proxy's password cannot be opened (was secret_key changed?)";
  }
  if (!result.error.empty()) co_return result;
  std::shared_ptr<const store::Channel> shared = std::move(opened);
  relay::Candidate cand{
      shared, ch.models.front().upstream.empty() ? ch.models.front().model : ch.models.front().upstream, k.id, key};
  boost::json::object body{{"model", ch.models.front().model},
                           {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "ping"}}}},
                           {"max_tokens", 1}};
  auto started = std::chrono::steady_clock::now();
  try {
    auto request = relay::build_upstream_request(cand, body, false);
    request.timeouts.deadline = deadline;
    auto resp = co_await client_.send(std::move(request));
    result.status = resp->status();
    std::string answer = co_await resp->read_all(256 * 1024);
    result.ok = result.status >= 200 && result.status < 300;
    if (!result.ok) {
      std::string msg = relay::scrub(relay::upstream_error_message(cand, answer), cand);
      result.error = "HTTP " + std::to_string(result.status) + (msg.empty() ? "" : ": " + msg);
    }
  } catch (const http::UpstreamFailure& f) {
    result.error = relay::scrub(f.what(), cand);
    result.unreachable = f.kind() == http::UpstreamFailure::Kind::connect;
  } catch (const Error& e) {
    result.error = e.what();
  }
  result.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  co_return result;
}

awaitable<ChannelTest> ChannelAdmin::test(int64_t id) {
  auto ch = co_await store::read(db_, [&](store::Conn& c) { return store::channels::find(c, id); });
  if (!ch) throw Error(ErrorCode::not_found, "no such channel");
  if (ch->keys.empty()) throw Error(ErrorCode::conflict, "the channel has no keys");
  const auto deadline = std::chrono::steady_clock::now() + kTestTimeLimit;
  ChannelTest out;
  out.model = ch->models.front().model;
  bool unreachable = false;
  for (const auto& k : ch->keys) {
    KeyTest kt;
    kt.key_id = k.id;
    kt.hint = k.hint;
    if (std::chrono::steady_clock::now() >= deadline) {
      kt.error = "not tried: the test ran out of time";
    } else if (unreachable) {
      kt.error = "not tried: the upstream could not be reached with an earlier key";
    } else {
      std::string key;
      try {
        key = box_.open(k.sealed);
      } catch (const std::exception&) {
        kt.error = "the key cannot be opened (was secret_key changed?)";
        out.keys.push_back(std::move(kt));
        continue;
      }
      kt = co_await try_key(*ch, k, key, deadline);
      unreachable = kt.unreachable;
    }
    out.keys.push_back(std::move(kt));
  }
  // The summary: the first key that does not work, else the first key.
  auto failed = std::find_if(out.keys.begin(), out.keys.end(), [](const KeyTest& k) { return !k.ok; });
  const KeyTest& shown = failed == out.keys.end() ? out.keys.front() : *failed;
  out.ok = failed == out.keys.end();
  out.latency_ms = shown.latency_ms;
  out.status = shown.status;
  out.error = shown.error;
  co_return out;
}

std::string ChannelAdmin::usable_key(const store::Channel& ch) const {
  return box_.open(usable(ch).sealed);
}

awaitable<std::vector<std::string>> ChannelAdmin::upstream_models(store::Channel ch, std::string key) {
  static constexpr std::size_t kMaxListed = 500;  // as many as a channel may serve
  try {
    ch.proxy = relay::open_proxy_password(box_, ch.proxy);
  } catch (const std::exception&) {
    throw Error(ErrorCode::conflict, "the proxy's password cannot be opened (was secret_key changed?)", "proxy");
  }
  relay::Candidate cand{std::make_shared<const store::Channel>(std::move(ch)), "", 0, std::move(key)};
  std::string answer;
  int status = 0;
  try {
    auto resp = co_await client_.send(relay::build_models_request(cand));
    status = resp->status();
    answer = co_await resp->read_all(4 * 1024 * 1024);
  } catch (const http::UpstreamFailure& f) {
    throw Error(
        f.kind() == http::UpstreamFailure::Kind::timeout ? ErrorCode::upstream_timeout : ErrorCode::upstream_error,
        "the upstream could not be asked: " + relay::scrub(f.what(), cand));
  }
  if (status < 200 || status >= 300) {
    std::string msg = relay::scrub(relay::upstream_error_message(cand, answer), cand);
    throw Error(ErrorCode::upstream_error,
                "the upstream answered HTTP " + std::to_string(status) + (msg.empty() ? "" : ": " + msg));
  }
  try {
    co_return relay::listed_models(answer, kMaxListed);
  } catch (const std::runtime_error& e) {
    throw Error(ErrorCode::upstream_error, e.what());
  }
}

awaitable<int> ChannelAdmin::probe_disabled() {
  auto channels = co_await list();
  int revived = 0;
  for (const auto& ch : channels) {
    if (!ch.enabled) continue;  // an admin switched it off: not ours to switch on
    for (const auto& k : ch.keys) {
      if (k.enabled) continue;
      KeyTest t = co_await try_key(ch, k, box_.open(k.sealed));
      if (!t.ok) continue;
      co_await store::write(db_, [&](store::Conn& c) {
        store::channels::set_key_enabled(c, k.id, true, "");
        store::channels::set_auto_disabled(c, ch.id, false, "", clock_.now_s());
        store::audit::record(c, std::nullopt, "probe.channel_key.enabled", "channel:" + std::to_string(ch.id),
                             "key " + std::to_string(k.id), clock_.now_s());
        store::announce(c, "channels");
      });
      ++revived;
    }
  }
  if (revived) directory_.invalidate();
  co_return revived;
}

}  // namespace plaza::services
