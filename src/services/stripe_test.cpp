#include "services/stripe.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "crypto/crypto.hpp"
#include "http/request.hpp"

namespace plaza::services::stripe {
namespace {

constexpr int64_t kNow = 1'700'000'000;
const std::string kBody = R"({"id":"evt_1","type":"checkout.session.completed"})";
const std::string kSecret = "whsec_test_secret";

std::string sign(std::string_view body, std::string_view secret, int64_t t) {
  return crypto::hmac_sha256_hex(secret, std::to_string(t) + "." + std::string(body));
}

TEST(PaymentsSignature, HmacMatchesTheRfc4231Vector) {
  // RFC 4231 test case 2: key "Jefe".
  EXPECT_EQ(crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(PaymentsSignature, AcceptsAValidSignature) {
  auto header = "t=" + std::to_string(kNow) + ",v1=" + sign(kBody, kSecret, kNow);
  EXPECT_EQ(verify_signature(header, kBody, kSecret, kNow), Signature::ok);
  EXPECT_EQ(verify_signature(header, kBody, kSecret, kNow + 300), Signature::ok);
}

TEST(PaymentsSignature, RefusesAWrongSecret) {
  auto header = "t=" + std::to_string(kNow) + ",v1=" + sign(kBody, "whsec_other", kNow);
  EXPECT_EQ(verify_signature(header, kBody, kSecret, kNow), Signature::mismatch);
}

TEST(PaymentsSignature, RefusesATamperedBody) {
  auto header = "t=" + std::to_string(kNow) + ",v1=" + sign(kBody, kSecret, kNow);
  std::string tampered = kBody;
  tampered[10] = 'X';
  EXPECT_EQ(verify_signature(header, tampered, kSecret, kNow), Signature::mismatch);
  // The timestamp is signed too: another t with the same v1 fails.
  auto moved = "t=" + std::to_string(kNow + 1) + ",v1=" + sign(kBody, kSecret, kNow);
  EXPECT_EQ(verify_signature(moved, kBody, kSecret, kNow), Signature::mismatch);
}

TEST(PaymentsSignature, RefusesAnOldOrFutureTimestamp) {
  int64_t old = kNow - 301;
  EXPECT_EQ(verify_signature("t=" + std::to_string(old) + ",v1=" + sign(kBody, kSecret, old), kBody, kSecret, kNow),
            Signature::stale);
  int64_t future = kNow + 301;
  EXPECT_EQ(
      verify_signature("t=" + std::to_string(future) + ",v1=" + sign(kBody, kSecret, future), kBody, kSecret, kNow),
      Signature::stale);
}

TEST(PaymentsSignature, AcceptsAnyOfSeveralV1Values) {
  auto good = sign(kBody, kSecret, kNow);
  auto bad = sign(kBody, "whsec_old", kNow);
  auto header = "t=" + std::to_string(kNow) + ",v1=" + bad + ",v1=" + good + ",v0=" + bad;
  EXPECT_EQ(verify_signature(header, kBody, kSecret, kNow), Signature::ok);
  EXPECT_EQ(verify_signature("t=" + std::to_string(kNow) + ",v1=" + bad + ",v1=" + bad, kBody, kSecret, kNow),
            Signature::mismatch);
}

TEST(PaymentsSignature, RefusesMalformedHeaders) {
  auto good = sign(kBody, kSecret, kNow);
  EXPECT_EQ(verify_signature("", kBody, kSecret, kNow), Signature::malformed);
  EXPECT_EQ(verify_signature("v1=" + good, kBody, kSecret, kNow), Signature::malformed);
  EXPECT_EQ(verify_signature("t=" + std::to_string(kNow), kBody, kSecret, kNow), Signature::malformed);
  EXPECT_EQ(verify_signature("t=12x,v1=" + good, kBody, kSecret, kNow), Signature::malformed);
  EXPECT_EQ(verify_signature("t=" + std::to_string(kNow) + ",v1=" + good, kBody, "", kNow), Signature::malformed);
  // Only the v1 scheme counts: a v0 that matches is not enough.
  EXPECT_EQ(verify_signature("t=" + std::to_string(kNow) + ",v0=" + good, kBody, kSecret, kNow), Signature::malformed);
}

TEST(PaymentsCredits, ConvertsTwoDecimalCurrencies) {
  // 10 credits per yuan: 1 fen = 0.1 credit = 100,000 µc.
  EXPECT_EQ(minor_per_unit("CNY"), 100);
  EXPECT_EQ(credits_for(1, "CNY", 10), 100'000);
  EXPECT_EQ(credits_for(10'000, "cny", 10), 1'000'000'000);  // 100 yuan = 1,000 credits
  EXPECT_EQ(credits_for(250, "USD", 7), 17'500'000);
}

TEST(PaymentsCredits, ConvertsZeroAndThreeDecimalCurrencies) {
  EXPECT_EQ(minor_per_unit("JPY"), 1);
  EXPECT_EQ(minor_per_unit("krw"), 1);
  EXPECT_EQ(credits_for(500, "JPY", 1), 500'000'000);  // 500 yen, 1 credit per yen
  EXPECT_EQ(minor_per_unit("KWD"), 1000);
  EXPECT_EQ(credits_for(1000, "KWD", 3), 3'000'000);
}

TEST(PaymentsCredits, IsExactOrRefused) {
  // With a whole credits_per_unit every amount converts exactly (a minor unit is at most 1/1000 of a
  // unit, and a credit is 10^6 µc): one minor unit of each kind, checked to the µc.
  EXPECT_EQ(credits_for(1, "KWD", 1), 1'000);
  EXPECT_EQ(credits_for(1, "USD", 1), 10'000);
  EXPECT_EQ(credits_for(1, "JPY", 1), 1'000'000);
  // What cannot be an order is refused rather than rounded or wrapped.
  EXPECT_EQ(credits_for(0, "CNY", 10), std::nullopt);
  EXPECT_EQ(credits_for(-5, "CNY", 10), std::nullopt);
  EXPECT_EQ(credits_for(100, "CNY", 0), std::nullopt);
  EXPECT_EQ(credits_for(INT64_MAX / 2, "JPY", 1'000), std::nullopt);
  // Inputs whose product would pass __int128 (9.2e18 × 9.2e18 × 1e6) are refused, not wrapped.
  EXPECT_EQ(credits_for(INT64_MAX, "USD", INT64_MAX), std::nullopt);
  EXPECT_EQ(credits_for(INT64_MAX - 99, "JPY", INT64_MAX), std::nullopt);
}

TEST(PaymentsForm, EncodesTheSessionRequestInBracketNotation) {
  SessionRequest r{
      42, "n0nce", 7, 1'700'003'600, 1000, "CNY", "https://chat.example.com/", product_name(100'000'000'000)};
  auto form = checkout_form(r);
  EXPECT_EQ(form,
            "mode=payment"
            "&success_url=https%3A%2F%2Fchat.example.com%2Fwallet%3Fpayment%3D42"
            "&cancel_url=https%3A%2F%2Fchat.example.com%2Fwallet%3Fpayment%3D42%26cancelled%3D1"
            "&client_reference_id=42"
            "&metadata%5Border_id%5D=42"
            "&metadata%5Buser_id%5D=7"
            "&metadata%5Bnonce%5D=n0nce"
            "&expires_at=1700003600"
            "&line_items%5B0%5D%5Bquantity%5D=1"
            "&line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=cny"
            "&line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=1000"
            "&line_items%5B0%5D%5Bprice_data%5D%5Bproduct_data%5D%5Bname%5D=100%2C000%20credits");
  // Decoded, every pair is what Stripe reads.
  EXPECT_EQ(http::percent_decode("100%2C000%20credits", true), "100,000 credits");
}

TEST(PaymentsForm, NamesTheProduct) {
  EXPECT_EQ(product_name(1'000'000'000), "1,000 credits");
  EXPECT_EQ(product_name(12'500'000), "12.5 credits");
  EXPECT_EQ(product_name(1'234'567'500'000), "1,234,567.5 credits");
  EXPECT_EQ(product_name(100'000), "0.1 credits");
}

TEST(PaymentsForm, ReadsACheckoutSession) {
  auto v = boost::json::parse(
      R"({"id":"cs_test_1","object":"checkout.session","url":"https://checkout.stripe.com/c/pay/cs_test_1",)"
      R"("amount_total":1000,"currency":"CNY","client_reference_id":"42","metadata":{"order_id":"42"},)"
      R"("payment_status":"paid","status":"complete"})");
  auto s = parse_session(v);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, "cs_test_1");
  EXPECT_EQ(s->amount_total, 1000);
  EXPECT_EQ(s->currency, "cny");
  EXPECT_EQ(s->order_id, 42);
  EXPECT_EQ(s->user_id, std::nullopt);
  EXPECT_FALSE(s->ids_disagree);
  EXPECT_EQ(parse_session(boost::json::parse(R"({"id":"cs_4","metadata":{"order_id":"42","user_id":"7"}})"))->user_id,
            7);
  auto other = boost::json::parse(R"({"id":"cs_2","client_reference_id":"43","metadata":{"order_id":"42"}})");
  EXPECT_TRUE(parse_session(other)->ids_disagree);
  EXPECT_FALSE(parse_session(boost::json::parse(R"({"object":"checkout.session"})")));
  EXPECT_FALSE(parse_session(boost::json::parse(R"({"id":"cs_3","metadata":{"order_id":"-1"}})"))->order_id);
}

TEST(StripeUrls, TheApiBaseIsHttpsExceptOnLoopback) {
  EXPECT_TRUE(acceptable_api_base("https://api.stripe.com"));
  EXPECT_TRUE(acceptable_api_base("HTTPS://api.stripe.com/"));
  EXPECT_TRUE(acceptable_api_base("http://127.0.0.1:4242"));
  EXPECT_TRUE(acceptable_api_base("http://127.8.0.1"));
  EXPECT_TRUE(acceptable_api_base("http://localhost:12000"));
  EXPECT_TRUE(acceptable_api_base("http://[::1]:12000"));
  EXPECT_FALSE(acceptable_api_base("http://api.stripe.com"));
  EXPECT_FALSE(acceptable_api_base("http://10.0.0.1"));
  EXPECT_FALSE(acceptable_api_base("http://127.0.0.1.evil.example"));
  EXPECT_FALSE(acceptable_api_base("ftp://127.0.0.1"));
  EXPECT_FALSE(acceptable_api_base("javascript:alert(1)"));
  EXPECT_FALSE(acceptable_api_base(""));
}

TEST(StripeUrls, TheCheckoutUrlIsHttpsOrHttpFromALoopbackFake) {
  const std::string real = "https://api.stripe.com";
  const std::string fake = "http://127.0.0.1:4242";
  EXPECT_TRUE(acceptable_checkout_url("https://checkout.stripe.com/c/pay/cs_1", real));
  // Stripe's pages carry a fragment.
  EXPECT_TRUE(
      acceptable_checkout_url("https://checkout.stripe.com/c/pay/cs_test_a1#fidkdWxOYHwnPyd1blpxYHZxWjA0", real));
  EXPECT_TRUE(acceptable_checkout_url("http://127.0.0.1:4242/pay/cs_1", fake));
  EXPECT_FALSE(acceptable_checkout_url("http://checkout.stripe.com/c/pay/cs_1", real));
  EXPECT_FALSE(acceptable_checkout_url("javascript:alert(document.cookie)", real));
  EXPECT_FALSE(acceptable_checkout_url("javascript:alert(document.cookie)", fake));
  EXPECT_FALSE(acceptable_checkout_url("data:text/html,<script>alert(1)</script>", fake));
  EXPECT_FALSE(acceptable_checkout_url("//evil.example/pay", fake));
  EXPECT_FALSE(acceptable_checkout_url("", real));
  EXPECT_FALSE(acceptable_checkout_url("https://checkout.stripe.com/c/pay/" + std::string(5000, 'a'), real));
}

TEST(PaymentsSignature, PrechecksTheHeaderWithoutTheSecret) {
  auto good = sign(kBody, kSecret, kNow);
  auto t = "t=" + std::to_string(kNow);
  EXPECT_EQ(precheck_signature(t + ",v1=" + good, kNow), Signature::ok);
  EXPECT_EQ(precheck_signature("", kNow), Signature::malformed);
  EXPECT_EQ(precheck_signature(t, kNow), Signature::malformed);
  EXPECT_EQ(precheck_signature("v1=" + good, kNow), Signature::malformed);
  EXPECT_EQ(precheck_signature(t + ",v0=" + good, kNow), Signature::malformed);
  EXPECT_EQ(precheck_signature(t + ",v1=zz", kNow), Signature::malformed);
  EXPECT_EQ(precheck_signature("t=12x,v1=" + good, kNow), Signature::malformed);
  EXPECT_EQ(precheck_signature(t + ",v1=" + good, kNow + 301), Signature::stale);
  EXPECT_EQ(precheck_signature(t + ",v1=" + good, kNow - 301), Signature::stale);
}

}  // namespace
}  // namespace plaza::services::stripe
