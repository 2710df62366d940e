// Top-ups of paid credits through a payment provider (Stripe Checkout): the API, and the pure
// logic the wallet's top-up dialog and its return from the provider use. Amounts paid are whole
// minor units of the currency (fen, cents; a zero-decimal currency like JPY has no minor unit);
// credits are µc as everywhere else. Money is never a binary float here: typed amounts are parsed
// as decimal strings into integers, and the credits preview is integer arithmetic.
import { ApiError, NetworkError, request, type Id } from './api';
import type { FieldCheck } from './validation';

export type OrderStatus = 'pending' | 'paid' | 'expired' | 'failed';
export const orderStatuses: OrderStatus[] = ['pending', 'paid', 'expired', 'failed'];

export interface PaymentOrder {
  id: Id;
  status: OrderStatus;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** µc the order adds (or added) to the paid balance. */
  credits: number;
  created_at: number;
  paid_at: number | null;
  provider: string;
}

export interface AdminPaymentOrder extends PaymentOrder {
  user_id: Id;
  username: string | null;
}

/** What a user may top up (GET /api/payments). min/max are minor units. */
export interface PaymentTerms {
  enabled: boolean;
  provider: 'stripe' | '';
  currency: string;
  min_amount: number;
  max_amount: number;
  /** Whole credits one major unit of the currency buys (as the wallet's display currency's credits_per_unit). */
  credits_per_currency_unit: number;
}

export interface PaymentProvider {
  kind: 'stripe' | '';
  api_base: string;
  min_amount: number;
  max_amount: number;
  has_secret_key: boolean;
  has_webhook_secret: boolean;
  webhook_url: string;
}

/** The PUT body: a secret left out keeps the stored one, "" clears it. */
export interface PaymentProviderInput {
  kind: 'stripe' | '';
  api_base: string;
  min_amount: number;
  max_amount: number;
  secret_key?: string;
  webhook_secret?: string;
}

/** The Stripe events the webhook must be sent. */
export const webhookEvents = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
] as const;

function page(limit: number, before: Id | null, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(extra)) if (v.trim()) q.set(k, v.trim());
  q.set('limit', String(limit));
  if (before !== null) q.set('before', String(before));
  return q.toString();
}

const enc = (id: Id) => encodeURIComponent(String(id));

export const paymentsApi = {
  terms: () => request<PaymentTerms>('GET', '/api/payments'),
  /** `requestId`: the top-up attempt's id (see topUpAttempt): sent again, no second order is made. */
  checkout: (amount: number, requestId: string) =>
    request<{ order: PaymentOrder; url: string }>('POST', '/api/payments/checkout', { body: { amount }, requestId }),
  order: (id: Id) => request<PaymentOrder>('GET', `/api/payments/orders/${enc(id)}`),
  /** The buyer cancelled on the provider's page: its session and the order are closed (one paid meanwhile stays paid). */
  cancel: (id: Id) => request<PaymentOrder>('POST', `/api/payments/orders/${enc(id)}/cancel`),
  orders: (limit: number, before: Id | null) => request<{ orders: PaymentOrder[] }>('GET', `/api/payments/orders?${page(limit, before)}`),
  provider: () => request<PaymentProvider>('GET', '/api/admin/payments/provider'),
  putProvider: (b: PaymentProviderInput) => request<PaymentProvider>('PUT', '/api/admin/payments/provider', { body: b }),
  adminOrders: (f: { status: OrderStatus | ''; user_id: string }, limit: number, before: Id | null) =>
    request<{ orders: AdminPaymentOrder[] }>('GET', `/api/admin/payments/orders?${page(limit, before, f)}`),
};

// ---------- currency amounts ----------

/** Stripe's zero-decimal currencies (an amount is whole units, factor 1) and three-decimal ones (factor 1000), as the server has them. */
const zeroDecimal = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const threeDecimal = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** How many decimals the currency's amounts have: 0 for zero-decimal currencies, 3 for three-decimal ones, 2 for the rest. */
export function currencyDecimals(currency: string): number {
  const c = currency.trim().toUpperCase();
  return zeroDecimal.has(c) ? 0 : threeDecimal.has(c) ? 3 : 2;
}

export type AmountParse = { ok: true; minor: number } | { ok: false; error: 'empty' | 'invalid' | 'decimals' };

/**
 * An amount typed in major units ("50", "50.5", "1,000.25") as whole minor units of `currency`
 * (5000, 5050, 100025 for CNY). More decimals than the currency has, signs, exponents and anything
 * beyond what a number holds exactly are refused.
 */
export function parseAmount(input: string, currency: string): AmountParse {
  // Full-width digits and point (a Chinese input method's) read as their ASCII forms.
  const s = input.trim().replace(/[\uFF10-\uFF19\uFF0E\uFF0C]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  if (!s) return { ok: false, error: 'empty' };
  const m = /^(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return { ok: false, error: 'invalid' };
  const whole = m[1].replace(/,/g, '');
  const frac = m[2] ?? '';
  if (!whole && !frac) return { ok: false, error: 'invalid' };
  const decimals = currencyDecimals(currency);
  if (frac.replace(/0+$/, '').length > decimals) return { ok: false, error: 'decimals' };
  const minor = BigInt((whole || '0') + frac.slice(0, decimals).padEnd(decimals, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: 'invalid' };
  return { ok: true, minor: Number(minor) };
}

/** Whole minor units as a major-unit decimal string with the currency's decimals: (5050, CNY) → "50.50", (500, JPY) → "500". */
export function majorAmount(minor: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  const n = BigInt(Math.trunc(minor));
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(decimals + 1, '0');
  const text = decimals ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return negative ? `-${text}` : text;
}

/** An amount for people: "¥50.50" in the reader's locale, or "50.50 XYZ" for a code the browser does not know. */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const major = majorAmount(minor, currency);
  const decimals = currencyDecimals(currency);
  try {
    const nf = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    return nf.format(Number(major)); // display only: the exact value is `major`
  } catch {
    return `${major} ${currency}`;
  }
}

/** µc a payment of `minor` units buys at `creditsPerUnit` credits per major unit (rounded down to a whole µc). */
export function creditsFor(minor: number, currency: string, creditsPerUnit: number): number {
  if (!Number.isSafeInteger(minor) || minor < 0 || !Number.isSafeInteger(creditsPerUnit) || creditsPerUnit < 0) return 0;
  const factor = 10n ** BigInt(currencyDecimals(currency));
  return Number((BigInt(minor) * BigInt(creditsPerUnit) * 1_000_000n) / factor);
}

/** The amount field's check against the site's limits: null when it may be paid. */
export function amountCheck(input: string, terms: Pick<PaymentTerms, 'currency' | 'min_amount' | 'max_amount'>): FieldCheck {
  const p = parseAmount(input, terms.currency);
  if (!p.ok) {
    if (p.error === 'empty') return 'validate.required';
    if (p.error === 'decimals') {
      const decimals = currencyDecimals(terms.currency);
      return decimals === 0 ? 'topUp.amountWhole' : { key: 'topUp.amountDecimals', params: { decimals } };
    }
    return 'topUp.amountInvalid';
  }
  if (p.minor <= 0) return 'topUp.amountInvalid';
  const currency = terms.currency;
  if (p.minor < terms.min_amount) return { key: 'topUp.amountMin', params: { amount: majorAmount(terms.min_amount, currency), currency } };
  if (terms.max_amount > 0 && p.minor > terms.max_amount)
    return { key: 'topUp.amountMax', params: { amount: majorAmount(terms.max_amount, currency), currency } };
  return null;
}

/** The preset amounts offered (major units 10, 50, 100, 500 within the limits), as minor units; the minimum when none fits. */
export function presetAmounts(terms: Pick<PaymentTerms, 'currency' | 'min_amount' | 'max_amount'>, majors: number[] = [10, 50, 100, 500]): number[] {
  const factor = 10 ** currencyDecimals(terms.currency);
  const fits = majors.map((m) => m * factor).filter((a) => a >= terms.min_amount && (terms.max_amount <= 0 || a <= terms.max_amount));
  if (fits.length > 0) return fits;
  return terms.min_amount > 0 ? [terms.min_amount] : [];
}

// ---------- one checkout attempt ----------

export interface TopUpAttempt {
  amount: number;
  requestId: string;
}

/**
 * The attempt a Pay press sends: the previous one again (same X-Request-Id) when it is for the same
 * amount and its answer was lost, so the server makes one order; a new id otherwise (a new amount, or
 * the server answered and the person tries again).
 */
export function topUpAttempt(prev: TopUpAttempt | null, amount: number, makeId: () => string): TopUpAttempt {
  return prev && prev.amount === amount ? prev : { amount, requestId: makeId() };
}

/**
 * Whether a failed checkout's answer may have been lost (the order may exist): no answer at all, or a
 * 5xx that is not Plaza's own (a proxy's page, no error body). Then a retry keeps the request id;
 * after Plaza's own refusal (400, 409, the provider's 502 with its message) a retry is a new attempt.
 */
export function answerLost(e: unknown): boolean {
  if (e instanceof NetworkError) return true;
  return e instanceof ApiError && e.status >= 500 && e.code === 'internal' && e.message === '';
}

/**
 * The provider's page the browser may be sent to: an http(s) address only. The address comes from
 * the provider through the server; anything else (`javascript:`, `data:`) would run in this site.
 */
export function checkoutPage(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---------- coming back from the provider ----------

export interface PaymentReturn {
  id: string;
  cancelled: boolean;
}

/** `/wallet?payment=<id>[&cancelled=1]`: the order Stripe sent the browser back about, or null. */
export function parsePaymentReturn(search: string): PaymentReturn | null {
  const q = new URLSearchParams(search);
  const id = q.get('payment')?.trim() ?? '';
  if (!/^\d{1,20}$/.test(id)) return null;
  return { id, cancelled: q.get('cancelled') === '1' };
}

/** The query string without the return's parameters ("" when nothing else is left). */
export function searchWithoutPayment(search: string): string {
  const q = new URLSearchParams(search);
  q.delete('payment');
  q.delete('cancelled');
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type ReturnView = 'loading' | 'waiting' | 'paid' | 'cancelled' | 'expired' | 'failed' | 'unconfirmed';

/** How long the wallet waits for the provider's confirmation, and how often it asks. */
export const pollEveryMs = 2000;
export const pollForMs = 60_000;

/** What to tell the person about the order (null: not read yet), `elapsedMs` after they came back. */
export function returnView(order: Pick<PaymentOrder, 'status'> | null, cancelled: boolean, elapsedMs: number): ReturnView {
  if (!order) return 'loading';
  switch (order.status) {
    case 'paid':
      return 'paid'; // paid wins, even on the cancel address (an earlier try went through)
    case 'expired':
      return cancelled ? 'cancelled' : 'expired'; // the cancel closed it
    case 'failed':
      return 'failed';
  }
  if (cancelled) return 'cancelled';
  return elapsedMs >= pollForMs ? 'unconfirmed' : 'waiting';
}

/** Whether to read the order again: only while it is pending on the success address, within the wait. */
export function shouldPoll(order: Pick<PaymentOrder, 'status'> | null, cancelled: boolean, elapsedMs: number): boolean {
  return returnView(order, cancelled, elapsedMs + pollEveryMs) === 'waiting';
}

/** Whether a view is the end of the story (the URL's parameters can go). */
export function isFinal(view: ReturnView): boolean {
  return view !== 'loading' && view !== 'waiting';
}

/** A failed read of the order worth trying again on the next tick (no answer, or the server's 5xx). */
export function retryRead(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof ApiError && e.status >= 500);
}
