// The payment provider form (Admin › Payments): what is typed, what is checked before saving, and
// the body sent. Secrets are write-only: the server only says whether one is stored; one left
// untyped is left out of the body (the stored one stays), and "remove" sends "" (cleared).
import { currencyDecimals, majorAmount, parseAmount, type PaymentProvider, type PaymentProviderInput } from './payments';
import { validateHttpUrl, type FieldCheck } from './validation';

export const defaultStripeApiBase = 'https://api.stripe.com';

export interface PaymentProviderForm {
  kind: 'stripe' | '';
  api_base: string;
  /** Major units of the site's currency, as typed. */
  min: string;
  max: string;
  secret_key: string;
  webhook_secret: string;
  /** Remove the stored secret on saving (only when none is typed). */
  clear_secret_key: boolean;
  clear_webhook_secret: boolean;
}

export type PaymentProviderField = 'api_base' | 'min' | 'max' | 'secret_key' | 'webhook_secret';
export const paymentProviderFields: PaymentProviderField[] = ['api_base', 'min', 'max', 'secret_key', 'webhook_secret'];

/** The form for what is stored (no secrets). */
export function paymentProviderForm(saved: PaymentProvider, currency: string): PaymentProviderForm {
  return {
    kind: saved.kind,
    api_base: saved.api_base || defaultStripeApiBase,
    min: saved.min_amount > 0 ? majorAmount(saved.min_amount, currency) : '',
    max: saved.max_amount > 0 ? majorAmount(saved.max_amount, currency) : '',
    secret_key: '',
    webhook_secret: '',
    clear_secret_key: false,
    clear_webhook_secret: false,
  };
}

/** A secret will be there after saving: typed now, or stored and not being removed. */
function willHave(typed: string, stored: boolean, clearing: boolean): boolean {
  return typed.trim() !== '' || (stored && !clearing);
}

const apiBase = (s: string) => s.trim().replace(/\/+$/, '');

function amountProblem(input: string, currency: string): FieldCheck {
  const p = parseAmount(input, currency);
  if (!p.ok && p.error === 'decimals') {
    const decimals = currencyDecimals(currency);
    return decimals === 0 ? 'topUp.amountWhole' : { key: 'topUp.amountDecimals', params: { decimals } };
  }
  if (!p.ok) return p.error === 'empty' ? 'validate.required' : 'topUp.amountInvalid';
  return p.minor > 0 ? null : 'topUp.amountInvalid';
}

/** Mistakes to fix before saving, by field (empty when the form can be sent). "None" checks nothing. */
export function paymentProviderChecks(
  form: PaymentProviderForm,
  saved: Pick<PaymentProvider, 'api_base' | 'has_secret_key' | 'has_webhook_secret'>,
  currency: string,
): Partial<Record<PaymentProviderField, FieldCheck>> {
  if (form.kind === '') return {};
  const out: Partial<Record<PaymentProviderField, FieldCheck>> = {};
  const put = (f: PaymentProviderField, c: FieldCheck) => {
    if (c) out[f] = c;
  };
  put('api_base', validateHttpUrl(form.api_base) ?? (form.api_base.trim().length > 500 ? 'validate.tooLong' : null));
  put('min', amountProblem(form.min, currency));
  put('max', amountProblem(form.max, currency));
  const min = parseAmount(form.min, currency);
  const max = parseAmount(form.max, currency);
  if (!out.min && !out.max && min.ok && max.ok && max.minor < min.minor) put('max', 'payments.maxBelowMin');
  // Stripe needs its secret key. The webhook's secret is optional (without it a payment is confirmed
  // when the payer's wallet asks about the order): the form says so, it does not insist.
  if (!willHave(form.secret_key, saved.has_secret_key, form.clear_secret_key)) put('secret_key', 'validate.required');
  // The server keeps a stored key with the address it was given for: a new address needs it again.
  else if (saved.has_secret_key && !form.secret_key.trim() && !form.clear_secret_key && apiBase(form.api_base) !== apiBase(saved.api_base))
    put('secret_key', 'payments.secretAgain');
  for (const f of ['secret_key', 'webhook_secret'] as const) if (!out[f] && form[f].trim().length > 500) put(f, 'validate.tooLong');
  return out;
}

/** The PUT body. "None" keeps the stored address and limits; a secret is sent only when typed or removed. */
export function paymentProviderBody(form: PaymentProviderForm, saved: PaymentProvider, currency: string): PaymentProviderInput {
  const min = parseAmount(form.min, currency);
  const max = parseAmount(form.max, currency);
  const body: PaymentProviderInput =
    form.kind === ''
      ? { kind: '', api_base: saved.api_base, min_amount: saved.min_amount, max_amount: saved.max_amount }
      : {
          kind: form.kind,
          api_base: apiBase(form.api_base),
          min_amount: min.ok ? min.minor : saved.min_amount,
          max_amount: max.ok ? max.minor : saved.max_amount,
        };
  const secret = form.secret_key.trim();
  if (secret) body.secret_key = secret;
  else if (form.clear_secret_key) body.secret_key = '';
  const webhook = form.webhook_secret.trim();
  if (webhook) body.webhook_secret = webhook;
  else if (form.clear_webhook_secret) body.webhook_secret = '';
  return body;
}

/**
 * Whether Stripe could not deliver to this webhook address: it sends events to https addresses only
 * (a site without an https public_url). A loopback address is a local test, not a warning.
 */
export function webhookNeedsHttps(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return true;
  }
}
