// A purchase waiting in its dialog carries one request id, made when the dialog opens and sent as
// X-Request-Id with every try of that purchase: the server does an operation sent again with the
// same id once (a no-op 200). So when a try's answer is lost (a proxy's 502, a reset connection, a
// timeout) after the purchase committed, trying again from the dialog does not buy twice. A new
// purchase (the dialog opened again) gets a new id.
import type { Id } from './api';
import { billingApi, type Wallet } from './billing';

/** What a purchase dialog may be confirming (WalletPage's Pending has this shape). */
export type PurchaseTarget =
  | { what: 'pack'; pack: { id: Id } }
  | { what: 'plan'; plan: { id: Id }; action: 'subscribe' | 'renew' | 'upgrade' }
  | { what: 'cancel' };

export interface PurchaseAttempt<P extends PurchaseTarget = PurchaseTarget> {
  pending: P;
  requestId: string;
}

/** A fresh id the server keeps (letters, digits and '-', at most 64). randomUUID needs a secure
 * context (https or localhost): elsewhere the same from getRandomValues. */
export function newRequestId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A new purchase (its dialog opens): a new request id. */
export function startPurchase<P extends PurchaseTarget>(pending: P, makeId: () => string = newRequestId): PurchaseAttempt<P> {
  return { pending, requestId: makeId() };
}

/** One try of the purchase; every try of the same attempt sends the same request id. */
export function sendPurchase(a: PurchaseAttempt): Promise<Wallet> {
  const p = a.pending;
  if (p.what === 'pack') return billingApi.buyPack(p.pack.id, a.requestId);
  if (p.what === 'cancel') return billingApi.cancelAutoRenew();
  // Renewing the current plan has its own route; subscribing and upgrading share one.
  return p.action === 'renew' ? billingApi.renew(a.requestId) : billingApi.subscribe(p.plan.id, a.requestId);
}
