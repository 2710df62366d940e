#include "http/request.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

namespace plaza::http {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string percent_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string_view Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  for (const auto& [hname, value] : headers) {
    if (hname != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (trim(pair.substr(0, eq)) == name) return std::string(trim(pair.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    if (key == name) return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

bool Request::is_json() const {
  std::string_view ct = header("content-type");
  auto semi = ct.find(';');
  ct = trim(ct.substr(0, semi));
  if (ct.size() != 16) return false;
  static constexpr std::string_view kJson = "application/json";
  for (std::size_t i = 0; i < ct.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(ct[i])) != kJson[i]) return false;
  return true;
}

Response Response::json(int status, std::string body) {
  Response r{status, {}, std::move(body)};
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

std::optional<std::string> forwarded_client_ip(std::string_view x_forwarded_for) {
  auto last = x_forwarded_for.rfind(',');
  auto entry = trim(last == std::string_view::npos ? x_forwarded_for : x_forwarded_for.substr(last + 1));
  if (entry.empty() || entry.size() > 64) return std::nullopt;
  // Some gateways add the client's port: "1.2.3.4:5678", "[2001:db8::1]:5678".
  if (entry.front() == '[') {
    auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    entry = entry.substr(1, close - 1);
  } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
    entry = entry.substr(0, entry.find(':'));
  }
  boost::system::error_code not_an_address;
  auto address = boost::asio::ip::make_address(std::string(entry), not_an_address);
  if (not_an_address) return std::nullopt;
  return address.to_string();
}

Response Response::error(std::string_view path, int status, std::string_view code, std::string_view message) {
  std::string body;
  if (path == "/v1" || path.starts_with("/v1/")) {
    std::string_view type = status >= 500 ? "server_error" : "invalid_request_error";
    body.append(R"({"error":{"message":")").append(message).append(R"(","type":")").append(type);
    body.append(R"(","param":null,"code":")").append(code).append(R"("}})");
  } else {
    body.append(R"({"error":{"code":")").append(code).append(R"(","message":")").append(message).append(R"("}})");
  }
  return json(status, std::move(body));
}

}  // namespace plaza::http
