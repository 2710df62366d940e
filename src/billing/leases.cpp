#include "billing/leases.hpp"

#include <algorithm>

namespace plaza::billing {

std::optional<LeaseTicket> Leases::take(int64_t user_id, int64_t amount, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end() || !it->second.open) return std::nullopt;
  State& s = *it->second.open;
  if (now >= s.lease.opened_at + use_s_ || amount <= 0 || s.room() < amount) return std::nullopt;
  s.reserved += amount;
  ++s.in_flight;
  s.last_used = now;
  return LeaseTicket{s.lease.hold_id, s.lease.account_id, s.lease.paid, amount};
}

void Leases::finish(int64_t user_id, const LeaseTicket& ticket, int64_t used) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return;
  auto settle = [&](State& s) {
    s.reserved -= ticket.amount;
    s.posted += std::clamp<int64_t>(used, 0, ticket.amount);
    --s.in_flight;
  };
  User& u = it->second;
  if (u.open && u.open->lease.hold_id == ticket.hold_id) return settle(*u.open);
  for (auto& s : u.retired)
    if (s.lease.hold_id == ticket.hold_id) return settle(s);
}

void Leases::retire_locked(User& u) {
  if (!u.open) return;
  u.retired.push_back(*u.open);
  u.open.reset();
}

std::optional<Leases::Retired> Leases::retire(int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end() || !it->second.open) return std::nullopt;
  State& s = *it->second.open;
  Retired r{s.lease.hold_id, s.lease.account_id, std::max<int64_t>(s.room(), 0)};
  s.lease.amount -= r.room;
  retire_locked(it->second);
  return r;
}

void Leases::open(int64_t user_id, const Lease& lease) {
  std::lock_guard lock(mutex_);
  User& u = users_[user_id];
  retire_locked(u);
  State s;
  s.lease = lease;
  s.last_used = lease.opened_at;
  u.open = s;
  u.declined_until = 0;
}

void Leases::decline(int64_t user_id, int64_t until) {
  std::lock_guard lock(mutex_);
  users_[user_id].declined_until = until;
}

bool Leases::declined(int64_t user_id, int64_t now) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  return it != users_.end() && now < it->second.declined_until;
}

void Leases::forget(int64_t user_id) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return;
  retire_locked(it->second);
  it->second.declined_until = 0;
}

std::vector<Leases::Done> Leases::drain(int64_t now, bool all) {
  std::lock_guard lock(mutex_);
  std::vector<Done> out;
  for (auto it = users_.begin(); it != users_.end();) {
    User& u = it->second;
    if (u.open && (all || now >= u.open->lease.opened_at + use_s_ || now >= u.open->last_used + idle_s_))
      retire_locked(u);
    std::erase_if(u.retired, [&](const State& s) {
      if (s.in_flight > 0) return false;
      out.push_back(Done{it->first, s.lease.hold_id, s.lease.account_id});
      return true;
    });
    if (!u.open && u.retired.empty() && now >= u.declined_until)
      it = users_.erase(it);
    else
      ++it;
  }
  return out;
}

std::vector<Leases::Done> Leases::drained(int64_t user_id) {
  std::lock_guard lock(mutex_);
  std::vector<Done> out;
  auto it = users_.find(user_id);
  if (it == users_.end()) return out;
  std::erase_if(it->second.retired, [&](const State& s) {
    if (s.in_flight > 0) return false;
    out.push_back(Done{user_id, s.lease.hold_id, s.lease.account_id});
    return true;
  });
  return out;
}

bool Leases::holds(int64_t user_id) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  return it != users_.end() && (it->second.open || !it->second.retired.empty());
}

std::vector<int64_t> Leases::users() const {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> out;
  for (const auto& [id, u] : users_)
    if (u.open || !u.retired.empty()) out.push_back(id);
  return out;
}

std::size_t Leases::size() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, u] : users_) n += (u.open ? 1 : 0) + u.retired.size();
  return n;
}

}  // namespace plaza::billing
