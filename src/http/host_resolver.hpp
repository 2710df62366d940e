#pragma once
// The addresses of upstream and proxy hosts. Asio resolves with the blocking getaddrinfo, on one
// thread per io_context and one name after another, and a lookup cannot be cancelled once it runs:
// a burst of new upstream connections queued one lookup each, and a slow DNS server held requests
// past their connect timeout and their time limit. Here:
//  - an address literal is never looked up;
//  - a host is looked up once at a time: connects that need it meanwhile wait for the same lookup;
//  - its addresses are kept for `fresh`;
//  - a wait ends at the caller's deadline, the lookup going on for the next caller;
//  - when a lookup fails or is late, addresses found within `stale` are used (a DNS outage should not
//    stop relaying to upstreams that are up and have not moved): the connect that started the lookup
//    waits for it up to its deadline; those that come while it runs, or after it failed, do not wait.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace plaza::http {

class HostResolver {
 public:
  using Endpoints = std::vector<boost::asio::ip::tcp::endpoint>;
  using Done = std::function<void(const boost::system::error_code&, Endpoints)>;
  // Looks `host` up and calls `done` once, later (never from within the call), on any thread.
  using Lookup = std::function<void(const boost::asio::any_io_executor&, const std::string& host,
                                    const std::string& port, Done done)>;

  struct Options {
    std::chrono::milliseconds fresh{60'000};
    std::chrono::milliseconds stale{3'600'000};
  };

  // `clock` measures the ages of addresses and must outlive the resolver.
  HostResolver(Lookup lookup, const Clock& clock, Options options);
  // getaddrinfo, through asio's resolver on the caller's io_context.
  static Lookup system_lookup();

  // The addresses of host:port, in the order to try them. Throws UpstreamFailure: `connect` when the
  // host cannot be resolved, `timeout` when no answer came by `wait_until`.
  boost::asio::awaitable<Endpoints> resolve(std::string host, std::string port,
                                            std::chrono::steady_clock::time_point wait_until);

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with lookups still running
};

}  // namespace plaza::http
