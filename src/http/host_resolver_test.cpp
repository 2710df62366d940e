#include "http/host_resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <deque>
#include <optional>

#include "http/upstream_client.hpp"

namespace plaza::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Endpoints = HostResolver::Endpoints;
using std::chrono::steady_clock;

// A DNS that answers when the test says so.
struct FakeDns {
  struct Call {
    std::string host, port;
    HostResolver::Done done;
  };
  std::vector<Call> calls;

  HostResolver::Lookup lookup() {
    return [this](const asio::any_io_executor&, const std::string& host, const std::string& port,
                  HostResolver::Done done) {
      calls.push_back({host, port, std::move(done)});
    };
  }
};

struct Result {
  std::optional<Endpoints> endpoints;
  std::optional<UpstreamFailure::Kind> failure;
  bool over() const { return endpoints || failure; }
};

asio::awaitable<void> resolve_into(HostResolver& resolver, std::string host, std::string port,
                                   steady_clock::time_point until, Result& out) {
  try {
    out.endpoints = co_await resolver.resolve(host, port, until);
  } catch (const UpstreamFailure& e) {
    out.failure = e.kind();
  }
}

const tcp::endpoint kFirst(asio::ip::make_address("10.0.0.1"), 443);
const tcp::endpoint kMoved(asio::ip::make_address("10.0.0.2"), 443);
const auto kNoDeadline = steady_clock::time_point::max();

class HostResolverTest : public ::testing::Test {
 protected:
  // Starts resolving and runs what is ready; the result fills in as the test answers the DNS.
  const Result& resolve_now(const std::string& host, const std::string& port = "443") {
    Result& r = results.emplace_back();
    asio::co_spawn(io, resolve_into(resolver, host, port, kNoDeadline, r), asio::detached);
    io.restart();
    io.poll();
    return r;
  }
  void answer(std::size_t call, const boost::system::error_code& ec, Endpoints found) {
    dns.calls.at(call).done(ec, std::move(found));
    io.restart();
    io.poll();
  }

  std::deque<Result> results;  // where results stay put

  asio::io_context io;
  FakeDns dns;
  ManualClock clock{1'000'000};
  HostResolver resolver{dns.lookup(), clock, {std::chrono::minutes(1), std::chrono::hours(1)}};
};

TEST_F(HostResolverTest, LooksAHostUpOnceForAllWhoNeedItAndKeepsItAMinute) {
  const Result& a = resolve_now("api.example.com");
  const Result& b = resolve_now("api.example.com");
  ASSERT_EQ(dns.calls.size(), 1u);
  EXPECT_EQ(dns.calls[0].host, "api.example.com");
  EXPECT_FALSE(a.over() || b.over());
  answer(0, {}, {kFirst});
  EXPECT_EQ(a.endpoints, Endpoints{kFirst});
  EXPECT_EQ(b.endpoints, Endpoints{kFirst});

  clock.advance_ms(59'000);
  EXPECT_EQ(resolve_now("api.example.com").endpoints, Endpoints{kFirst});
  EXPECT_EQ(dns.calls.size(), 1u) << "kept for a minute";

  clock.advance_ms(1'000);
  const Result& later = resolve_now("api.example.com");
  ASSERT_EQ(dns.calls.size(), 2u) << "looked up again after a minute";
  answer(1, {}, {kMoved});
  EXPECT_EQ(later.endpoints, Endpoints{kMoved});

  resolve_now("api.example.com", "8443");
  resolve_now("other.example.com");
  EXPECT_EQ(dns.calls.size(), 4u) << "each host and port has its own lookup";
}

TEST_F(HostResolverTest, UsesAddressesFoundWithinTheHourWhenALookupFails) {
  resolve_now("api.example.com");
  answer(0, {}, {kFirst});

  clock.advance_ms(30 * 60'000);
  const Result& half_hour = resolve_now("api.example.com");
  ASSERT_EQ(dns.calls.size(), 2u);
  answer(1, asio::error::host_not_found_try_again, {});
  EXPECT_EQ(half_hour.endpoints, Endpoints{kFirst}) << "the DNS failed: the addresses of half an hour ago";
  // After a failure they serve at once, while another lookup is tried.
  EXPECT_EQ(resolve_now("api.example.com").endpoints, Endpoints{kFirst});
  ASSERT_EQ(dns.calls.size(), 3u);
  EXPECT_EQ(resolve_now("api.example.com").endpoints, Endpoints{kFirst}) << "while it runs too";
  EXPECT_EQ(dns.calls.size(), 3u) << "one lookup at a time";
  answer(2, asio::error::host_not_found_try_again, {});

  clock.advance_ms(31 * 60'000);
  const Result& hour = resolve_now("api.example.com");
  ASSERT_EQ(dns.calls.size(), 4u);
  answer(3, {}, {});  // an answer without addresses is a failure too
  EXPECT_FALSE(hour.endpoints);
  EXPECT_EQ(hour.failure, UpstreamFailure::Kind::connect) << "addresses over an hour old are not used";

  const Result& never = resolve_now("nowhere.example.com");
  answer(4, asio::error::host_not_found, {});
  EXPECT_EQ(never.failure, UpstreamFailure::Kind::connect);
}

TEST_F(HostResolverTest, StopsWaitingAtTheDeadlineWhileTheLookupGoesOn) {
  Result& slow = results.emplace_back();
  asio::co_spawn(
      io, resolve_into(resolver, "slow.example.com", "443", steady_clock::now() + std::chrono::milliseconds(20), slow),
      asio::detached);
  io.run_for(std::chrono::seconds(10));  // ends once the wait does
  EXPECT_EQ(slow.failure, UpstreamFailure::Kind::timeout);
  ASSERT_EQ(dns.calls.size(), 1u);

  const Result& waiting = resolve_now("slow.example.com");
  EXPECT_EQ(dns.calls.size(), 1u) << "the lookup still runs: no second one";
  answer(0, {}, {kFirst});
  EXPECT_EQ(waiting.endpoints, Endpoints{kFirst});

  // Late again most of an hour later: the addresses found before are used at the deadline.
  clock.advance_ms(59 * 60'000);
  Result& late = results.emplace_back();
  asio::co_spawn(
      io, resolve_into(resolver, "slow.example.com", "443", steady_clock::now() + std::chrono::milliseconds(20), late),
      asio::detached);
  io.restart();
  io.poll();
  EXPECT_EQ(resolve_now("slow.example.com").endpoints, Endpoints{kFirst}) << "no wait while the lookup runs";
  EXPECT_FALSE(late.over()) << "the connect that started it waits";
  io.restart();
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(dns.calls.size(), 2u);
  EXPECT_EQ(late.endpoints, Endpoints{kFirst});
}

TEST_F(HostResolverTest, NeverLooksUpAnAddress) {
  EXPECT_EQ(resolve_now("127.0.0.1").endpoints, Endpoints{tcp::endpoint(asio::ip::make_address("127.0.0.1"), 443)});
  EXPECT_EQ(resolve_now("::1").endpoints, Endpoints{tcp::endpoint(asio::ip::make_address("::1"), 443)});
  EXPECT_TRUE(dns.calls.empty());
  EXPECT_EQ(resolve_now("127.0.0.1", "80x").failure, UpstreamFailure::Kind::connect);
  EXPECT_EQ(resolve_now("127.0.0.1", "0").failure, UpstreamFailure::Kind::connect);
}

TEST(HostResolverSystem, FindsLocalhost) {
  asio::io_context io;
  SystemClock clock;
  HostResolver resolver(HostResolver::system_lookup(), clock, {});
  Result r;
  asio::co_spawn(io, resolve_into(resolver, "localhost", "80", steady_clock::now() + std::chrono::seconds(30), r),
                 asio::detached);
  io.run();
  ASSERT_TRUE(r.endpoints) << "failure kind " << static_cast<int>(r.failure.value_or(UpstreamFailure::Kind::protocol));
  ASSERT_FALSE(r.endpoints->empty());
  for (const auto& e : *r.endpoints) {
    EXPECT_TRUE(e.address().is_loopback()) << e.address().to_string();
    EXPECT_EQ(e.port(), 80);
  }
}

}  // namespace
}  // namespace plaza::http
