#include "store/ledger_repo.hpp"

#include <algorithm>

#include <map>
#include <stdexcept>

#include "core/error.hpp"

namespace plaza::store::ledger {

int64_t platform_account(std::string_view kind) {
  if (kind == kRevenue) return 1;
  if (kind == kPromotions) return 2;
  if (kind == kSales) return 3;
  if (kind == kPayouts) return 4;
  throw std::invalid_argument("no platform account '" + std::string(kind) + "'");
}

bool is_platform_kind(std::string_view kind) {
  return kind == kRevenue || kind == kPromotions || kind == kSales || kind == kPayouts;
}

bool is_platform(int64_t account_id) {
  return account_id >= 1 && account_id <= 4;
}

int64_t account(Conn& c, std::string_view kind, int64_t user_id) {
  if (user_id == 0) return platform_account(kind);
  std::string k(kind);
  auto row = c.query_one("SELECT id FROM ledger_accounts WHERE kind = $1 AND user_id = $2", {k, user_id});
  if (row) return row->i64(0);
  c.exec("INSERT INTO ledger_accounts (kind, user_id) VALUES ($1, $2) ON CONFLICT (kind, user_id) DO NOTHING",
         {k, user_id});
  return c.query_one("SELECT id FROM ledger_accounts WHERE kind = $1 AND user_id = $2", {k, user_id})->i64(0);
}

Balance balance(Conn& c, std::string_view kind, int64_t user_id) {
  auto row = c.query_one("SELECT balance, held FROM ledger_accounts WHERE kind = $1 AND user_id = $2",
                         {std::string(kind), user_id});
  if (!row) return {};
  return Balance{row->i64(0), row->i64(1)};
}

std::optional<Found> find(Conn& c, std::string_view kind, int64_t user_id) {
  auto row = c.query_one("SELECT id, balance, held FROM ledger_accounts WHERE kind = $1 AND user_id = $2",
                         {std::string(kind), user_id});
  if (!row) return std::nullopt;
  return Found{row->i64(0), Balance{row->i64(1), row->i64(2)}};
}

namespace {
bool insert_transfer(Conn& c, const Transfer& t) {
  return c.exec(
             "INSERT INTO ledger_transfers (idempotency_key, debit_account, credit_account, amount, kind, user_id, "
             "request_id, memo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
             "ON CONFLICT (idempotency_key) DO NOTHING",
             {t.key, t.debit, t.credit, t.amount, t.kind, t.user_id, t.request_id, t.memo, t.at}) > 0;
}
}  // namespace

void charge_from_lease(Conn& c, const Transfer& t) {
  if (t.amount <= 0) return;
  auto& d = c.deferred;
  auto& charge = d.touch(d.charges, {t.debit, t.credit, t.kind});
  if (charge.calls == 0) {
    charge.key = t.key;
    charge.kind = t.kind;
    charge.request_id = t.request_id;
    charge.memo = t.memo;
    charge.user_id = t.user_id;
    charge.at = t.at;
  } else if (charge.memo != t.memo) {
    charge.models_differ = true;
  }
  charge.amount += t.amount;
  ++charge.calls;
  auto& debit = d.touch(d.accounts, t.debit);
  debit.balance -= t.amount;
  debit.held -= t.amount;  // the funds were the lease's
  d.touch(d.accounts, t.credit).balance += t.amount;
}

namespace {
// Adds each delta to its row's column. On PostgreSQL one statement for all rows (a round trip
// each would cost more than the rest of the batch's settlements); these rows (a user's lease
// holds and keys) are only written from that user's writer lane, so their lock order is free.
void add_to_rows(Conn& c, const std::string& table, const std::string& column,
                 const std::map<int64_t, int64_t>& deltas) {
  std::vector<int64_t> ids, amounts;
  for (const auto& [id, delta] : deltas)
    if (delta != 0) {
      ids.push_back(id);
      amounts.push_back(delta);
    }
  if (ids.empty()) return;
  if (c.dialect() == Dialect::postgres && ids.size() > 1) {
    c.exec("UPDATE " + table + " t SET " + column + " = t." + column +
               " + d.delta FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[])) AS d(id, delta) WHERE t.id = d.id",
           {id_array(c.dialect(), ids), id_array(c.dialect(), amounts)});
    return;
  }
  for (std::size_t i = 0; i < ids.size(); ++i)
    c.exec("UPDATE " + table + " SET " + column + " = " + column + " + $2 WHERE id = $1", {ids[i], amounts[i]});
}
}  // namespace

void write_deferred(Conn& c) {
  const auto& d = c.deferred;
  for (const auto& [accounts, charge] : d.charges) {
    Transfer t;
    t.key = charge.key;
    t.debit = std::get<0>(accounts);
    t.credit = std::get<1>(accounts);
    t.amount = charge.amount;
    t.kind = charge.kind;
    t.user_id = charge.user_id;
    t.request_id = charge.request_id;
    t.at = charge.at;
    t.memo = charge.calls == 1      ? charge.memo
             : charge.models_differ ? std::to_string(charge.calls) + " calls"
                                    : charge.memo + " ×" + std::to_string(charge.calls);
    // Named after a call whose settlement had not committed (its usage event is written with it).
    if (!insert_transfer(c, t)) throw DatabaseError("a lease charge named " + t.key + " was written before");
  }
  // std::map iterates in id order, and users' accounts come before the platform's (as when a
  // transfer writes the user's side at once and the platform's at commit): every transaction locks
  // these rows in the same order.
  add_to_rows(c, "holds", "posted", d.hold_posts);
  add_to_rows(c, "api_keys", "spent", d.key_spent);
  for (bool platform : {false, true})
    for (const auto& [id, delta] : d.accounts)
      if (is_platform(id) == platform && (delta.balance != 0 || delta.held != 0))
        c.exec("UPDATE ledger_accounts SET balance = balance + $2, held = held + $3 WHERE id = $1",
               {id, delta.balance, delta.held});
}

bool transfer(Conn& c, const Transfer& t, int64_t release_held) {
  if (t.amount <= 0) throw Error(ErrorCode::invalid_request, "a transfer moves a positive amount");
  if (t.debit == t.credit) throw Error(ErrorCode::invalid_request, "a transfer needs two different accounts");
  if (!insert_transfer(c, t)) return false;
  // The platform's side is deferred to the commit (Conn::deferred); the user's side is written now,
  // conditionally: the row only changes when the funds are there, so two concurrent debits can
  // never both pass a check made before either wrote.
  auto apply = [&](int64_t account, int64_t delta, int64_t release) {
    if (is_platform(account) || (delta > 0 && t.defer_credit && account == t.credit)) {
      c.deferred.touch(c.deferred.accounts, account).balance += delta;
      return true;
    }
    if (delta > 0)
      return c.exec("UPDATE ledger_accounts SET balance = balance + $2 WHERE id = $1", {account, delta}) == 1;
    return c.exec(
               "UPDATE ledger_accounts SET balance = balance + $2, held = held - $3 "
               "WHERE id = $1 AND held >= $3 AND balance + $2 >= held - $3",
               {account, delta, release}) == 1;
  };
  if (!apply(t.debit, -t.amount, release_held)) throw Error(ErrorCode::insufficient_balance, "not enough credits");
  apply(t.credit, t.amount, 0);
  return true;
}

bool reserve(Conn& c, int64_t account_id, int64_t amount) {
  if (amount <= 0) return true;
  return c.exec("UPDATE ledger_accounts SET held = held + $2 WHERE id = $1 AND balance - held >= $2",
                {account_id, amount}) == 1;
}

void release(Conn& c, int64_t account_id, int64_t amount) {
  if (amount <= 0) return;
  c.exec("UPDATE ledger_accounts SET held = held - $2 WHERE id = $1", {account_id, amount});
}

namespace {
constexpr const char* kHoldColumns =
    "id, request_id, user_id, source, ref_id, amount, day, model, status, posted, created_at, expires_at";
Hold to_hold(const Row& r) {
  return Hold{r.i64(0), r.str(1), r.i64(2), r.str(3), r.i64(4),  r.i64(5),
              r.str(6), r.str(7), r.str(8), r.i64(9), r.i64(10), r.i64(11)};
}
}  // namespace

int64_t insert_hold(Conn& c, const Hold& h) {
  return c
      .query_one(
          "INSERT INTO holds (request_id, user_id, source, ref_id, amount, day, model, status, posted, created_at, "
          "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $9) RETURNING id",
          {h.request_id, h.user_id, h.source, h.ref_id, h.amount, h.day, h.model, h.created_at, h.expires_at})
      ->i64(0);
}

std::vector<Hold> holds_of(Conn& c, const std::string& request_id) {
  auto rows =
      c.query(std::string("SELECT ") + kHoldColumns + " FROM holds WHERE request_id = $1 ORDER BY id", {request_id});
  std::vector<Hold> out;
  for (const auto& r : rows.rows) out.push_back(to_hold(r));
  return out;
}

bool end_hold(Conn& c, int64_t hold_id, std::string_view status, int64_t posted) {
  return c.exec("UPDATE holds SET status = $2, posted = $3 WHERE id = $1 AND status = 'pending'",
                {hold_id, std::string(status), posted}) == 1;
}

void refile_ended_holds(Conn& c, const std::string& from, const std::string& to) {
  // Ended holds, the key limit's too (settle() closes it as posted, with 0 when nothing was charged).
  c.exec("UPDATE holds SET request_id = $2 WHERE request_id = $1 AND status <> 'pending'", {from, to});
}

bool post_to_lease(Conn& c, int64_t hold_id, int64_t account_id, int64_t amount) {
  auto& d = c.deferred;
  if (!d.hold_rooms.contains(hold_id)) {
    // Locked until the commit: the reaper cannot void it between this check and the posts.
    auto row =
        c.query_one(c.dialect() == Dialect::postgres
                        ? "SELECT amount - posted FROM holds WHERE id = $1 AND ref_id = $2 AND status = 'pending' "
                          "FOR UPDATE"
                        : "SELECT amount - posted FROM holds WHERE id = $1 AND ref_id = $2 AND status = 'pending'",
                    {hold_id, account_id});
    d.touch(d.hold_rooms, hold_id) = row ? row->i64(0) : -1;
  }
  if (amount <= 0 || d.hold_rooms[hold_id] < amount) return false;
  d.touch(d.hold_rooms, hold_id) -= amount;
  d.touch(d.hold_posts, hold_id) += amount;
  return true;
}

namespace {
// Writes what this transaction posted to the hold so far, so that a statement that reads its
// posted amount sees them; its room is read again by the next post.
void flush_posts(Conn& c, int64_t hold_id) {
  auto& d = c.deferred;
  d.forget(d.hold_rooms, hold_id);
  auto posted = d.hold_posts.find(hold_id);
  if (posted == d.hold_posts.end()) return;
  c.exec("UPDATE holds SET posted = posted + $2 WHERE id = $1", {hold_id, posted->second});
  d.forget(d.hold_posts, hold_id);
}
}  // namespace

void shrink_hold(Conn& c, int64_t hold_id, int64_t account_id, int64_t amount) {
  if (amount <= 0) return;
  flush_posts(c, hold_id);
  if (c.exec("UPDATE holds SET amount = amount - $2 WHERE id = $1 AND ref_id = $3 AND status = 'pending' AND "
             "amount - $2 >= posted",
             {hold_id, amount, account_id}) == 1)
    release(c, account_id, amount);
}

bool void_credit_hold(Conn& c, int64_t hold_id, int64_t account_id) {
  flush_posts(c, hold_id);
  // RETURNING reads the posted amount under the row's lock: a posting that commits first counts.
  auto row = c.query_one(
      "UPDATE holds SET status = 'voided' WHERE id = $1 AND ref_id = $2 AND status = 'pending' RETURNING amount - "
      "posted",
      {hold_id, account_id});
  if (!row) return false;
  release(c, account_id, row->i64(0));
  return true;
}

int64_t leased(Conn& c, int64_t account_id, const std::string& except) {
  // `except` is an instance's lease prefix (letters, digits and colons: nothing LIKE reads specially).
  return c
      .query_one(
          "SELECT COALESCE(SUM(amount - posted), 0) FROM holds WHERE status = 'pending' AND ref_id = $1 "
          "AND source IN ('paid', 'gift') AND request_id LIKE 'lease:%' AND ($2 = '' OR request_id NOT LIKE $2 || '%')",
          {account_id, except})
      ->i64(0);
}

const char* const kExpiredHoldsSql =
    "SELECT request_id FROM holds WHERE status = 'pending' AND expires_at < $1 ORDER BY expires_at LIMIT $2";

std::vector<std::string> expired_requests(Conn& c, int64_t now, int64_t limit) {
  // Oldest expiry first through the index of pending holds. Holds are never deleted, and DISTINCT
  // with ORDER BY request_id walked the index of all of them every minute, in a write transaction.
  // A request's several holds may take several rows of the page: the next run takes the rest.
  std::vector<std::string> out;
  for (const auto& r : c.query(kExpiredHoldsSql, {now, limit}).rows)
    if (std::find(out.begin(), out.end(), r.str(0)) == out.end()) out.push_back(r.str(0));
  return out;
}

const char* const kWalletTransfersSql =
    "SELECT t.id, t.created_at, t.kind, t.amount, t.memo, t.request_id, d.user_id, d.kind, cr.user_id, cr.kind "
    "FROM ledger_transfers t JOIN ledger_accounts d ON d.id = t.debit_account "
    "JOIN ledger_accounts cr ON cr.id = t.credit_account "
    "WHERE t.user_id = $1 AND t.id < $2 AND t.kind NOT IN ('earnings', 'clearing', 'reversal', 'payout') AND "
    "((d.user_id = $1 AND d.kind IN ($4, $5)) OR (cr.user_id = $1 AND cr.kind IN ($4, $5))) ORDER BY t.id DESC LIMIT "
    "$3";

std::vector<TransferRow> transfers_of_user(Conn& c, int64_t user_id, int64_t limit, std::optional<int64_t> before) {
  // The wallet's side: credits (paid, gift) only; a creator's earnings accounts have their own page.
  // Their transfers (a creator gets one per paid call of their apps) are not even read: the
  // ledger_transfers_wallet index (migration 11) leaves out the kinds that never touch a wallet.
  auto wallet = [](std::string_view kind) { return kind == kPaid || kind == kGift; };
  auto rows = c.query(kWalletTransfersSql,
                      {user_id, before.value_or(INT64_MAX), limit, std::string(kPaid), std::string(kGift)});
  std::vector<TransferRow> out;
  for (const auto& r : rows.rows) {
    TransferRow t;
    t.id = r.i64(0);
    t.created_at = r.i64(1);
    t.kind = r.str(2);
    t.memo = r.str(4);
    t.request_id = r.str(5);
    bool into_user = r.i64(8) == user_id && wallet(r.str(9));
    t.amount = into_user ? r.i64(3) : -r.i64(3);
    t.source = into_user ? r.str(9) : r.str(7);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Drift> drift(Conn& c) {
  // One pass over the transfers and one over the pending holds, not a lookup per account.
  std::map<int64_t, int64_t> computed, held;
  for (const auto& r : c.query("SELECT credit_account, SUM(amount) FROM ledger_transfers GROUP BY credit_account").rows)
    computed[r.i64(0)] += r.i64(1);
  for (const auto& r : c.query("SELECT debit_account, SUM(amount) FROM ledger_transfers GROUP BY debit_account").rows)
    computed[r.i64(0)] -= r.i64(1);
  for (const auto& r : c.query("SELECT ref_id, SUM(amount - posted) FROM holds WHERE status = 'pending' AND source IN "
                               "('paid', 'gift') GROUP BY ref_id")
                           .rows)
    held[r.i64(0)] += r.i64(1);
  std::vector<Drift> out;
  for (const auto& r : c.query("SELECT id, kind, user_id, balance, held FROM ledger_accounts ORDER BY id").rows) {
    Drift d{r.i64(0), r.str(1), r.i64(2), r.i64(3), computed[r.i64(0)], r.i64(4), held[r.i64(0)]};
    if (d.stored_balance != d.computed_balance || d.stored_held != d.computed_held) out.push_back(d);
  }
  return out;
}

int64_t balance_sum(Conn& c) {
  return c.query_one("SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts")->i64(0);
}

std::vector<Hold> overdue_holds(Conn& c, int64_t now) {
  auto rows = c.query(std::string("SELECT ") + kHoldColumns +
                          " FROM holds WHERE status = 'pending' AND expires_at < $1 ORDER BY expires_at LIMIT 1000",
                      {now});
  std::vector<Hold> out;
  for (const auto& r : rows.rows) out.push_back(to_hold(r));
  return out;
}

PendingHolds pending_holds(Conn& c) {
  auto row = c.query_one(
      "SELECT COUNT(*), COALESCE(SUM(CASE WHEN request_id LIKE 'lease:%' THEN 1 ELSE 0 END), 0) FROM holds "
      "WHERE status = 'pending'");
  return PendingHolds{row->i64(0), row->i64(1)};
}

}  // namespace plaza::store::ledger
