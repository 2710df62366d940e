#include "services/stripe.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "core/money.hpp"
#include "core/url.hpp"
#include "core/validation.hpp"
#include "crypto/crypto.hpp"
#include "http/request.hpp"

namespace plaza::services::stripe {

namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

// Stripe's lists (docs: "Zero-decimal currencies", "Three-decimal currencies").
constexpr std::array<std::string_view, 16> kZeroDecimal = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
                                                           "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"};
constexpr std::array<std::string_view, 5> kThreeDecimal = {"bhd", "jod", "kwd", "omr", "tnd"};
constexpr std::size_t kMaxAnswer = 256 * 1024;

std::optional<int64_t> whole_number(std::string_view s) {
  int64_t v = 0;
  if (s.empty() || s.size() > 18) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::string str(const bj::object& o, std::string_view key) {
  auto v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Stripe answers within seconds; a checkout is a user waiting on a button.
http::UpstreamTimeouts timeouts(std::chrono::milliseconds limit) {
  using std::chrono::milliseconds;
  http::UpstreamTimeouts t;
  t.connect = std::min<milliseconds>(std::chrono::seconds(5), limit);
  t.first_byte = std::min<milliseconds>(std::chrono::seconds(20), limit);
  t.idle = std::min<milliseconds>(std::chrono::seconds(10), limit);
  t.deadline = std::chrono::steady_clock::now() + limit;
  return t;
}

// Stripe's messages may quote the key they refused ("Invalid API Key provided: sk_..."): the
// operator's log gets them without it.
std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t pos = 0; (pos = text.find(secret, pos)) != std::string::npos;)
    text.replace(pos, secret.size(), "[key]");
  return text;
}

awaitable<Session> exchange(http::UpstreamClient& client, http::UpstreamRequest req, std::string secret,
                            std::chrono::milliseconds limit) {
  req.timeouts = timeouts(limit);
  int status = 0;
  std::string answer;
  try {
    auto res = co_await client.send(std::move(req));
    status = res->status();
    answer = co_await res->read_all(kMaxAnswer);
  } catch (const std::exception& e) {
    throw StripeError(redact(std::string("unreachable: ") + e.what(), secret));
  }
  boost::system::error_code ec;
  auto v = bj::parse(answer, ec);
  if (status != 200) {
    // Stripe's error shape: {"error": {"type", "message", ...}}.
    std::string message = "HTTP " + std::to_string(status);
    std::string type;
    if (!ec && v.is_object())
      if (auto err = v.as_object().if_contains("error"); err && err->is_object()) {
        type = str(err->as_object(), "type");
        message += " " + type + ": " + str(err->as_object(), "message");
      }
    throw StripeError(redact(message, secret), status, type);
  }
  auto session = ec ? std::nullopt : parse_session(v);
  if (!session) throw StripeError("the answer is not a checkout.session");
  co_return *session;
}

}  // namespace

int64_t minor_per_unit(std::string_view currency) {
  auto c = ascii_lower(currency);
  if (std::find(kZeroDecimal.begin(), kZeroDecimal.end(), c) != kZeroDecimal.end()) return 1;
  if (std::find(kThreeDecimal.begin(), kThreeDecimal.end(), c) != kThreeDecimal.end()) return 1000;
  return 100;
}

std::optional<int64_t> credits_for(int64_t amount_minor, std::string_view currency, int64_t credits_per_unit) {
  // Bounded first so that the product cannot pass even __int128 (both are far above any real order).
  constexpr int64_t kBound = 1'000'000'000'000;
  if (amount_minor <= 0 || credits_per_unit <= 0 || amount_minor > kBound || credits_per_unit > kBound)
    return std::nullopt;
  __int128 product = static_cast<__int128>(amount_minor) * credits_per_unit * money::kMicro;
  int64_t minor = minor_per_unit(currency);
  // Refused rather than rounded: a payer gets exactly what the rate says or is asked for another amount.
  if (product % minor != 0) return std::nullopt;
  __int128 uc = product / minor;
  if (uc > INT64_MAX) return std::nullopt;
  return static_cast<int64_t>(uc);
}

namespace {

// A Stripe-Signature header's timestamp and v1 values (other schemes, such as Stripe's test scheme
// v0, are ignored, as Stripe's libraries do). Nothing when a `t` is not a whole number.
struct SignatureHeader {
  std::optional<int64_t> t;
  std::vector<std::string_view> v1;
};

std::optional<SignatureHeader> parse_signature_header(std::string_view header) {
  SignatureHeader h;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") {
      int64_t x = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), x);
      if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
      h.t = x;
    } else if (key == "v1") {
      h.v1.push_back(value);
    }
  }
  return h;
}

bool within(int64_t t, int64_t now_s, int64_t tolerance_s) {
  return t >= now_s - tolerance_s && t <= now_s + tolerance_s;
}

}  // namespace

Signature verify_signature(std::string_view header, std::string_view body, std::string_view secret, int64_t now_s,
                           int64_t tolerance_s) {
  auto h = parse_signature_header(header);
  if (!h || !h->t || h->v1.empty() || secret.empty()) return Signature::malformed;
  std::string signed_payload = std::to_string(*h->t);
  signed_payload += '.';
  signed_payload += body;
  std::string expected = crypto::hmac_sha256_hex(secret, signed_payload);
  bool any = false;
  for (auto sig : h->v1) any |= crypto::constant_time_equal(ascii_lower(sig), expected);
  if (!any) return Signature::mismatch;
  return within(*h->t, now_s, tolerance_s) ? Signature::ok : Signature::stale;
}

std::string checkout_form(const SessionRequest& r) {
  std::string id = std::to_string(r.order_id);
  std::string base = without_trailing_slashes(r.public_url);
  const std::pair<std::string_view, std::string> fields[] = {
      {"mode", "payment"},
      {"success_url", base + "/wallet?payment=" + id},
      {"cancel_url", base + "/wallet?payment=" + id + "&cancelled=1"},
      {"client_reference_id", id},
      {"metadata[order_id]", id},
      {"metadata[user_id]", std::to_string(r.user_id)},
      {"metadata[nonce]", r.nonce},
      {"expires_at", std::to_string(r.expires_at)},
      {"line_items[0][quantity]", "1"},
      {"line_items[0][price_data][currency]", ascii_lower(r.currency)},
      {"line_items[0][price_data][unit_amount]", std::to_string(r.amount)},
      {"line_items[0][price_data][product_data][name]", r.product_name},
  };
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    out += http::percent_encode(key);
    out += '=';
    out += http::percent_encode(value);
  }
  return out;
}

std::string product_name(int64_t credits_uc) {
  std::string text = money::format_credits(credits_uc);
  auto dot = text.find('.');
  std::size_t whole = dot == std::string::npos ? text.size() : dot;
  for (std::size_t i = whole; i > 3; i -= 3) text.insert(i - 3, ",");
  return text + " credits";
}

std::optional<Session> parse_session(const bj::value& v) {
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  Session s;
  s.id = str(o, "id");
  if (s.id.empty()) return std::nullopt;
  s.url = str(o, "url");
  s.status = str(o, "status");
  s.payment_status = str(o, "payment_status");
  s.currency = ascii_lower(str(o, "currency"));
  if (auto a = o.if_contains("amount_total"); a && a->is_int64()) s.amount_total = a->as_int64();
  std::optional<int64_t> from_metadata;
  if (auto m = o.if_contains("metadata"); m && m->is_object()) {
    from_metadata = whole_number(str(m->as_object(), "order_id"));
    s.user_id = whole_number(str(m->as_object(), "user_id"));
    s.nonce = str(m->as_object(), "nonce");
  }
  auto from_reference = whole_number(str(o, "client_reference_id"));
  s.order_id = from_metadata ? from_metadata : from_reference;
  s.ids_disagree = from_metadata && from_reference && *from_metadata != *from_reference;
  return s;
}

namespace {

struct Origin {
  bool https = false;
  bool loopback = false;  // 127.0.0.0/8, ::1 or localhost
};

// Where an absolute http(s) URL points; nothing for anything else.
std::optional<Origin> origin_of(std::string_view url) {
  auto u = parse_url(url);  // a fragment is fine: Stripe's checkout pages carry one
  if (!u) return std::nullopt;
  auto scheme = ascii_lower(u->scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  Origin o;
  o.https = scheme == "https";
  switch (u->host_type()) {
    case boost::urls::host_type::ipv4:
      o.loopback = u->host_ipv4_address().is_loopback();
      break;
    case boost::urls::host_type::ipv6:
      o.loopback = u->host_ipv6_address().is_loopback();
      break;
    case boost::urls::host_type::name:
      if (u->encoded_host().empty()) return std::nullopt;
      o.loopback = ascii_lower(u->encoded_host()) == "localhost";
      break;
    default:
      return std::nullopt;
  }
  return o;
}

}  // namespace

bool acceptable_api_base(std::string_view api_base) {
  auto o = origin_of(api_base);
  return o && (o->https || o->loopback);
}

bool acceptable_checkout_url(std::string_view url, std::string_view api_base) {
  if (url.size() > 4096) return false;  // stored with the order and sent to the buyer: Stripe's are a few hundred bytes
  auto o = origin_of(url);
  if (!o) return false;
  if (o->https) return true;
  auto base = origin_of(api_base);
  return base && base->loopback;  // the fake on loopback serves its page over http
}

Signature precheck_signature(std::string_view header, int64_t now_s, int64_t tolerance_s) {
  auto h = parse_signature_header(header);
  if (!h || !h->t || h->v1.empty()) return Signature::malformed;
  for (auto v : h->v1)  // 64 hex digits, as HMAC-SHA256 is written
    if (v.size() != 64 || v.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
      return Signature::malformed;
  return within(*h->t, now_s, tolerance_s) ? Signature::ok : Signature::stale;
}

awaitable<Session> create_session(http::UpstreamClient& client, Account account, SessionRequest r) {
  http::UpstreamRequest req;
  req.url = without_trailing_slashes(account.api_base) + "/v1/checkout/sessions";
  // The order's random nonce as the idempotency key: a retried call never opens a second session, and
  // no other database's order of the same id (staging, a restored backup) is answered with this one's.
  req.headers = {{"Authorization", "Bearer " + account.secret_key},
                 {"Content-Type", "application/x-www-form-urlencoded"},
                 {"Idempotency-Key", "plaza-" + r.nonce},
                 {"Accept", "application/json"}};
  req.body = checkout_form(r);
  co_return co_await exchange(client, std::move(req), std::move(account.secret_key), account.time_limit);
}

awaitable<Session> get_session(http::UpstreamClient& client, Account account, std::string session_id) {
  http::UpstreamRequest req;
  req.method = "GET";
  req.url = without_trailing_slashes(account.api_base) + "/v1/checkout/sessions/" + http::percent_encode(session_id);
  req.headers = {{"Authorization", "Bearer " + account.secret_key}, {"Accept", "application/json"}};
  co_return co_await exchange(client, std::move(req), std::move(account.secret_key), account.time_limit);
}

awaitable<Session> expire_session(http::UpstreamClient& client, Account account, std::string session_id) {
  http::UpstreamRequest req;
  req.url = without_trailing_slashes(account.api_base) + "/v1/checkout/sessions/" + http::percent_encode(session_id) +
            "/expire";
  req.headers = {{"Authorization", "Bearer " + account.secret_key},
                 {"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  co_return co_await exchange(client, std::move(req), std::move(account.secret_key), account.time_limit);
}

}  // namespace plaza::services::stripe
