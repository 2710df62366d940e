import { describe, expect, test } from 'vitest';
import { ApiError, NetworkError } from './api';
import {
  amountCheck,
  answerLost,
  checkoutPage,
  creditsFor,
  currencyDecimals,
  formatMoney,
  isFinal,
  majorAmount,
  parseAmount,
  parsePaymentReturn,
  presetAmounts,
  retryRead,
  returnView,
  searchWithoutPayment,
  shouldPoll,
  topUpAttempt,
} from './payments';

const cny = { currency: 'CNY', min_amount: 1000, max_amount: 200000 }; // ¥10 .. ¥2,000

describe('currencyDecimals', () => {
  test('two decimals, none for zero-decimal currencies whatever the case', () => {
    expect(currencyDecimals('CNY')).toBe(2);
    expect(currencyDecimals('usd')).toBe(2);
    expect(currencyDecimals('JPY')).toBe(0);
    expect(currencyDecimals('krw')).toBe(0);
    expect(currencyDecimals('KWD')).toBe(3);
  });
});

describe('parseAmount', () => {
  test('reads full-width digits and point as typed with a Chinese input method', () => {
    expect(parseAmount('１００', 'CNY')).toEqual({ ok: true, minor: 10000 });
    expect(parseAmount('５０．５', 'CNY')).toEqual({ ok: true, minor: 5050 });
    expect(parseAmount('１，０００', 'CNY')).toEqual({ ok: true, minor: 100000 });
  });
  test('major units typed become exact minor units', () => {
    expect(parseAmount('50', 'CNY')).toEqual({ ok: true, minor: 5000 });
    expect(parseAmount('50.5', 'CNY')).toEqual({ ok: true, minor: 5050 });
    expect(parseAmount(' 50.05 ', 'CNY')).toEqual({ ok: true, minor: 5005 });
    expect(parseAmount('0.1', 'CNY')).toEqual({ ok: true, minor: 10 });
    expect(parseAmount('.5', 'CNY')).toEqual({ ok: true, minor: 50 });
    expect(parseAmount('1,000.25', 'CNY')).toEqual({ ok: true, minor: 100025 });
    expect(parseAmount('500', 'JPY')).toEqual({ ok: true, minor: 500 });
    expect(parseAmount('1.5', 'KWD')).toEqual({ ok: true, minor: 1500 });
  });
  test('no float rounding: amounts that binary floats get wrong are exact', () => {
    // 1.15 * 100 = 114.99999999999999, 4.35 * 100 = 434.99999999999994 in floats
    expect(parseAmount('1.15', 'CNY')).toEqual({ ok: true, minor: 115 });
    expect(parseAmount('4.35', 'CNY')).toEqual({ ok: true, minor: 435 });
    expect(parseAmount('9007199254740.99', 'CNY')).toEqual({ ok: true, minor: 900719925474099 });
  });
  test('more decimals than the currency has are refused, trailing zeros are not', () => {
    expect(parseAmount('50.555', 'CNY')).toEqual({ ok: false, error: 'decimals' });
    expect(parseAmount('50.500', 'CNY')).toEqual({ ok: true, minor: 5050 });
    expect(parseAmount('500.5', 'JPY')).toEqual({ ok: false, error: 'decimals' });
    expect(parseAmount('500.0', 'JPY')).toEqual({ ok: true, minor: 500 });
  });
  test('anything else is refused', () => {
    expect(parseAmount('', 'CNY')).toEqual({ ok: false, error: 'empty' });
    expect(parseAmount('   ', 'CNY')).toEqual({ ok: false, error: 'empty' });
    for (const bad of ['-5', '+5', '1e3', 'abc', '5 0', '1,00', '.', '5¥', '0x10', '1.2.3', 'Infinity'])
      expect(parseAmount(bad, 'CNY'), bad).toEqual({ ok: false, error: 'invalid' });
    expect(parseAmount('99999999999999999', 'JPY')).toEqual({ ok: false, error: 'invalid' });
  });
});

describe('majorAmount and formatMoney', () => {
  test('minor units shown with the currency decimals', () => {
    expect(majorAmount(5050, 'CNY')).toBe('50.50');
    expect(majorAmount(5, 'CNY')).toBe('0.05');
    expect(majorAmount(0, 'CNY')).toBe('0.00');
    expect(majorAmount(500, 'JPY')).toBe('500');
    expect(majorAmount(1500, 'KWD')).toBe('1.500');
    expect(majorAmount(-150, 'CNY')).toBe('-1.50');
  });
  test('a currency for people, or the code after the number when the browser does not know it', () => {
    expect(formatMoney(5050, 'USD', 'en')).toBe('$50.50');
    expect(formatMoney(500, 'JPY', 'en')).toBe('¥500');
    expect(formatMoney(5050, 'C$$', 'en')).toBe('50.50 C$$');
  });
});

describe('creditsFor', () => {
  test('minor units at credits per major unit, in µc', () => {
    expect(creditsFor(5000, 'CNY', 10)).toBe(500_000_000); // ¥50 at 10 credits/¥ = 500 credits
    expect(creditsFor(5050, 'CNY', 10)).toBe(505_000_000);
    expect(creditsFor(1, 'CNY', 1)).toBe(10_000); // one fen = 0.01 credit
    expect(creditsFor(500, 'JPY', 2)).toBe(1_000_000_000);
    expect(creditsFor(1, 'KWD', 1)).toBe(1_000); // one fils
  });
  test('bad input gives nothing rather than a wrong preview', () => {
    expect(creditsFor(-100, 'CNY', 10)).toBe(0);
    expect(creditsFor(1.5, 'CNY', 10)).toBe(0);
    expect(creditsFor(100, 'CNY', 0.5)).toBe(0);
  });
});

describe('amountCheck', () => {
  test('within the limits passes, at both ends', () => {
    expect(amountCheck('50', cny)).toBeNull();
    expect(amountCheck('10', cny)).toBeNull();
    expect(amountCheck('2000', cny)).toBeNull();
  });
  test('the limits are named in major units', () => {
    expect(amountCheck('9.99', cny)).toEqual({ key: 'topUp.amountMin', params: { amount: '10.00', currency: 'CNY' } });
    expect(amountCheck('2000.01', cny)).toEqual({ key: 'topUp.amountMax', params: { amount: '2000.00', currency: 'CNY' } });
  });
  test('empty, malformed, zero and too many decimals', () => {
    expect(amountCheck('', cny)).toBe('validate.required');
    expect(amountCheck('abc', cny)).toBe('topUp.amountInvalid');
    expect(amountCheck('0', { ...cny, min_amount: 0 })).toBe('topUp.amountInvalid');
    expect(amountCheck('10.001', cny)).toEqual({ key: 'topUp.amountDecimals', params: { decimals: 2 } });
    expect(amountCheck('100.5', { currency: 'JPY', min_amount: 100, max_amount: 100000 })).toBe('topUp.amountWhole');
  });
});

describe('presetAmounts', () => {
  test('10, 50, 100, 500 major units within the limits', () => {
    expect(presetAmounts(cny)).toEqual([1000, 5000, 10000, 50000]);
    expect(presetAmounts({ ...cny, min_amount: 2000, max_amount: 10000 })).toEqual([5000, 10000]);
    expect(presetAmounts({ currency: 'JPY', min_amount: 50, max_amount: 100 })).toEqual([50, 100]);
  });
  test('the minimum when none fits', () => {
    expect(presetAmounts({ currency: 'CNY', min_amount: 60000, max_amount: 80000 })).toEqual([60000]);
  });
});

describe('topUpAttempt', () => {
  let n = 0;
  const makeId = () => `id-${++n}`;
  test('the same amount tried again keeps its request id; another amount gets a new one', () => {
    const first = topUpAttempt(null, 5000, makeId);
    expect(first).toEqual({ amount: 5000, requestId: 'id-1' });
    expect(topUpAttempt(first, 5000, makeId)).toBe(first);
    const second = topUpAttempt(first, 6000, makeId);
    expect(second).toEqual({ amount: 6000, requestId: 'id-2' });
  });
});

describe('answerLost', () => {
  test('no answer, or a proxy 5xx without a Plaza body: the order may exist', () => {
    expect(answerLost(new NetworkError())).toBe(true);
    expect(answerLost(new ApiError(502, 'internal', ''))).toBe(true);
    expect(answerLost(new ApiError(504, 'internal', ''))).toBe(true);
  });
  test("Plaza's own answers are definite", () => {
    expect(answerLost(new ApiError(502, 'provider_error', 'Stripe said no'))).toBe(false);
    expect(answerLost(new ApiError(409, 'payments_disabled', 'off'))).toBe(false);
    expect(answerLost(new ApiError(400, 'invalid_request', 'amount'))).toBe(false);
    expect(answerLost(new Error('x'))).toBe(false);
  });
});

describe('parsePaymentReturn and searchWithoutPayment', () => {
  test('the order id and whether it was the cancel address', () => {
    expect(parsePaymentReturn('?payment=42')).toEqual({ id: '42', cancelled: false });
    expect(parsePaymentReturn('?payment=42&cancelled=1')).toEqual({ id: '42', cancelled: true });
    expect(parsePaymentReturn('?cancelled=1&payment=7')).toEqual({ id: '7', cancelled: true });
    expect(parsePaymentReturn('?payment=42&cancelled=0')).toEqual({ id: '42', cancelled: false });
  });
  test('no return, or a malformed id', () => {
    expect(parsePaymentReturn('')).toBeNull();
    expect(parsePaymentReturn('?payment=')).toBeNull();
    expect(parsePaymentReturn('?payment=../admin')).toBeNull();
    expect(parsePaymentReturn('?payment=1%2F2')).toBeNull();
  });
  test('the other parameters stay', () => {
    expect(searchWithoutPayment('?payment=42&cancelled=1')).toBe('');
    expect(searchWithoutPayment('?payment=42')).toBe('');
    expect(searchWithoutPayment('?tab=x&payment=42&cancelled=1')).toBe('?tab=x');
  });
});

describe('returnView and shouldPoll', () => {
  const pending = { status: 'pending' as const };
  test('settled orders say what happened, on either address', () => {
    expect(returnView({ status: 'paid' }, false, 0)).toBe('paid');
    expect(returnView({ status: 'paid' }, true, 0)).toBe('paid');
    expect(returnView({ status: 'expired' }, false, 0)).toBe('expired');
    expect(returnView({ status: 'expired' }, true, 0)).toBe('cancelled');
    expect(returnView({ status: 'failed' }, true, 0)).toBe('failed');
  });
  test('a pending order: cancelled on the cancel address, else waiting until the wait is over', () => {
    expect(returnView(null, false, 0)).toBe('loading');
    expect(returnView(pending, true, 0)).toBe('cancelled');
    expect(returnView(pending, false, 0)).toBe('waiting');
    expect(returnView(pending, false, 59_999)).toBe('waiting');
    expect(returnView(pending, false, 60_000)).toBe('unconfirmed');
  });
  test('polls only a pending order on the success address, for about a minute', () => {
    expect(shouldPoll(pending, false, 0)).toBe(true);
    expect(shouldPoll(pending, false, 57_000)).toBe(true);
    expect(shouldPoll(pending, false, 58_000)).toBe(false);
    expect(shouldPoll(pending, true, 0)).toBe(false);
    expect(shouldPoll({ status: 'paid' }, false, 0)).toBe(false);
    expect(shouldPoll({ status: 'failed' }, false, 0)).toBe(false);
    expect(shouldPoll(null, false, 0)).toBe(false);
  });
  test('final views', () => {
    expect(isFinal('loading')).toBe(false);
    expect(isFinal('waiting')).toBe(false);
    for (const v of ['paid', 'cancelled', 'expired', 'failed', 'unconfirmed'] as const) expect(isFinal(v)).toBe(true);
  });
  test('a read worth retrying', () => {
    expect(retryRead(new NetworkError())).toBe(true);
    expect(retryRead(new ApiError(503, 'internal', ''))).toBe(true);
    expect(retryRead(new ApiError(404, 'not_found', 'no such order'))).toBe(false);
  });
});

describe('checkoutPage', () => {
  test('passes the provider\'s https page, and http for a local fake', () => {
    expect(checkoutPage('https://checkout.stripe.com/c/pay/cs_test_1#x')).toBe('https://checkout.stripe.com/c/pay/cs_test_1#x');
    expect(checkoutPage('http://127.0.0.1:4242/pay/cs_1')).toBe('http://127.0.0.1:4242/pay/cs_1');
  });
  test('refuses addresses that would run in the site or are not addresses', () => {
    for (const bad of ['javascript:alert(document.cookie)', ' JavaScript:alert(1)', 'data:text/html,<script>1</script>', 'vbscript:x', '/wallet', '', 42, null, undefined])
      expect(checkoutPage(bad)).toBeNull();
  });
});
