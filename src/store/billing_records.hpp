#pragma once
// Rows for billing: group multipliers, plans and subscriptions, packs, redeem batches and codes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"

namespace plaza::store {

struct Allowance {
  std::string model;
  int64_t per_day = 0;  // calls per day; -1: unlimited
};

struct Plan {
  int64_t id = 0;
  std::string name;
  int64_t level = 1;
  int64_t period_days = 30;
  int64_t price = 0;  // µc
  std::vector<Allowance> allowances;
  bool enabled = true;
  int64_t daily_value() const { return period_days > 0 ? price / period_days : 0; }  // rounds down
  const Allowance* allowance_for(const std::string& model) const {
    for (const auto& a : allowances)
      if (a.model == model) return &a;
    return nullptr;
  }
};

struct Subscription {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t plan_id = 0;
  std::string plan_name;
  int64_t level = 0;
  int64_t price = 0;
  int64_t period_days = 0;
  int64_t daily_value = 0;  // fixed when bought: later price edits do not change it
  std::vector<Allowance> allowances;
  int64_t started_at = 0;
  int64_t ends_at = 0;
  bool auto_renew = true;
  bool from_code = false;  // its days were redeemed from a code: not renewed, not lengthened by a purchase
  const Allowance* allowance_for(const std::string& model) const {
    for (const auto& a : allowances)
      if (a.model == model) return &a;
    return nullptr;
  }
};

struct Pack {
  int64_t id = 0;
  std::string name;
  std::string kind;  // count | credit
  int64_t price = 0;
  int64_t calls = 0;    // count packs
  int64_t credits = 0;  // credit packs: paid µc delivered
  std::vector<std::string> models;
  int64_t valid_days = 0;  // 0: never expires
  bool enabled = true;
  std::optional<int64_t> per_user_limit;  // purchases per user; nullopt: no limit
};

struct UserPack {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t pack_id = 0;
  std::string name;
  std::vector<std::string> models;
  int64_t total = 0;
  int64_t remaining = 0;
  int64_t price = 0;  // µc paid for it (0 when it came from a code)
  std::optional<int64_t> expires_at;
  int64_t created_at = 0;
};

struct RedeemBatch {
  int64_t id = 0;
  std::string name;
  std::string kind;  // paid | gift | count_pack | plan_days
  int64_t amount = 0;
  std::optional<int64_t> pack_id;
  std::optional<int64_t> plan_id;
  int64_t count = 0;
  int64_t redeemed = 0;
  std::optional<int64_t> expires_at;
  bool disabled = false;
  int64_t created_at = 0;
};

}  // namespace plaza::store
