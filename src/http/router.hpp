#pragma once
// Routes by method and path pattern ("/api/keys/{id}"). Each route carries its body limit, so the
// server can refuse an oversized body before reading it.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace plaza::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{name}" segments capture; a last "{name...}" takes the rest
  bool takes_rest() const { return !segments.empty() && segments.back().ends_with("...}"); }
  int64_t body_limit = 0;
  Handler handler;
  std::size_t index = 0;  // for metrics
};

class Router {
 public:
  Router();  // without set_fallback, unmatched paths get a JSON 404
  void add(std::string method, std::string pattern, int64_t body_limit, Handler handler);
  // Serves what no route matches (static files, then the SPA); index size() in metrics.
  void set_fallback(int64_t body_limit, Handler handler);

  struct Match {
    const Route* route = nullptr;  // null when nothing matched: use the fallback
    bool wrong_method = false;     // the path exists with other methods
    std::string allowed;           // then those methods, as a 405's Allow header lists them ("GET, POST")
    std::vector<std::pair<std::string, std::string>> params;
  };
  Match match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }
  const Route& fallback() const { return fallback_; }

 private:
  std::vector<Route> routes_;
  Route fallback_;
};

}  // namespace plaza::http
