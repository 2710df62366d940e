#include "http/router.hpp"

namespace plaza::http {

namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  out.reserve(8);  // one allocation for the paths we route
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}
boost::asio::awaitable<Response> not_found(Request&) {
  co_return Response::json(404, R"({"error":{"code":"not_found","message":"no such endpoint"}})");
}

}  // namespace

Router::Router() {
  set_fallback(0, not_found);
}

void Router::add(std::string method, std::string pattern, int64_t body_limit, Handler handler) {
  Route r;
  r.method = std::move(method);
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  r.pattern = std::move(pattern);
  r.body_limit = body_limit;
  r.handler = std::move(handler);
  r.index = routes_.size();
  routes_.push_back(std::move(r));
  fallback_.index = routes_.size();
}

void Router::set_fallback(int64_t body_limit, Handler handler) {
  fallback_.method.assign(1, '*');  // not = "*": g++ 12 warns falsely (-Wrestrict) on that
  fallback_.pattern = "static";
  fallback_.body_limit = body_limit;
  fallback_.handler = std::move(handler);
  fallback_.index = routes_.size();
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path.front() != '/') return m;
  auto segs = split_path(path);
  for (const auto& r : routes_) {
    bool rest = r.takes_rest();
    if (rest ? segs.size() < r.segments.size() : r.segments.size() != segs.size()) continue;
    bool ok = true;
    std::vector<std::pair<std::string, std::string>> params;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& want = r.segments[std::min(i, r.segments.size() - 1)];
      if (rest && i + 1 >= r.segments.size()) {
        // "{name...}": this segment and every one after it, slashes kept ("app/<slug>").
        if (segs[i].empty()) {
          ok = false;
        } else if (i + 1 == r.segments.size()) {
          params.emplace_back(want.substr(1, want.size() - 5), percent_decode(segs[i], false));
        } else {
          params.back().second += "/" + percent_decode(segs[i], false);
        }
      } else if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        if (segs[i].empty())
          ok = false;
        else
          params.emplace_back(want.substr(1, want.size() - 2), percent_decode(segs[i], false));
      } else {
        ok = want == segs[i];
      }
    }
    if (!ok) continue;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) {
      m.wrong_method = true;
      m.allowed += (m.allowed.empty() ? "" : ", ") + r.method;
      if (r.method == "GET") m.allowed += ", HEAD";  // a GET route answers HEAD too
      continue;
    }
    m.route = &r;
    m.params = std::move(params);
    m.wrong_method = false;
    m.allowed.clear();
    return m;
  }
  return m;
}

}  // namespace plaza::http
