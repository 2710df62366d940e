import { describe, expect, test } from 'vitest';
import { paymentProviderBody, paymentProviderChecks, paymentProviderForm, type PaymentProviderForm, webhookNeedsHttps } from './paymentProvider';
import type { PaymentProvider } from './payments';

const saved: PaymentProvider = {
  kind: 'stripe',
  api_base: 'https://api.stripe.com',
  min_amount: 1000,
  max_amount: 200050,
  has_secret_key: true,
  has_webhook_secret: true,
  webhook_url: 'https://site/api/payments/stripe/webhook',
};
const none: PaymentProvider = { ...saved, kind: '', api_base: '', min_amount: 0, max_amount: 0, has_secret_key: false, has_webhook_secret: false };

describe('paymentProviderForm', () => {
  test('limits in major units, no secrets, the default address when none is stored', () => {
    expect(paymentProviderForm(saved, 'CNY')).toEqual({
      kind: 'stripe',
      api_base: 'https://api.stripe.com',
      min: '10.00',
      max: '2000.50',
      secret_key: '',
      webhook_secret: '',
      clear_secret_key: false,
      clear_webhook_secret: false,
    });
    const f = paymentProviderForm(none, 'CNY');
    expect([f.api_base, f.min, f.max]).toEqual(['https://api.stripe.com', '', '']);
    expect(paymentProviderForm({ ...saved, min_amount: 100 }, 'JPY').min).toBe('100');
  });
});

describe('paymentProviderChecks', () => {
  const form = (change: Partial<PaymentProviderForm> = {}, from: PaymentProvider = saved) => ({ ...paymentProviderForm(from, 'CNY'), ...change });
  test('the stored settings pass as they are; stored secrets need not be typed again', () => {
    expect(paymentProviderChecks(form(), saved, 'CNY')).toEqual({});
  });
  test('"none" checks nothing', () => {
    expect(paymentProviderChecks(form({ kind: '', api_base: 'nope', min: 'x' }), saved, 'CNY')).toEqual({});
  });
  test('Stripe needs its secret key: typed, or stored and not being removed; the webhook secret is optional', () => {
    const fresh = form({ kind: 'stripe', min: '10', max: '100' }, none);
    expect(paymentProviderChecks(fresh, none, 'CNY')).toEqual({ secret_key: 'validate.required' });
    expect(paymentProviderChecks({ ...fresh, secret_key: 'sk_test_1' }, none, 'CNY')).toEqual({});
    expect(paymentProviderChecks(form({ clear_secret_key: true }), saved, 'CNY')).toEqual({ secret_key: 'validate.required' });
    expect(paymentProviderChecks(form({ clear_webhook_secret: true }), saved, 'CNY')).toEqual({});
  });
  test('a new API address needs the secret key typed again (the server keeps a key with its address)', () => {
    expect(paymentProviderChecks(form({ api_base: 'https://stripe.test' }), saved, 'CNY')).toEqual({ secret_key: 'payments.secretAgain' });
    expect(paymentProviderChecks(form({ api_base: 'https://stripe.test', secret_key: 'sk_x' }), saved, 'CNY')).toEqual({});
    expect(paymentProviderChecks(form({ api_base: 'https://api.stripe.com/ ' }), saved, 'CNY')).toEqual({}); // the same address
  });
  test('the address and the limits', () => {
    expect(paymentProviderChecks(form({ api_base: 'api.stripe.com', secret_key: 'sk_x' }), saved, 'CNY')).toEqual({ api_base: 'validate.url' });
    expect(paymentProviderChecks(form({ min: '', max: '1.234' }), saved, 'CNY')).toEqual({ min: 'validate.required', max: { key: 'topUp.amountDecimals', params: { decimals: 2 } } });
    expect(paymentProviderChecks(form({ min: '0' }), saved, 'CNY')).toEqual({ min: 'topUp.amountInvalid' });
    expect(paymentProviderChecks(form({ min: '10.5', max: '100' }), saved, 'JPY')).toEqual({ min: 'topUp.amountWhole' });
    expect(paymentProviderChecks(form({ min: '100', max: '99.99' }), saved, 'CNY')).toEqual({ max: 'payments.maxBelowMin' });
    expect(paymentProviderChecks(form({ min: '100', max: '100' }), saved, 'CNY')).toEqual({});
  });
});

describe('paymentProviderBody', () => {
  test('limits in minor units; untyped secrets are left out (kept)', () => {
    const body = paymentProviderBody({ ...paymentProviderForm(saved, 'CNY'), min: '20.5', max: '500', api_base: 'https://stripe.test/ ' }, saved, 'CNY');
    expect(body).toEqual({ kind: 'stripe', api_base: 'https://stripe.test', min_amount: 2050, max_amount: 50000 });
    expect('secret_key' in body).toBe(false);
    expect('webhook_secret' in body).toBe(false);
  });
  test('typed secrets are sent, removed ones as ""', () => {
    const f = { ...paymentProviderForm(saved, 'CNY'), secret_key: ' sk_live_x ', clear_webhook_secret: true };
    const body = paymentProviderBody(f, saved, 'CNY');
    expect(body.secret_key).toBe('sk_live_x');
    expect(body.webhook_secret).toBe('');
  });
  test('a typed secret wins over "remove"', () => {
    const f = { ...paymentProviderForm(saved, 'CNY'), secret_key: 'sk_new', clear_secret_key: true };
    expect(paymentProviderBody(f, saved, 'CNY').secret_key).toBe('sk_new');
  });
  test('"none" keeps the stored address and limits', () => {
    const f = { ...paymentProviderForm(saved, 'CNY'), kind: '' as const, api_base: 'junk', min: '1' };
    expect(paymentProviderBody(f, saved, 'CNY')).toEqual({ kind: '', api_base: saved.api_base, min_amount: 1000, max_amount: 200050 });
  });
});

describe('webhookNeedsHttps', () => {
  test('warns for an http site address Stripe cannot deliver to', () => {
    expect(webhookNeedsHttps('http://chat.example.com/api/payments/stripe/webhook')).toBe(true);
    expect(webhookNeedsHttps('http://0.0.0.0:8080/api/payments/stripe/webhook')).toBe(true);
    expect(webhookNeedsHttps('not a url')).toBe(true);
  });
  test('is quiet for https and for a local test address', () => {
    expect(webhookNeedsHttps('https://chat.example.com/api/payments/stripe/webhook')).toBe(false);
    expect(webhookNeedsHttps('http://127.0.0.1:18777/api/payments/stripe/webhook')).toBe(false);
    expect(webhookNeedsHttps('http://localhost:8080/api/payments/stripe/webhook')).toBe(false);
  });
});
