// Process-wide set-up for the unit tests.
#include <gtest/gtest.h>

#include "crypto/crypto.hpp"

namespace {

class CryptoEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override { plaza::crypto::init(); }
};

[[maybe_unused]] auto* const kCrypto = ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);

}  // namespace
