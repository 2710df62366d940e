#include "services/moderation_providers.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/validation.hpp"
#include "store/settings_repo.hpp"

namespace plaza::services {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kMaxAnswer = 1024 * 1024;
constexpr const char* kSettingKey = "moderation.provider";

http::UpstreamTimeouts timeouts() {
  http::UpstreamTimeouts t;
  t.connect = std::chrono::seconds(5);
  t.first_byte = std::chrono::seconds(15);
  t.idle = std::chrono::seconds(15);
  return t;
}

std::string form_encode(std::string_view s) {
  return http::percent_encode(s);
}

std::vector<ModerationFlag> unavailable(const TextFields& fields, const std::string& provider) {
  // Fail closed: a human looks at it rather than nobody.
  return {{fields.empty() ? "" : fields.front().first, provider + ":unavailable"}};
}

class OpenAiModeration final : public ModerationProvider {
 public:
  OpenAiModeration(ProviderConfig c, http::UpstreamClient& client) : config_(std::move(c)), client_(client) {}

  awaitable<std::vector<ModerationFlag>> check(TextFields fields) override {
    std::vector<ModerationFlag> flags;
    if (fields.empty()) co_return flags;
    bj::array input;
    for (const auto& [_, text] : fields) input.emplace_back(text);
    bj::object body{{"model", config_.model.empty() ? "omni-moderation-latest" : config_.model}, {"input", std::move(input)}};
    http::UpstreamRequest req;
    req.url = without_trailing_slashes(config_.base_url) + "/moderations";
    req.headers = {{"Authorization", "Bearer " + config_.api_key}, {"Content-Type", "application/json"}};
    req.body = bj::serialize(body);
    req.timeouts = timeouts();
    std::string answer;
    int status = 0;
    bool failed = false;
    try {
      auto res = co_await client_.send(std::move(req));
      status = res->status();
      answer = co_await res->read_all(kMaxAnswer);
    } catch (const std::exception& e) {
      spdlog::warn("moderation provider (openai) failed: {}", e.what());
      failed = true;
    }
    boost::system::error_code ec;
    auto parsed = failed || status != 200 ? bj::value() : bj::parse(answer, ec);
    auto results = parsed.is_object() ? parsed.as_object().if_contains("results") : nullptr;
    // One verdict per field sent, each an object; anything else leaves fields unjudged, and a person
    // must look (an endpoint that answers once for all its inputs would otherwise pass the rest).
    if (ec || !results || !results->is_array() || results->as_array().size() != fields.size())
      co_return unavailable(fields, "openai");
    const auto& list = results->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_object()) co_return unavailable(fields, "openai");
      const auto& r = list[i].as_object();
      auto flagged = r.if_contains("flagged");
      if (!flagged || !flagged->is_bool() || !flagged->as_bool()) continue;
      bool named = false;
      if (auto cats = r.if_contains("categories"); cats && cats->is_object())
        for (const auto& [name, on] : cats->as_object())
          if (on.is_bool() && on.as_bool()) {
            flags.push_back({fields[i].first, "openai:" + std::string(name)});
            named = true;
          }
      if (!named) flags.push_back({fields[i].first, "openai:flagged"});
    }
    co_return flags;
  }

 private:
  ProviderConfig config_;
  http::UpstreamClient& client_;
};

class BaiduModeration final : public ModerationProvider {
 public:
  BaiduModeration(ProviderConfig c, http::UpstreamClient& client) : config_(std::move(c)), client_(client) {}

  awaitable<std::vector<ModerationFlag>> check(TextFields fields) override {
    std::vector<ModerationFlag> flags;
    if (fields.empty()) co_return flags;
    std::string base =
        without_trailing_slashes(config_.base_url.empty() ? "https://aip.baidubce.com" : config_.base_url);
    auto token = co_await post(base + "/oauth/2.0/token?grant_type=client_credentials&client_id=" +
                                   form_encode(config_.api_key) + "&client_secret=" + form_encode(config_.secret_key),
                               "");
    auto access = token.is_object() ? token.as_object().if_contains("access_token") : nullptr;
    if (!access || !access->is_string()) co_return unavailable(fields, "baidu");
    std::string url = base + "/rest/2.0/solution/v1/text_censor/v2/user_defined?access_token=" +
                      form_encode(access->as_string());
    for (const auto& [field, text] : fields) {
      if (text.empty()) continue;
      auto answer = co_await post(url, "text=" + form_encode(text));
      auto type = answer.is_object() ? answer.as_object().if_contains("conclusionType") : nullptr;
      if (!type || !type->is_int64() || type->as_int64() == 4) co_return unavailable(fields, "baidu");
      if (type->as_int64() == 1) continue;  // 合规
      // 2 不合规, 3 疑似: report the words it hit, else its message.
      bool named = false;
      if (auto data = answer.as_object().if_contains("data"); data && data->is_array())
        for (const auto& d : data->as_array()) {
          if (!d.is_object()) continue;
          if (auto hits = d.as_object().if_contains("hits"); hits && hits->is_array())
            for (const auto& h : hits->as_array())
              if (auto words = h.is_object() ? h.as_object().if_contains("words") : nullptr; words && words->is_array())
                for (const auto& w : words->as_array())
                  if (w.is_string()) {
                    flags.push_back({field, "baidu:" + std::string(w.as_string())});
                    named = true;
                  }
        }
      if (!named) flags.push_back({field, type->as_int64() == 2 ? "baidu:不合规" : "baidu:疑似"});
    }
    co_return flags;
  }

 private:
  awaitable<bj::value> post(std::string url, std::string form) {
    http::UpstreamRequest req;
    req.url = std::move(url);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    req.body = std::move(form);
    req.timeouts = timeouts();
    std::string answer;
    int status = 0;
    try {
      auto res = co_await client_.send(std::move(req));
      status = res->status();
      answer = co_await res->read_all(kMaxAnswer);
    } catch (const std::exception& e) {
      spdlog::warn("moderation provider (baidu) failed: {}", e.what());
      co_return bj::value();
    }
    boost::system::error_code ec;
    auto v = bj::parse(answer, ec);
    if (ec || status != 200) co_return bj::value();
    co_return v;
  }

  ProviderConfig config_;
  http::UpstreamClient& client_;
};

}  // namespace

ProviderConfig load_provider(store::Conn& c, const crypto::SecretBox& box) {
  ProviderConfig config;
  auto text = store::settings::get(c, kSettingKey);
  if (!text) return config;
  boost::system::error_code ec;
  auto v = bj::parse(*text, ec);
  if (ec || !v.is_object()) return config;
  const auto& o = v.as_object();
  auto str = [&](const char* key) {
    auto x = o.if_contains(key);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  config.kind = str("kind");
  config.base_url = str("base_url");
  config.model = str("model");
  try {
    if (auto k = str("api_key"); !k.empty()) config.api_key = box.open(k);
    if (auto k = str("secret_key"); !k.empty()) config.secret_key = box.open(k);
  } catch (const std::exception&) {
    spdlog::error("the moderation provider's keys cannot be opened with this secret_key");
  }
  return config;
}

void save_provider(store::Conn& c, const crypto::SecretBox& box, const ProviderConfig& config, int64_t now) {
  bj::object o{{"kind", config.kind},
               {"base_url", config.base_url},
               {"model", config.model},
               {"api_key", config.api_key.empty() ? "" : box.seal(config.api_key)},
               {"secret_key", config.secret_key.empty() ? "" : box.seal(config.secret_key)}};
  store::settings::put(c, kSettingKey, bj::serialize(o), now);
}

std::unique_ptr<ModerationProvider> make_provider(const ProviderConfig& config, http::UpstreamClient& client) {
  if (config.kind == "openai") return std::make_unique<OpenAiModeration>(config, client);
  if (config.kind == "baidu") return std::make_unique<BaiduModeration>(config, client);
  return nullptr;
}

}  // namespace plaza::services
