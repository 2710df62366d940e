#include "services/billing_admin.hpp"

#include <ctime>
#include <map>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/validation.hpp"
#include "services/wallet.hpp"
#include "store/async.hpp"
#include "store/changes.hpp"
#include "store/settings_repo.hpp"

namespace plaza::services {

namespace {

constexpr int64_t kMaxMoney = int64_t{1} << 50;  // µc: about a billion credits

void check_amount(int64_t v, const char* field) {
  if (v < 0 || v > kMaxMoney) throw Error(ErrorCode::invalid_request, std::string(field) + " is out of range", field);
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > 100) throw Error(ErrorCode::invalid_request, "give a name (up to 100 characters)", "name");
}

void check_models(const std::vector<std::string>& models) {
  if (models.size() > 200) throw Error(ErrorCode::invalid_request, "too many models", "models");
  for (const auto& m : models)
    if (m.empty() || m.size() > 200) throw Error(ErrorCode::invalid_request, "a model id is empty or too long", "models");
}

}  // namespace

int64_t day_start(const std::string& day) {
  std::tm tm{};
  tm.tm_year = std::stoi(day.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(day.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(day.substr(8, 2));
  tm.tm_isdst = -1;
  return static_cast<int64_t>(std::mktime(&tm));
}

awaitable<std::vector<store::prices::Row>> BillingAdmin::prices() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::prices::list(c); });
}

awaitable<void> BillingAdmin::put_price(int64_t admin_id, std::string model, money::Price p) {
  if (model.empty() || model.size() > 200) throw Error(ErrorCode::invalid_request, "model id is empty or too long", "model");
  check_amount(p.input_per_m, "input_per_m");
  check_amount(p.output_per_m, "output_per_m");
  check_amount(p.cached_per_m, "cached_per_m");
  check_amount(p.per_call, "per_call");
  if (p.web_free_daily_cap < 0 || p.web_free_daily_cap > 1'000'000)
    throw Error(ErrorCode::invalid_request, "web_free_daily_cap is out of range", "web_free_daily_cap");
  if (p.max_output_tokens < 0 || p.max_output_tokens > 10'000'000)
    throw Error(ErrorCode::invalid_request, "max_output_tokens is out of range", "max_output_tokens");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    store::prices::put(c, model, p, now);
    store::audit::record(c, admin_id, "price.put", "model:" + model, std::string(money::to_string(p.mode)), now);
    store::announce(c, "prices");
  });
  prices_.invalidate();
}

awaitable<void> BillingAdmin::delete_price(int64_t admin_id, std::string model) {
  int64_t now = clock_.now_s();
  bool removed = co_await store::write(db_, [&](store::Conn& c) {
    bool r = store::prices::remove(c, model);
    if (r) store::audit::record(c, admin_id, "price.delete", "model:" + model, "", now);
    store::announce(c, "prices");
    return r;
  });
  if (!removed) throw Error(ErrorCode::not_found, "this model has no price");
  prices_.invalidate();
}

awaitable<std::vector<store::groups::Multiplier>> BillingAdmin::groups() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::groups::list(c); });
}

awaitable<void> BillingAdmin::put_group(int64_t admin_id, std::string name, int64_t multiplier_ppm) {
  // The rule users' and channels' groups are held to: a multiplier for a name no user can be in is no use.
  if (auto err = check_group(name)) throw Error(ErrorCode::invalid_request, *err, "name");
  if (multiplier_ppm < 0 || multiplier_ppm > 1000 * money::kPpmOne)
    throw Error(ErrorCode::invalid_request, "multiplier_ppm is out of range", "multiplier_ppm");
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    store::groups::put(c, name, multiplier_ppm, now);
    store::audit::record(c, admin_id, "group.put", "group:" + name, std::to_string(multiplier_ppm), now);
    store::announce(c, "prices");
  });
  prices_.invalidate();
}

awaitable<std::vector<store::Plan>> BillingAdmin::plans(bool enabled_only) {
  co_return co_await store::read(db_, [enabled_only](store::Conn& c) { return store::plans::list(c, enabled_only); });
}

awaitable<store::Plan> BillingAdmin::save_plan(int64_t admin_id, store::Plan plan) {
  check_name(plan.name);
  check_amount(plan.price, "price");
  if (plan.level < 1 || plan.level > 100) throw Error(ErrorCode::invalid_request, "level is 1..100", "level");
  if (plan.period_days != 30 && plan.period_days != 90 && plan.period_days != 365)
    throw Error(ErrorCode::invalid_request, "period_days is 30, 90 or 365", "period_days");
  if (plan.allowances.size() > 200) throw Error(ErrorCode::invalid_request, "too many allowances", "allowances");
  for (const auto& a : plan.allowances) {
    if (a.model.empty() || a.model.size() > 200)
      throw Error(ErrorCode::invalid_request, "an allowance needs a model", "allowances");
    if (a.per_day < -1 || a.per_day > 1'000'000)
      throw Error(ErrorCode::invalid_request, "per_day is -1 (unlimited) or 0..1000000", "allowances");
  }
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    if (plan.id == 0) {
      plan.id = store::plans::create(c, plan, now);
    } else if (!store::plans::update(c, plan, now)) {
      throw Error(ErrorCode::not_found, "no such plan");
    }
    store::audit::record(c, admin_id, "plan.save", "plan:" + std::to_string(plan.id), plan.name, now);
    return plan;
  });
}

awaitable<std::vector<store::Pack>> BillingAdmin::packs(bool enabled_only) {
  co_return co_await store::read(db_, [enabled_only](store::Conn& c) { return store::packs::list(c, enabled_only); });
}

awaitable<store::Pack> BillingAdmin::save_pack(int64_t admin_id, store::Pack pack) {
  check_name(pack.name);
  check_amount(pack.price, "price");
  check_models(pack.models);
  if (pack.kind == "count") {
    if (pack.calls < 1 || pack.calls > 100'000'000) throw Error(ErrorCode::invalid_request, "calls is 1..100000000", "calls");
    // A count pack names the models it covers: an empty list would cover every model, the dearest too.
    if (pack.models.empty()) throw Error(ErrorCode::invalid_request, "a count pack covers at least one model", "models");
    pack.credits = 0;
  } else if (pack.kind == "credit") {
    check_amount(pack.credits, "credits");
    if (pack.credits == 0) throw Error(ErrorCode::invalid_request, "a credit pack gives credits", "credits");
    // Its credits are paid credits (they make a user "paying" and earn creators money): a free one
    // would mint them without limit, one purchase after another.
    if (pack.price == 0)
      throw Error(ErrorCode::invalid_request,
                  "a credit pack has a price; give free credits as gift credits (an admin grant) or with redeem codes",
                  "price");
    pack.calls = 0;
  } else {
    throw Error(ErrorCode::invalid_request, "kind is count or credit", "kind");
  }
  if (pack.valid_days < 0 || pack.valid_days > 3650)
    throw Error(ErrorCode::invalid_request, "valid_days is 0..3650", "valid_days");
  // A limit of 0 would be a pack nobody can buy: take it off sale instead.
  if (pack.per_user_limit && (*pack.per_user_limit < 1 || *pack.per_user_limit > 1'000'000))
    throw Error(ErrorCode::invalid_request, "per_user_limit is empty (no limit) or 1..1000000", "per_user_limit");
  int64_t now = clock_.now_s();
  co_return co_await store::write(db_, [&](store::Conn& c) {
    if (pack.id == 0) {
      pack.id = store::packs::create(c, pack, now);
    } else if (!store::packs::update(c, pack, now)) {
      throw Error(ErrorCode::not_found, "no such pack");
    }
    store::audit::record(c, admin_id, "pack.save", "pack:" + std::to_string(pack.id), pack.name, now);
    return pack;
  });
}

awaitable<std::pair<store::RedeemBatch, std::vector<std::string>>> BillingAdmin::create_batch(
    int64_t admin_id, store::RedeemBatch b) {
  check_name(b.name);
  if (b.count < 1 || b.count > kMaxCodesPerBatch)
    throw Error(ErrorCode::invalid_request, "count is 1.." + std::to_string(kMaxCodesPerBatch), "count");
  int64_t now = clock_.now_s();
  if (b.expires_at && *b.expires_at <= now) throw Error(ErrorCode::invalid_request, "expires_at is in the past", "expires_at");
  if (b.kind == "paid" || b.kind == "gift") {
    check_amount(b.amount, "amount");
    if (b.amount == 0) throw Error(ErrorCode::invalid_request, "the amount must be positive", "amount");
    b.pack_id.reset();
    b.plan_id.reset();
  } else if (b.kind == "plan_days") {
    if (b.amount < 1 || b.amount > 3650) throw Error(ErrorCode::invalid_request, "days is 1..3650", "amount");
    if (!b.plan_id) throw Error(ErrorCode::invalid_request, "choose a plan", "plan_id");
    b.pack_id.reset();
  } else if (b.kind == "count_pack") {
    if (!b.pack_id) throw Error(ErrorCode::invalid_request, "choose a count pack", "pack_id");
    b.plan_id.reset();
    b.amount = 0;
  } else {
    throw Error(ErrorCode::invalid_request, "kind is paid, gift, count_pack or plan_days", "kind");
  }
  std::vector<std::string> codes;
  for (int64_t i = 0; i < b.count; ++i) codes.push_back(new_redeem_code());
  b.id = co_await store::write(db_, [&](store::Conn& c) {
    if (b.plan_id && !store::plans::find(c, *b.plan_id)) throw Error(ErrorCode::not_found, "no such plan", "plan_id");
    if (b.pack_id) {
      auto pack = store::packs::find(c, *b.pack_id);
      if (!pack || pack->kind != "count") throw Error(ErrorCode::not_found, "no such count pack", "pack_id");
    }
    int64_t id = store::redeem::create_batch(c, b, admin_id, codes, now);
    store::audit::record(c, admin_id, "redeem.batch", "batch:" + std::to_string(id),
                         b.kind + " x" + std::to_string(b.count), now);
    return id;
  });
  b.created_at = now;
  co_return std::make_pair(b, codes);
}

awaitable<std::vector<store::RedeemBatch>> BillingAdmin::batches() {
  co_return co_await store::read(db_, [](store::Conn& c) { return store::redeem::batches(c); });
}

awaitable<std::vector<store::redeem::CodeRow>> BillingAdmin::codes(int64_t batch_id) {
  auto found = co_await store::read(db_, [batch_id](store::Conn& c) { return store::redeem::batch(c, batch_id).has_value(); });
  if (!found) throw Error(ErrorCode::not_found, "no such batch");
  co_return co_await store::read(db_, [batch_id](store::Conn& c) { return store::redeem::codes(c, batch_id); });
}

awaitable<void> BillingAdmin::disable_batch(int64_t admin_id, int64_t batch_id) {
  int64_t now = clock_.now_s();
  co_await store::write(db_, [&](store::Conn& c) {
    if (!store::redeem::disable(c, batch_id)) throw Error(ErrorCode::not_found, "no such batch");
    store::audit::record(c, admin_id, "redeem.disable", "batch:" + std::to_string(batch_id), "", now);
  });
}

awaitable<std::vector<RevenueDay>> BillingAdmin::revenue(std::string from_day, std::string to_day) {
  if (!is_day(from_day) || !is_day(to_day) || from_day > to_day)
    throw Error(ErrorCode::invalid_request, "from and to are days, YYYY-MM-DD, from <= to");
  int64_t from_ts = day_start(from_day), to_ts = day_start(to_day) + 2 * 86'400;
  auto [spend, sales] = co_await store::read(db_, [&](store::Conn& c) {
    return std::make_pair(store::reports::daily_spend(c, 0, from_day, to_day), store::reports::sales(c, from_ts, to_ts));
  });
  std::map<std::string, RevenueDay> days;
  for (auto& s : spend) {
    auto& d = days[s.day];
    d.day = s.day;
    d.usage_paid += s.paid_uc;
    d.usage_gift += s.gift_uc;
    d.app_surcharges += s.surcharge_paid_uc;
    d.by_model.push_back(s);
  }
  for (const auto& s : sales) {
    std::string day = local_day(s.created_at);
    if (day < from_day || day > to_day) continue;
    auto& d = days[day];
    d.day = day;
    (s.kind == "convert"  ? d.earnings_converted
     : s.kind == "topup"  ? d.top_ups
     : s.kind == "unlock" ? d.app_unlocks
     : s.credit_pack      ? d.credit_packs
     : s.kind == "pack"   ? d.pack_sales
                          : d.plan_sales) += s.amount;
  }
  std::vector<RevenueDay> out;
  for (auto& [_, d] : days) out.push_back(std::move(d));
  co_return out;
}

}  // namespace plaza::services
