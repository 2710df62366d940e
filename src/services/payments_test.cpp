// Payments against an in-process fake of Stripe's Checkout Sessions API, on both backends, with a
// manual clock: the reconciler credits paid orders whose webhook never came, expires the ones nobody
// will pay (past the session's expiry and a grace, without a session, or with one Stripe no longer
// knows), stays within its batch and the per-order spacing, and a page's look-up is spaced too.
#include "services/payments.hpp"

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "store/ledger_repo.hpp"
#include "store/users_repo.hpp"
#include "support/run_sync.hpp"
#include "support/test_database.hpp"

namespace plaza::services {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bj = boost::json;
using store::payments::Order;
using test::run_sync;

// Stripe's two calls Plaza makes, on loopback, one request per connection.
class FakeStripe {
 public:
  FakeStripe() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeStripe() {
    stop_ = true;
    asio::ip::tcp::socket poke(io_);  // wakes the blocking accept
    boost::system::error_code ec;
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

  void pay(const std::string& id) {
    std::lock_guard lock(mutex_);
    sessions_.at(id)["status"] = "complete";
    sessions_.at(id)["payment_status"] = "paid";
  }
  void forget(const std::string& id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
  }
  // Creations are answered only after `ms` (a stalled Stripe).
  void stall_creates(int ms) { stall_ms_ = ms; }
  int gets() const { return gets_; }
  int creates() const { return creates_; }

 private:
  void serve() {
    while (!stop_) {
      asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) continue;
      beast::flat_buffer buffer;
      beast::http::request<beast::http::string_body> req;
      beast::http::read(s, buffer, req, ec);
      if (ec) continue;
      if (req.method() == beast::http::verb::post && stall_ms_)
        std::this_thread::sleep_for(std::chrono::milliseconds(stall_ms_.load()));
      auto [status, body] = answer(req);
      beast::http::response<beast::http::string_body> res{static_cast<beast::http::status>(status), 11};
      res.set(beast::http::field::content_type, "application/json");
      res.keep_alive(false);
      res.body() = body;
      res.prepare_payload();
      beast::http::write(s, res, ec);
      s.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  std::pair<int, std::string> answer(const beast::http::request<beast::http::string_body>& req) {
    std::lock_guard lock(mutex_);
    std::string target(req.target());
    const std::string prefix = "/v1/checkout/sessions";
    auto not_found = bj::serialize(
        bj::object{{"error", bj::object{{"type", "invalid_request_error"}, {"message", "No such checkout.session"}}}});
    if (req.method() == beast::http::verb::post && target == prefix) {
      ++creates_;
      std::map<std::string, std::string> form;
      std::string_view rest = req.body();
      while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        auto eq = pair.find('=');
        form[http::percent_decode(pair.substr(0, eq), true)] = http::percent_decode(pair.substr(eq + 1), true);
      }
      std::string id = "cs_test_" + std::to_string(++counter_);
      bj::object s{{"id", id},
                   {"object", "checkout.session"},
                   {"url", "https://checkout.stripe.test/pay/" + id},
                   {"status", "open"},
                   {"payment_status", "unpaid"},
                   {"amount_total", std::stoll(form["line_items[0][price_data][unit_amount]"])},
                   {"currency", form["line_items[0][price_data][currency]"]},
                   {"client_reference_id", form["client_reference_id"]},
                   {"expires_at", std::stoll(form["expires_at"])},
                   {"metadata", bj::object{{"order_id", form["metadata[order_id]"]},
                                           {"user_id", form["metadata[user_id]"]},
                                           {"nonce", form["metadata[nonce]"]}}}};
      sessions_[id] = s;
      return {200, bj::serialize(s)};
    }
    if (req.method() == beast::http::verb::get && target.starts_with(prefix + "/")) {
      ++gets_;
      auto it = sessions_.find(target.substr(prefix.size() + 1));
      if (it == sessions_.end()) return {404, not_found};
      return {200, bj::serialize(it->second)};
    }
    return {404, not_found};
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<std::string, bj::object> sessions_;
  std::atomic<int> gets_{0}, creates_{0}, stall_ms_{0};
  int counter_ = 0;
};

class PaymentsTest : public test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    user_ = db().write_sync([](store::Conn& c) { return store::users::create(c, {"alice", {}, "h"}, 1).id; });
    db().write_sync([&](store::Conn& c) {
      PaymentSettings s;
      s.kind = "stripe";
      s.api_base = stripe_.url();
      s.secret_key = "sk_test_unit";
      save_payment_settings(c, box_, s, 1);
    });
    PaymentsOptions o;
    o.public_url = "https://plaza.example.test";
    o.stripe_time_limit = std::chrono::milliseconds(500);
    payments_.emplace(db(), clock_, upstream_, box_, nullptr, o);
  }
  void TearDown() override {
    payments_.reset();
    BackendTest::TearDown();
  }

  Checkout checkout(int64_t amount) { return run_sync(payments_->checkout(user_, amount, std::nullopt)); }
  Order stored(int64_t id) {
    return *db().read_sync([id](store::Conn& c) { return store::payments::find(c, id); });
  }
  int64_t paid() {
    return db().read_sync(
        [&](store::Conn& c) { return store::ledger::balance(c, store::ledger::kPaid, user_).balance; });
  }
  int reconcile(int64_t limit = 20) { return run_sync(payments_->reconcile(limit)); }
  void advance_s(int64_t s) { clock_.advance_ms(s * 1000); }
  // An order as a crash between filing it and calling Stripe leaves it: pending, no session.
  int64_t unstarted_order() {
    return db().write_sync([&](store::Conn& c) {
      Order o;
      o.user_id = user_;
      o.provider = "stripe";
      o.amount = 100;
      o.currency = "CNY";
      o.credits = 10'000'000;
      o.created_at = clock_.now_s();
      o.nonce = "n" + std::to_string(++nonces_);
      o.expires_at = clock_.now_s() + Payments::kSessionLifetime;
      return store::payments::insert(c, o);
    });
  }

  FakeStripe stripe_;
  ManualClock clock_{test::kStartMs};
  crypto::SecretBox box_{std::string(32, 'k')};
  http::UpstreamClient upstream_;
  std::optional<Payments> payments_;
  int64_t user_ = 0;
  int nonces_ = 0;
};
// Named so that --gtest_filter='Payments*' selects it.
INSTANTIATE_TEST_SUITE_P(Payments, PaymentsTest, ::testing::Values(std::string("sqlite"), std::string("postgres")),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST_P(PaymentsTest, TheReconcilerCreditsAPaidOrderWhoseWebhookNeverCame) {
  auto c = checkout(1000);
  EXPECT_EQ(stored(c.order.id).expires_at, clock_.now_s() + 3600);
  stripe_.pay(*c.order.provider_ref);
  advance_s(Payments::kRefreshSpacing);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(c.order.id).status, "paid");
  EXPECT_EQ(paid(), c.order.credits);
  advance_s(Payments::kRefreshSpacing);
  EXPECT_EQ(reconcile(), 0) << "a paid order is not looked up again";
  EXPECT_EQ(paid(), c.order.credits);
}

TEST_P(PaymentsTest, TheReconcilerAndThePageKeepTheSpacingPerOrder) {
  auto c = checkout(1000);
  int gets = stripe_.gets();
  // The page looks the order up once per kRefreshSpacing, not on every GET.
  EXPECT_EQ(run_sync(payments_->order(user_, c.order.id)).status, "pending");
  EXPECT_EQ(stripe_.gets(), gets + 1);
  stripe_.pay(*c.order.provider_ref);
  EXPECT_EQ(run_sync(payments_->order(user_, c.order.id)).status, "pending");
  EXPECT_EQ(reconcile(), 0);
  EXPECT_EQ(stripe_.gets(), gets + 1);
  advance_s(Payments::kRefreshSpacing - 1);
  EXPECT_EQ(reconcile(), 0);
  advance_s(1);
  EXPECT_EQ(run_sync(payments_->order(user_, c.order.id)).status, "paid");
  EXPECT_EQ(stripe_.gets(), gets + 2);
  EXPECT_EQ(paid(), c.order.credits);
}

TEST_P(PaymentsTest, AnOpenSessionExpiresOnlyPastItsExpiryAndTheGrace) {
  auto c = checkout(1000);
  advance_s(Payments::kSessionLifetime + Payments::kExpiryGrace);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(c.order.id).status, "pending") << "still within the grace";
  advance_s(Payments::kRefreshSpacing);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(c.order.id).status, "expired");
  EXPECT_EQ(paid(), 0);
}

TEST_P(PaymentsTest, AnOverduePaidSessionIsCreditedNotExpired) {
  auto c = checkout(1000);
  stripe_.pay(*c.order.provider_ref);
  advance_s(Payments::kSessionLifetime + Payments::kExpiryGrace + 60);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(c.order.id).status, "paid");
  EXPECT_EQ(paid(), c.order.credits);
}

TEST_P(PaymentsTest, AnOrderThatNeverGotASessionExpires) {
  int64_t id = unstarted_order();
  int creates = stripe_.creates(), gets = stripe_.gets();
  advance_s(Payments::kRefreshSpacing);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(id).status, "pending");
  advance_s(Payments::kSessionLifetime + Payments::kExpiryGrace);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(id).status, "expired");
  EXPECT_EQ(stripe_.creates(), creates);
  EXPECT_EQ(stripe_.gets(), gets) << "nothing to ask Stripe about";
}

TEST_P(PaymentsTest, AnOrderWhoseSessionStripeNoLongerKnowsExpires) {
  auto c = checkout(1000);
  stripe_.forget(*c.order.provider_ref);  // the key now names another Stripe account
  advance_s(Payments::kRefreshSpacing);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(c.order.id).status, "pending") << "not before its expiry: Stripe may be wrong for a moment";
  advance_s(Payments::kSessionLifetime + Payments::kExpiryGrace);
  EXPECT_EQ(reconcile(), 1);
  EXPECT_EQ(stored(c.order.id).status, "expired");
}

TEST_P(PaymentsTest, TheReconcilerTakesABoundedBatchOldestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(unstarted_order());
  advance_s(Payments::kSessionLifetime + Payments::kExpiryGrace + 1);
  EXPECT_EQ(reconcile(20), 20);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(stored(ids[i]).status, i < 20 ? "expired" : "pending") << i;
  EXPECT_EQ(reconcile(20), 5);
  EXPECT_EQ(stored(ids[24]).status, "expired");
}

TEST_P(PaymentsTest, AWebhookHeaderThatCannotHoldIsRefusedBeforeTheSettingsAreRead) {
  // No webhook secret is set: a header refused on its own says so, not that the site takes no events
  // (which it learns only from the settings).
  auto error = [&](std::string header) {
    auto e = test::error_of(payments_->stripe_webhook(std::move(header), "{}"));
    return e ? std::string(e->what()) : std::string("no error");
  };
  std::string v1(64, 'a');
  int64_t now = clock_.now_s();
  EXPECT_EQ(error(""), "no valid Stripe-Signature for this body");
  EXPECT_EQ(error("t=" + std::to_string(now)), "no valid Stripe-Signature for this body");
  EXPECT_EQ(error("t=" + std::to_string(now) + ",v1=xyz"), "no valid Stripe-Signature for this body");
  EXPECT_EQ(error("t=" + std::to_string(now - 301) + ",v1=" + v1),
            "the signature's timestamp is outside the tolerance");
  EXPECT_EQ(error("t=" + std::to_string(now) + ",v1=" + v1),
            "this site takes no Stripe events (no webhook secret is set)");
}

TEST_P(PaymentsTest, AStalledStripeEndsTheCheckoutWithinItsTimeLimitAndFailsTheOrder) {
  stripe_.stall_creates(1500);
  auto started = std::chrono::steady_clock::now();
  auto e = test::error_of(payments_->checkout(user_, 1000, std::string("stalled")));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), ErrorCode::upstream_error);
  EXPECT_STREQ(e->what(), "the payment provider could not start the payment; try again later");
  EXPECT_LT(took, std::chrono::milliseconds(1400)) << "the time limit (500 ms), not Stripe, ended it";
  auto o = db().read_sync([&](store::Conn& c) { return store::payments::find_by_request(c, user_, "stalled"); });
  ASSERT_TRUE(o);
  EXPECT_EQ(o->status, "failed");
  EXPECT_FALSE(o->provider_ref);
}

}  // namespace
}  // namespace plaza::services
