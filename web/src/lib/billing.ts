// The billing API (docs/billing-api.md): wallets, plans, packs, redeem codes, usage, and the admin
// side of prices, groups and revenue. Every amount is whole µc (see money.ts), times unix seconds.
import { api, request, type Id } from './api';

export type Source = 'paid' | 'gift';

export interface Allowance {
  model: string;
  /** -1 = unlimited. */
  per_day: number;
}

export interface AllowanceToday extends Allowance {
  used_today: number;
  /** -1 = unlimited. */
  left_today: number;
}

export interface Subscription {
  id: Id;
  plan_id: Id;
  plan_name: string;
  level: number;
  price: number;
  daily_value: number;
  period_days: number;
  started_at: number;
  ends_at: number;
  auto_renew: boolean;
  from_code: boolean; // redeemed from a code: not renewed
  /** µc the unused days are worth now towards an upgrade (absent on older servers). */
  upgrade_credit?: number;
  allowances: AllowanceToday[];
}

export interface PackPurchases {
  pack_id: Id;
  bought: number;
}

export interface WalletPack {
  id: Id;
  name: string;
  models: string[];
  total: number;
  remaining: number;
  expires_at: number | null;
}

/** For display only: `credits_per_unit` credits are worth one unit of `code` (ISO 4217). */
export interface WalletCurrency {
  code: string;
  credits_per_unit: number;
}

export interface Wallet {
  paid: number;
  gift: number;
  paid_held: number;
  gift_held: number;
  paying: boolean;
  deduction_order: string[];
  subscription: Subscription | null;
  packs: WalletPack[];
  /** How many of each pack this user has bought (for packs' per-user limits); absent on older servers. */
  pack_purchases?: PackPurchases[];
  /** Absent on servers that do not show a currency equivalent. */
  currency?: WalletCurrency | null;
}

export const transactionKinds = ['charge', 'grant', 'deduct', 'redeem', 'subscribe', 'renew', 'upgrade', 'pack', 'surcharge', 'unlock', 'convert', 'topup'] as const;
export type TransactionKind = (typeof transactionKinds)[number];

export interface Transaction {
  id: Id;
  created_at: number;
  kind: TransactionKind | string;
  source: Source;
  /** Signed: positive went into the user's wallet. */
  amount: number;
  memo: string;
  request_id: string | null;
}

export type Surface = 'web' | 'api';

export interface UsageRow {
  id: Id;
  request_id: string;
  created_at: number;
  day: string;
  model: string;
  surface: Surface;
  api_key_id: Id | null;
  app_id: Id | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  allowance_uc: number;
  count_pack_uc: number;
  paid_uc: number;
  gift_uc: number;
  status: string;
  /** µc an app's price added to the call (docs/earnings-api.md), and where it was paid from. */
  surcharge?: number;
  surcharge_paid_uc?: number;
  surcharge_gift_uc?: number;
}

export interface DailySpend {
  day: string;
  model: string;
  calls: number;
  cost: number;
  paid_uc: number;
  gift_uc: number;
}

export interface Plan {
  id: Id;
  name: string;
  level: number;
  period_days: number;
  price: number;
  daily_value: number;
  allowances: Allowance[];
}

export type PackKind = 'count' | 'credit';

export interface Pack {
  id: Id;
  name: string;
  kind: PackKind;
  price: number;
  calls: number;
  credits: number;
  models: string[];
  valid_days: number;
  /** Purchases per user; null: no limit (absent on older servers). */
  per_user_limit?: number | null;
}

export type RedeemKind = 'paid' | 'gift' | 'count_pack' | 'plan_days';

export interface Redeemed {
  kind: RedeemKind;
  amount: number;
}

export type PriceMode = 'free' | 'per_call' | 'per_token';

export interface Price {
  model: string;
  mode: PriceMode;
  input_per_m: number;
  output_per_m: number;
  cached_per_m: number;
  per_call: number;
  web_free: boolean;
  web_free_daily_cap: number;
  max_output_tokens: number;
}

export interface Group {
  name: string;
  multiplier_ppm: number;
}

export const periodChoices = [30, 90, 365] as const;

export interface AdminPlan {
  id: Id;
  name: string;
  level: number;
  period_days: number;
  price: number;
  allowances: Allowance[];
  enabled: boolean;
}

export interface AdminPack extends Pack {
  enabled: boolean;
}

export interface RedeemBatch {
  id: Id;
  name: string;
  kind: RedeemKind;
  amount: number;
  pack_id: Id | null;
  plan_id: Id | null;
  count: number;
  redeemed: number;
  expires_at: number | null;
  disabled: boolean;
  created_at: number;
}

export interface NewRedeemBatch {
  name: string;
  kind: RedeemKind;
  amount: number;
  pack_id?: Id;
  plan_id?: Id;
  count: number;
  expires_at?: number;
}

/** A row of the operator's request log: a usage event with who made it and how it went. */
export interface RequestLogRow extends UsageRow {
  user_id: Id;
  username: string | null; // null: the user was deleted since
  channel_id: Id | null; // null: the request reached no channel
  channel: string | null;
  error_code: string;
  /** What the upstream said about a failure (no key, no URL), or what the caller was told; '' when it went well. */
  error_detail?: string;
  attempts: number;
  latency_ms: number;
  ttft_ms: number | null;
  tokens_reported: boolean;
}

export interface RequestLogFilters {
  user: string;
  model: string;
  channel_id: string;
  status: '' | 'ok' | 'error' | 'cancelled';
  surface: '' | Surface;
  from: string;
  to: string;
}

export const noRequestLogFilters: RequestLogFilters = { user: '', model: '', channel_id: '', status: '', surface: '', from: '', to: '' };

export interface RevenueDay {
  day: string;
  usage_paid: number;
  usage_gift: number;
  plan_sales: number;
  /** Count packs: credit packs are not sales (see credit_packs). */
  pack_sales: number;
  /** Paid credits exchanged for credit packs: not income, their credits count under usage_paid when spent. */
  credit_packs: number;
  /** App surcharges on calls paid from paid credits (on top of usage_paid): income, of which the creators' share is owed to them. Absent on older servers. */
  app_surcharges?: number;
  /** Apps' one-time unlocks paid from paid credits: income, of which the creators' share is owed to them. */
  app_unlocks?: number;
  /** Paid credits created from creators' earnings (conversions): not income. */
  earnings_converted?: number;
  /** Paid credits bought with money (payment top-ups, µc). Absent on servers before payments. */
  top_ups?: number;
  by_model: { model: string; calls: number; cost: number; paid_uc: number; gift_uc: number }[];
}

export interface UsageFilters {
  from: string;
  to: string;
  model: string;
  key_id: string;
  surface: '' | Surface;
}

export const noUsageFilters: UsageFilters = { from: '', to: '', model: '', key_id: '', surface: '' };

/** The query string for /api/usage: only the filters that are set, in a stable order. */
export function usageSearch(f: UsageFilters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'model', 'key_id', 'surface'] as const) {
    const v = f[k].trim();
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

/** Where the CSV download of the rows matching `f` lives (the session cookie authorises it). */
export function usageCsvUrl(f: UsageFilters): string {
  return `/api/usage?${usageSearch(f, { format: 'csv' })}`;
}

function page(limit: number, before: Id | null): Record<string, string> {
  return before === null ? { limit: String(limit) } : { limit: String(limit), before: String(before) };
}

const enc = (id: Id | string) => encodeURIComponent(String(id));

export const billingApi = {
  wallet: () => request<Wallet>('GET', '/api/wallet'),
  transactions: (limit: number, before: Id | null) =>
    request<{ transactions: Transaction[] }>('GET', `/api/wallet/transactions?${new URLSearchParams(page(limit, before))}`),
  usage: (f: UsageFilters, limit: number, before: Id | null) =>
    request<{ usage: UsageRow[] }>('GET', `/api/usage?${usageSearch(f, page(limit, before))}`),
  dailySpend: (from: string, to: string) =>
    request<{ days: DailySpend[] }>('GET', `/api/usage/daily?${new URLSearchParams({ from, to })}`),
  plans: () => request<{ plans: Plan[] }>('GET', '/api/plans'),
  // Purchases take the purchase's request id (see purchase.ts): sent again with it, a purchase is
  // made once, so a retry after a lost answer does not buy twice.
  subscribe: (planId: Id, requestId?: string) =>
    request<Wallet>('POST', '/api/wallet/subscribe', { body: { plan_id: planId }, requestId }),
  renew: (requestId?: string) => request<Wallet>('POST', '/api/wallet/renew', { requestId }),
  cancelAutoRenew: () => request<Wallet>('POST', '/api/wallet/cancel'),
  packs: () => request<{ packs: Pack[] }>('GET', '/api/packs'),
  buyPack: (id: Id, requestId?: string) => request<Wallet>('POST', `/api/packs/${enc(id)}/buy`, { requestId }),
  redeem: (code: string) => request<{ redeemed: Redeemed; wallet: Wallet }>('POST', '/api/redeem', { body: { code } }),

  prices: () => request<{ prices: Price[] }>('GET', '/api/admin/prices'),
  putPrice: (p: Price) => request<Price>('PUT', `/api/admin/prices/${enc(p.model)}`, { body: p }),
  deletePrice: (model: string) => request<void>('DELETE', `/api/admin/prices/${enc(model)}`),
  groups: () => request<{ groups: Group[] }>('GET', '/api/admin/groups'),
  putGroup: (name: string, multiplierPpm: number) =>
    request<unknown>('PUT', `/api/admin/groups/${enc(name)}`, { body: { multiplier_ppm: multiplierPpm } }),
  adminPlans: () => request<{ plans: AdminPlan[] }>('GET', '/api/admin/plans'),
  createPlan: (p: Omit<AdminPlan, 'id'>) => request<unknown>('POST', '/api/admin/plans', { body: p }),
  updatePlan: (id: Id, p: Omit<AdminPlan, 'id'>) => request<unknown>('PUT', `/api/admin/plans/${enc(id)}`, { body: p }),
  adminPacks: () => request<{ packs: AdminPack[] }>('GET', '/api/admin/packs'),
  createPack: (p: Omit<AdminPack, 'id'>) => request<unknown>('POST', '/api/admin/packs', { body: p }),
  updatePack: (id: Id, p: Omit<AdminPack, 'id'>) => request<unknown>('PUT', `/api/admin/packs/${enc(id)}`, { body: p }),
  redeemBatches: () => request<{ batches: RedeemBatch[] }>('GET', '/api/admin/redeem-batches'),
  createRedeemBatch: (b: NewRedeemBatch) =>
    request<{ batch: RedeemBatch; codes: string[] }>('POST', '/api/admin/redeem-batches', { body: b }),
  disableRedeemBatch: (id: Id) => request<unknown>('POST', `/api/admin/redeem-batches/${enc(id)}/disable`),
  userWallet: (userId: Id) => request<Wallet>('GET', `/api/admin/users/${enc(userId)}/wallet`),
  /** `requestId`: sent again with the same adjustment, the server makes it once. */
  adjustCredits: (userId: Id, b: { source: Source; amount: number; reason: string }, requestId?: string) =>
    request<Wallet>('POST', `/api/admin/users/${enc(userId)}/credits`, { body: b, requestId }),
  revenue: (from: string, to: string) =>
    request<{ days: RevenueDay[] }>('GET', `/api/admin/revenue?${new URLSearchParams({ from, to })}`),
  /** `searched_to`: the read stopped there without filling the page; older matches may be below it. */
  requestLog: (f: RequestLogFilters, limit: number, before: Id | null) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v.trim()) q.set(k, v.trim());
    for (const [k, v] of Object.entries(page(limit, before))) q.set(k, v);
    return request<{ usage: RequestLogRow[]; searched_to: Id | null }>('GET', `/api/admin/usage?${q}`);
  },
};

/** Where an admin downloads a batch's codes (code, redeemed_by, redeemed_at). */
export function redeemCodesCsvUrl(batchId: Id): string {
  return `/api/admin/redeem-batches/${enc(batchId)}/codes.csv`;
}

/** What choosing `plan` means for someone with `current` (null: no subscription). */
/** `worthLess`: a higher level that costs less than the current plan's unused days are worth — not an
 * upgrade (the server refuses it with 409: the difference would be lost), available when the current plan ends. */
export type PlanAction = 'subscribe' | 'renew' | 'current' | 'upgrade' | 'unavailable' | 'worthLess';

/** The actions that buy something (the others are shown, not offered). */
export function isPurchase(action: PlanAction): action is 'subscribe' | 'renew' | 'upgrade' {
  return action === 'subscribe' || action === 'renew' || action === 'upgrade';
}

export function planAction(
  plan: Pick<Plan, 'id' | 'level'> & { price?: number },
  current: (Pick<Subscription, 'plan_id' | 'level'> & { from_code?: boolean; upgrade_credit?: number }) | null,
): PlanAction {
  if (!current) return 'subscribe';
  // Days redeemed from a code are not renewed: the plan can be bought once they end.
  if (String(current.plan_id) === String(plan.id)) return current.from_code ? 'current' : 'renew';
  // The API upgrades to a higher level only; a lower or equal plan waits for the current one to end.
  if (plan.level <= current.level) return 'unavailable';
  // The unused days count towards the new plan; one that costs less than they are worth is refused
  // (the server's upgrade_credit is what it compares, as of when the wallet was read).
  if (plan.price !== undefined && current.upgrade_credit !== undefined && plan.price < current.upgrade_credit) return 'worthLess';
  return 'upgrade';
}

/** What an upgrade to `plan` costs now: its price less what the current plan's unused days are worth. */
export function upgradeCost(plan: Pick<Plan, 'price'>, current: { upgrade_credit?: number } | null): number {
  return Math.max(plan.price - (current?.upgrade_credit ?? 0), 0);
}

/** A renewal's terms: the price and period stored on the subscription when it was bought
 * (renewals are grandfathered: the server charges those), not the plan's current ones. */
export function renewalTerms<P extends Pick<Plan, 'id' | 'price' | 'period_days'>>(
  plan: P,
  current: Pick<Subscription, 'plan_id' | 'price' | 'period_days'> | null,
): P {
  if (!current || String(current.plan_id) !== String(plan.id)) return plan;
  return { ...plan, price: current.price, period_days: current.period_days };
}

/** What a purchase charges before any upgrade credit: a pack its price, a renewal the
 * subscription's stored price, a subscription or upgrade the plan's price. */
export function purchasePrice(
  p: { what: 'pack'; pack: Pick<Pack, 'price'> } | { what: 'plan'; plan: Pick<Plan, 'id' | 'price' | 'period_days'>; action: string } | { what: 'cancel' },
  current: Pick<Subscription, 'plan_id' | 'price' | 'period_days'> | null,
): number {
  if (p.what === 'pack') return p.pack.price;
  if (p.what === 'cancel') return 0;
  return p.action === 'renew' ? renewalTerms(p.plan, current).price : p.plan.price;
}

/** Every model the catalogue or a channel knows, sorted (admin pages suggest them in forms). */
export async function knownModels(): Promise<string[]> {
  const [catalogue, channels] = await Promise.all([api.listCatalogue(), api.listChannels()]);
  const ids = new Set(catalogue.models.map((m) => m.id));
  for (const c of channels.channels) for (const m of c.models) ids.add(m.model);
  return [...ids].sort((a, b) => a.localeCompare(b));
}

/** The writable fields of a plan, for a PUT after a change to one of them (e.g. enabled). */
export function planBody(p: AdminPlan): Omit<AdminPlan, 'id'> {
  return { name: p.name, level: p.level, period_days: p.period_days, price: p.price, allowances: p.allowances, enabled: p.enabled };
}

/** The writable fields of a pack. */
export function packBody(p: AdminPack): Omit<AdminPack, 'id'> {
  return {
    name: p.name,
    kind: p.kind,
    price: p.price,
    calls: p.calls,
    credits: p.credits,
    models: p.models,
    valid_days: p.valid_days,
    enabled: p.enabled,
    // A PUT replaces the pack: leaving the limit out would remove it.
    per_user_limit: p.per_user_limit ?? null,
  };
}

/** Where a user stands with a pack's per-user limit: null when the pack has none. */
export function packLimit(pack: Pack, wallet: Pick<Wallet, 'pack_purchases'> | null | undefined): { limit: number; bought: number; reached: boolean } | null {
  const limit = pack.per_user_limit;
  if (limit == null) return null;
  const bought = wallet?.pack_purchases?.find((p) => String(p.pack_id) === String(pack.id))?.bought ?? 0;
  return { limit, bought, reached: bought >= limit };
}
