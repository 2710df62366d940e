// Creator revenue (docs/earnings-api.md): a creator's earnings, converting them into credits and
// asking for payouts, and the admin side of daily settlement runs, freezes and payouts. Amounts are
// whole µc (see money.ts), days "YYYY-MM-DD" in the operator's time zone, times unix seconds.
import { request, type Id } from './api';
import { addDays, daysBetween, localDay } from './days';
import type { WalletCurrency } from './billing';
import { formatCredits, parseCredits } from './money';
import { validateCredits, type FieldCheck } from './validation';

/** Where an earning came from: surcharges and unlocks, or a share of plan and pack sales. */
export type EarningStream = 'direct' | 'subscription' | 'pack';
export const earningStreams: EarningStream[] = ['direct', 'subscription', 'pack'];

export type StreamAmounts = Record<EarningStream, number>;

export interface EarningsDay extends StreamAmounts {
  day: string;
}

export interface EarningsApp extends StreamAmounts {
  app_id: Id;
  slug: string;
  title: string;
  calls: number;
  paying_users: number;
}

export type PayoutStatus = 'requested' | 'paid' | 'rejected';
export const payoutStatuses: PayoutStatus[] = ['requested', 'paid', 'rejected'];

export interface Payout {
  id: Id;
  amount: number;
  destination: string;
  status: PayoutStatus;
  reference: string;
  reason: string;
  created_at: number;
  decided_at: number | null;
}

export interface Earnings {
  pending: number;
  available: number;
  /** The part of `pending` held by a freeze. */
  frozen: number;
  /** Payouts waiting for an administrator. */
  requested: number;
  paid_out: number;
  clearing_days: number;
  /** µc: the smallest payout the site takes (0: any). Absent on older servers. */
  payout_minimum?: number;
  /** For a "≈ ¥1.25" beside amounts; absent on older servers. */
  currency?: WalletCurrency | null;
  creator_share_ppm: number;
  subscription_pool_ppm: number;
  pack_pool_ppm: number;
  /** Oldest first, only days with earnings. */
  days: EarningsDay[];
  apps: EarningsApp[];
  payouts: Payout[];
}

export type SettlementStatus = 'running' | 'done';

export interface SettlementRun {
  day: string;
  status: SettlementStatus;
  attempts: number;
  batches: number;
  lease_owner: string;
  lease_until: number | null;
  started_at: number | null;
  finished_at: number | null;
  totals: StreamAmounts;
  rows: number;
}

export interface Settlements {
  /** The hour of the day (operator's time zone) at which the previous day settles. */
  settlement_hour: number;
  timezone: string;
  /** Newest day first. */
  runs: SettlementRun[];
}

export type FreezeScope = 'app' | 'creator';

export interface Freeze {
  id: Id;
  scope: FreezeScope;
  ref_id: Id;
  /** The app's slug or the creator's username. */
  name: string;
  reason: string;
  /** µc of pending earnings it holds. */
  pending: number;
  created_at: number;
}

export interface AdminPayout extends Payout {
  user: { id: Id; username: string };
}

const enc = (id: Id | string) => encodeURIComponent(String(id));

export const earningsApi = {
  get: (days: number) => request<Earnings>('GET', `/api/earnings?days=${days}`),
  convert: (amount: number) => request<Earnings>('POST', '/api/earnings/convert', { body: { amount } }),
  requestPayout: (amount: number, destination: string) =>
    request<Earnings>('POST', '/api/earnings/payouts', { body: { amount, destination } }),

  settlements: (limit = 60) => request<Settlements>('GET', `/api/admin/settlements?limit=${limit}`),
  settle: (day: string) => request<{ run: SettlementRun }>('POST', '/api/admin/settlements', { body: { day } }),
  freezes: () => request<{ freezes: Freeze[] }>('GET', '/api/admin/earnings/freezes'),
  freeze: (b: { scope: FreezeScope; name: string; reason: string }) =>
    request<Freeze>('POST', '/api/admin/earnings/freezes', { body: b }),
  lift: (id: Id) => request<void>('DELETE', `/api/admin/earnings/freezes/${enc(id)}`),
  reverse: (b: { scope: FreezeScope; name: string; reason: string }) =>
    request<{ rows: number; amount: number }>('POST', '/api/admin/earnings/reverse', { body: b }),
  payouts: (status: PayoutStatus | '') =>
    request<{ payouts: AdminPayout[] }>('GET', `/api/admin/payouts${status ? `?status=${status}` : ''}`),
  markPaid: (id: Id, reference: string) => request<AdminPayout>('POST', `/api/admin/payouts/${enc(id)}/paid`, { body: { reference } }),
  reject: (id: Id, reason: string) => request<AdminPayout>('POST', `/api/admin/payouts/${enc(id)}/reject`, { body: { reason } }),
};

/** The sum of the three streams. */
export function streamTotal(a: StreamAmounts): number {
  return a.direct + a.subscription + a.pack;
}

/** Whether a creator has nothing to show at all: no balance, no history, no app with calls. */
export function noEarnings(e: Earnings): boolean {
  return (
    e.pending === 0 &&
    e.available === 0 &&
    e.frozen === 0 &&
    e.requested === 0 &&
    e.paid_out === 0 &&
    e.days.length === 0 &&
    e.apps.length === 0 &&
    e.payouts.length === 0
  );
}

export interface EarningsBar {
  day: string;
  total: number;
  /** In stream order; empty streams left out. */
  parts: { stream: EarningStream; amount: number }[];
}

export interface EarningsChartData {
  bars: EarningsBar[];
  /** The tallest bar (at least 1, so heights can divide by it). */
  max: number;
  total: number;
  /** Per stream over the whole range. */
  totals: StreamAmounts;
}

/**
 * One stacked bar per day of the last `span` days (days without earnings included, so gaps show).
 * The server's days are the operator's, which may run ahead of or behind this browser's: the range
 * always ends on the later of today and the newest day with earnings, and never drops a day the
 * server sent.
 */
export function earningsChart(days: EarningsDay[], span: number, today: string = localDay()): EarningsChartData {
  const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
  const newest = sorted.length ? sorted[sorted.length - 1].day : today;
  const to = newest > today ? newest : today;
  let from = addDays(to, -(Math.max(1, span) - 1));
  if (sorted.length && sorted[0].day < from) from = sorted[0].day;
  const bars: EarningsBar[] = daysBetween(from, to, 400).map((day) => ({ day, total: 0, parts: [] }));
  const index = new Map(bars.map((b, i) => [b.day, i]));
  const totals: StreamAmounts = { direct: 0, subscription: 0, pack: 0 };
  for (const d of sorted) {
    const bar = bars[index.get(d.day) ?? -1];
    if (!bar) continue;
    for (const stream of earningStreams) {
      const amount = d[stream] ?? 0;
      if (amount === 0) continue;
      const part = bar.parts.find((p) => p.stream === stream);
      if (part) part.amount += amount;
      else bar.parts.push({ stream, amount });
      bar.total += amount;
      totals[stream] += amount;
    }
  }
  for (const bar of bars) bar.parts.sort((a, b) => earningStreams.indexOf(a.stream) - earningStreams.indexOf(b.stream));
  const max = Math.max(1, ...bars.map((b) => b.total));
  return { bars, max, total: streamTotal(totals), totals };
}

/** The per-app rows, biggest total first (then by title), with their totals. */
export function appRows(apps: EarningsApp[]): (EarningsApp & { total: number })[] {
  return apps
    .map((a) => ({ ...a, total: streamTotal(a) }))
    .sort((a, b) => b.total - a.total || a.title.localeCompare(b.title));
}

/** Whether a settlement day still needs watching: not listed yet, or listed and not done. */
export function settling(runs: SettlementRun[], day: string): boolean {
  return runs.find((r) => r.day === day)?.status !== 'done';
}

/** The runs with `run` in its place (newest day first): shown as soon as the server took it on. */
export function mergeRun(runs: SettlementRun[], run: SettlementRun): SettlementRun[] {
  return [run, ...runs.filter((r) => r.day !== run.day)].sort((a, b) => b.day.localeCompare(a.day));
}

/** The day before `today`: what an administrator usually settles by hand. */
export function yesterday(today: string = localDay()): string {
  return addDays(today, -1);
}

/**
 * An amount to convert or pay out: credits above zero (at most six decimals) and no more than is
 * available. The server checks again; this only spares a round trip.
 */
/** `minimum` (µc): the smallest payout the site takes; conversions have none. */
export function validateWithdrawal(v: string, available: number, minimum = 0): FieldCheck {
  const basic = validateCredits(v, { required: true, positive: true });
  if (basic) return basic;
  const uc = parseCredits(v);
  if (uc !== null && uc > available) return 'validate.moreThanAvailable';
  return uc !== null && uc < minimum ? { key: 'validate.payoutMinimum', params: { amount: formatCredits(minimum) } } : null;
}
