#include "http/host_resolver.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "http/upstream_client.hpp"

namespace plaza::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HostResolver::State {
  struct Host {
    Endpoints endpoints;                   // the last addresses found (empty: none yet)
    int64_t found_ms = 0;                  // when
    bool looking = false;                  // a lookup runs
    uint64_t lookups_done = 0;             // a waiter's lookup is over once this moves on
    boost::system::error_code last_error;  // of the last lookup
    std::vector<std::shared_ptr<asio::steady_timer>> waiters;
  };

  State(Lookup l, const Clock& c, Options o) : lookup(std::move(l)), clock(c), options(o) {}

  // The host has addresses found less than `limit` ago (not if the clock went back).
  bool found_within(const Host& h, std::chrono::milliseconds limit) const {
    int64_t age = clock.now_ms() - h.found_ms;
    return !h.endpoints.empty() && age >= 0 && age < limit.count();
  }
  bool fresh(const Host& h) const { return found_within(h, options.fresh); }
  bool usable_stale(const Host& h) const { return found_within(h, options.stale); }

  void finish(const std::string& name, const boost::system::error_code& ec, Endpoints found) {
    std::vector<std::shared_ptr<asio::steady_timer>> waiters;
    {
      std::lock_guard lock(mutex);
      Host& h = hosts[name];
      h.looking = false;
      ++h.lookups_done;
      h.last_error = ec ? ec : found.empty() ? asio::error::host_not_found : boost::system::error_code();
      if (!h.last_error) {
        h.endpoints = std::move(found);
        h.found_ms = clock.now_ms();
      } else {
        spdlog::warn("cannot resolve {}: {}{}", name, h.last_error.message(),
                     usable_stale(h) ? "; using the addresses found before" : "");
      }
      waiters.swap(h.waiters);
    }
    // Each waiter's timer belongs to its own loop (one thread each): the cancel runs there, after
    // the waiter has started waiting.
    for (auto& timer : waiters) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }

  Lookup lookup;
  const Clock& clock;
  Options options;
  std::mutex mutex;
  std::unordered_map<std::string, Host> hosts;  // by host:port
};

HostResolver::HostResolver(Lookup lookup, const Clock& clock, Options options)
    : state_(std::make_shared<State>(std::move(lookup), clock, options)) {}

HostResolver::Lookup HostResolver::system_lookup() {
  return [](const asio::any_io_executor& ex, const std::string& host, const std::string& port, Done done) {
    auto resolver = std::make_shared<tcp::resolver>(ex);
    resolver->async_resolve(host, port,
                            [resolver, done = std::move(done)](const boost::system::error_code& ec,
                                                               const tcp::resolver::results_type& results) {
                              Endpoints endpoints;
                              for (const auto& r : results) endpoints.push_back(r.endpoint());
                              done(ec, std::move(endpoints));
                            });
  };
}

asio::awaitable<HostResolver::Endpoints> HostResolver::resolve(std::string host, std::string port,
                                                               std::chrono::steady_clock::time_point wait_until) {
  boost::system::error_code not_an_address;
  auto address = asio::ip::make_address(host, not_an_address);
  if (!not_an_address) {
    unsigned short number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number == 0)
      throw UpstreamFailure(UpstreamFailure::Kind::connect, "the upstream's port is not a port number");
    co_return Endpoints{tcp::endpoint(address, number)};
  }

  auto ex = co_await asio::this_coro::executor;
  std::string name = host + ":" + port;
  auto timer = std::make_shared<asio::steady_timer>(ex);
  timer->expires_at(wait_until);
  uint64_t lookups_before = 0;
  bool start = false;
  std::optional<Endpoints> stale;
  {
    std::lock_guard lock(state_->mutex);
    State::Host& h = state_->hosts[name];
    if (state_->fresh(h)) co_return h.endpoints;
    start = !h.looking;
    h.looking = true;
    // Addresses within the hour, and the DNS slow (a lookup runs) or failing (the last one did):
    // they serve at once while a lookup goes on, rather than each connect waiting for it.
    if (state_->usable_stale(h) && (!start || h.last_error)) {
      stale = h.endpoints;
    } else {
      lookups_before = h.lookups_done;
      h.waiters.push_back(timer);
    }
  }
  if (start) {
    state_->lookup(ex, host, port, [state = state_, name](const boost::system::error_code& ec, Endpoints found) {
      state->finish(name, ec, std::move(found));
    });
  }
  if (stale) co_return std::move(*stale);
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));

  std::lock_guard lock(state_->mutex);
  State::Host& h = state_->hosts[name];
  bool answered = h.lookups_done != lookups_before;
  if (answered && !h.last_error) co_return h.endpoints;
  if (state_->usable_stale(h)) co_return h.endpoints;
  if (!answered) throw UpstreamFailure(UpstreamFailure::Kind::timeout, "resolving the upstream host timed out");
  throw UpstreamFailure(UpstreamFailure::Kind::connect, "cannot resolve the upstream host");
}

}  // namespace plaza::http
