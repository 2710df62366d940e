#pragma once
// External text moderation behind one interface, used on submissions after the word list: an
// OpenAI-compatible `/v1/moderations` endpoint, or Baidu's text review (内容审核 text_censor v2).
// A provider that cannot be reached flags the submission for a human instead of letting it through.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/secretbox.hpp"
#include "http/upstream_client.hpp"
#include "store/database.hpp"

namespace plaza::services {

struct ModerationFlag {
  std::string field;
  std::string word;  // what was found: a word, or the provider's category ("openai:violence")
};

using TextFields = std::vector<std::pair<std::string, std::string>>;  // field, text

class ModerationProvider {
 public:
  virtual ~ModerationProvider() = default;
  virtual boost::asio::awaitable<std::vector<ModerationFlag>> check(TextFields fields) = 0;
};

struct ProviderConfig {
  std::string kind;      // "" (none) | openai | baidu
  std::string base_url;  // https://api.openai.com/v1, https://aip.baidubce.com
  std::string model;     // openai: omni-moderation-latest
  std::string api_key;   // openai: the key; baidu: the API Key
  std::string secret_key;  // baidu: the Secret Key
};

// Stored in the settings table with the keys sealed; `load` opens them.
ProviderConfig load_provider(store::Conn& c, const crypto::SecretBox& box);
void save_provider(store::Conn& c, const crypto::SecretBox& box, const ProviderConfig& config, int64_t now);
// Null when no provider is configured.
std::unique_ptr<ModerationProvider> make_provider(const ProviderConfig& config, http::UpstreamClient& client);

}  // namespace plaza::services
