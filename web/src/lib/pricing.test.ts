import { describe, expect, test } from 'vitest';
import { translate, type Params } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { AppPricing } from './apps';
import {
  freePricing,
  percentToPpm,
  ppmToPercent,
  priceLabel,
  pricingBody,
  pricingFormValues,
  pricingOf,
  validatePrice,
  validateSurcharge,
} from './pricing';

const en = (key: MessageKey, params?: Params) => translate('en', key, params);
const zh = (key: MessageKey, params?: Params) => translate('zh', key, params);
const p = (x: Partial<AppPricing>): AppPricing => ({ ...freePricing, ...x });

describe('percent ↔ ppm', () => {
  test('a percentage becomes whole parts per million', () => {
    expect(percentToPpm('20')).toBe(200_000);
    expect(percentToPpm('0.5')).toBe(5_000);
    expect(percentToPpm('12.3456')).toBe(123_456);
    expect(percentToPpm('0.0001')).toBe(1);
    expect(percentToPpm(' 20 % ')).toBe(200_000);
    expect(percentToPpm('1000')).toBe(10_000_000);
    expect(percentToPpm('1,000')).toBe(10_000_000);
    expect(percentToPpm('0.1')).toBe(1_000); // no binary float on the way: 0.1 × 10000 is not 999.99…
    expect(percentToPpm('0')).toBe(0);
  });
  test('anything finer than one ppm, or not a number, is refused', () => {
    for (const bad of ['', ' ', '0.00001', '12.34567', 'abc', '1e3', '20%%', '.', '--1']) expect(percentToPpm(bad), bad).toBeNull();
  });
  test('ppm back to a percentage', () => {
    expect(ppmToPercent(200_000)).toBe('20');
    expect(ppmToPercent(5_000)).toBe('0.5');
    expect(ppmToPercent(1)).toBe('0.0001');
    expect(ppmToPercent(123_456)).toBe('12.3456');
    expect(ppmToPercent(10_000_000)).toBe('1,000');
    expect(ppmToPercent(0)).toBe('0');
  });
  test('every ppm survives the round trip', () => {
    for (const ppm of [1, 9, 10, 99_999, 100_000, 333_333, 1_000_001, 9_999_999, 10_000_000]) expect(percentToPpm(ppmToPercent(ppm))).toBe(ppm);
  });
});

describe('validation, as the server checks it', () => {
  test('a price per message is above 0 and at most 100 credits', () => {
    expect(validatePrice('per_message', '0.5')).toBeNull();
    expect(validatePrice('per_message', '0.000001')).toBeNull();
    expect(validatePrice('per_message', '100')).toBeNull();
    expect(validatePrice('per_message', '100.000001')).toBe('validate.pricePerMessage');
    expect(validatePrice('per_message', '0')).toBe('validate.pricePerMessage');
    expect(validatePrice('per_message', '-1')).toBe('validate.pricePerMessage');
    expect(validatePrice('per_message', '')).toBe('validate.required');
    expect(validatePrice('per_message', '1.0000001')).toBe('validate.credits');
    expect(validatePrice('per_message', 'five')).toBe('validate.credits');
  });
  test('an unlock is above 0 and at most 10,000 credits', () => {
    expect(validatePrice('one_time', '5')).toBeNull();
    expect(validatePrice('one_time', '10,000')).toBeNull();
    expect(validatePrice('one_time', '10000.000001')).toBe('validate.priceUnlock');
    expect(validatePrice('one_time', '0')).toBe('validate.priceUnlock');
  });
  test('a surcharge is above 0% and at most 1000%', () => {
    expect(validateSurcharge('per_token', '20')).toBeNull();
    expect(validateSurcharge('per_token', '0.0001')).toBeNull();
    expect(validateSurcharge('per_token', '1000')).toBeNull();
    expect(validateSurcharge('per_token', '1000.0001')).toBe('validate.surcharge');
    expect(validateSurcharge('per_token', '0')).toBe('validate.surcharge');
    expect(validateSurcharge('per_token', '')).toBe('validate.required');
    expect(validateSurcharge('per_token', '0.00001')).toBe('validate.percent');
  });
  test('fields the mode does not use are not checked', () => {
    expect(validatePrice('free', 'junk')).toBeNull();
    expect(validatePrice('per_token', '')).toBeNull();
    expect(validateSurcharge('per_message', 'junk')).toBeNull();
    expect(validateSurcharge('one_time', '')).toBeNull();
  });
});

describe('form values and body', () => {
  test('the amount fields hold only what the mode uses', () => {
    expect(pricingFormValues(p({ mode: 'per_message', price: 500_000 }))).toEqual({ pricing_mode: 'per_message', pricing_price: '0.5', pricing_ppm: '' });
    expect(pricingFormValues(p({ mode: 'one_time', price: 1_234_000_000 }))).toEqual({ pricing_mode: 'one_time', pricing_price: '1,234', pricing_ppm: '' });
    expect(pricingFormValues(p({ mode: 'per_token', surcharge_ppm: 200_000 }))).toEqual({ pricing_mode: 'per_token', pricing_price: '', pricing_ppm: '20' });
    expect(pricingFormValues(freePricing)).toEqual({ pricing_mode: 'free', pricing_price: '', pricing_ppm: '' });
  });
  test('the body is integers: µc and ppm, zero where the mode has none', () => {
    expect(pricingBody('per_message', '0.1', '20', false)).toEqual({ mode: 'per_message', price: 100_000, surcharge_ppm: 0, paying_only: false });
    expect(pricingBody('per_token', '3', '20', true)).toEqual({ mode: 'per_token', price: 0, surcharge_ppm: 200_000, paying_only: true });
    expect(pricingBody('one_time', '1,000.5', '', false)).toEqual({ mode: 'one_time', price: 1_000_500_000, surcharge_ppm: 0, paying_only: false });
    expect(pricingBody('bogus', '3', '20', false)).toEqual(freePricing);
  });
  test('content without pricing reads as free; partial pricing is filled in', () => {
    expect(pricingOf({})).toEqual(freePricing);
    expect(pricingOf({ pricing: undefined })).toEqual(freePricing);
    expect(pricingOf({ pricing: { mode: 'one_time', price: 5 } as AppPricing })).toEqual({ mode: 'one_time', price: 5, surcharge_ppm: 0, paying_only: false });
  });
});

describe('price badge text', () => {
  test('each mode in English', () => {
    expect(priceLabel(freePricing, en)).toBe('Free');
    expect(priceLabel(p({ mode: 'per_message', price: 500_000 }), en)).toBe('+0.5 credits / message');
    expect(priceLabel(p({ mode: 'per_token', surcharge_ppm: 200_000 }), en)).toBe('+20% on model cost');
    expect(priceLabel(p({ mode: 'one_time', price: 5_000_000 }), en)).toBe('Unlock 5 credits');
    expect(priceLabel(p({ mode: 'one_time', price: 1_500_000_000 }), en)).toBe('Unlock 1,500 credits');
  });
  test('paying users only is added to any mode', () => {
    expect(priceLabel(p({ paying_only: true }), en)).toBe('Free · Paying users only');
    expect(priceLabel(p({ mode: 'per_token', surcharge_ppm: 5_000, paying_only: true }), en)).toBe('+0.5% on model cost · Paying users only');
  });
  test('a plan level is named, and a free app that needs a plan does not say "Free"', () => {
    expect(priceLabel(freePricing, en, 2)).toBe('Plan level 2 or higher');
    expect(priceLabel(freePricing, en, 0)).toBe('Free');
    expect(priceLabel(p({ mode: 'per_message', price: 500_000 }), en, 3)).toBe('+0.5 credits / message · Plan level 3 or higher');
    expect(priceLabel(p({ paying_only: true }), en, 1)).toBe('Plan level 1 or higher · Paying users only');
    expect(priceLabel(freePricing, zh, 2)).toBe('需 2 级及以上套餐');
    expect(priceLabel(p({ mode: 'one_time', price: 5_000_000 }), zh, 1)).toBe('解锁 5 额度 · 需 1 级及以上套餐');
  });
  test('in Chinese', () => {
    expect(priceLabel(freePricing, zh)).toBe('免费');
    expect(priceLabel(p({ mode: 'per_message', price: 500_000, paying_only: true }), zh)).toBe('每条消息 +0.5 额度 · 仅限付费用户');
    expect(priceLabel(p({ mode: 'one_time', price: 5_000_000 }), zh)).toBe('解锁 5 额度');
  });
});
