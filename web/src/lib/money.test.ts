import { describe, expect, test } from 'vitest';
import { currencyValue, formatCredits, formatMultiplier, formatSignedCredits, parseCredits, parseMultiplier } from './money';

describe('formatCredits', () => {
  test('shows up to six decimals with trailing zeros trimmed', () => {
    expect(formatCredits(0)).toBe('0');
    expect(formatCredits(1)).toBe('0.000001');
    expect(formatCredits(10)).toBe('0.00001');
    expect(formatCredits(1_500_000)).toBe('1.5');
    expect(formatCredits(1_000_000)).toBe('1');
    expect(formatCredits(123_456_789)).toBe('123.456789');
    expect(formatCredits(20_000)).toBe('0.02');
  });
  test('groups thousands and keeps the sign', () => {
    expect(formatCredits(1_234_000_000)).toBe('1,234');
    expect(formatCredits(1_234_567_890_000)).toBe('1,234,567.89');
    expect(formatCredits(-2_000_000)).toBe('-2');
    expect(formatCredits(-1)).toBe('-0.000001');
    expect(formatCredits(-999_999)).toBe('-0.999999');
  });
  test('exact at the edge of safe integers and for bigints', () => {
    expect(formatCredits(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254.740991');
    expect(formatCredits(12_345_678_901_234_567_890n)).toBe('12,345,678,901,234.56789');
  });
  test('shows a non-integer as it came rather than inventing digits', () => {
    expect(formatCredits(1.5)).toBe('1.5');
    expect(formatCredits(Number.NaN)).toBe('NaN');
  });
  test('signed form for movements', () => {
    expect(formatSignedCredits(2_500_000)).toBe('+2.5');
    expect(formatSignedCredits(-20_000)).toBe('-0.02');
    expect(formatSignedCredits(0)).toBe('0');
  });
});

describe('parseCredits', () => {
  test('reads decimals exactly', () => {
    expect(parseCredits('1.5')).toBe(1_500_000);
    expect(parseCredits('0.1')).toBe(100_000);
    expect(parseCredits('0.000001')).toBe(1);
    expect(parseCredits('.5')).toBe(500_000);
    expect(parseCredits('5.')).toBe(5_000_000);
    expect(parseCredits('  42 ')).toBe(42_000_000);
    expect(parseCredits('0')).toBe(0);
    expect(parseCredits('007.25')).toBe(7_250_000);
  });
  test('values a float would get wrong', () => {
    // 0.29 * 1e6 is 289999.99999999994 in floating point.
    expect(parseCredits('0.29')).toBe(290_000);
    expect(parseCredits('1.005')).toBe(1_005_000);
    expect(parseCredits('9007199254.740991')).toBe(Number.MAX_SAFE_INTEGER);
  });
  test('signs', () => {
    expect(parseCredits('-0.25')).toBe(-250_000);
    expect(parseCredits('+3')).toBe(3_000_000);
    expect(Object.is(parseCredits('-0'), 0)).toBe(true);
  });
  test('thousands separators in the whole part only', () => {
    expect(parseCredits('1,000')).toBe(1_000_000_000);
    expect(parseCredits('1,234,567.5')).toBe(1_234_567_500_000);
    expect(parseCredits('1,00')).toBeNull();
    expect(parseCredits('1,0000')).toBeNull();
    expect(parseCredits('0.123,456')).toBeNull();
  });
  test('refuses what is not a credits amount', () => {
    for (const bad of ['', ' ', '.', '-', '1.2345678', '1e3', 'abc', '1.2.3', '0x10', '1 000', '∞', 'NaN', '--1']) {
      expect(parseCredits(bad), bad).toBeNull();
    }
    expect(parseCredits('9007199254.740992')).toBeNull();
    expect(parseCredits('-9007199254.740992')).toBeNull();
  });
  test('round-trips with formatCredits', () => {
    for (const uc of [0, 1, 999_999, 1_000_001, 20_000, -3_140_000, 1_234_567_890_123]) {
      expect(parseCredits(formatCredits(uc))).toBe(uc);
    }
  });
});

test('multipliers are parts per million', () => {
  expect(formatMultiplier(1_000_000)).toBe('1×');
  expect(formatMultiplier(850_000)).toBe('0.85×');
  expect(parseMultiplier('1.5')).toBe(1_500_000);
  expect(parseMultiplier('0.8x')).toBe(800_000);
  expect(parseMultiplier('2×')).toBe(2_000_000);
  expect(parseMultiplier('x')).toBeNull();
});

describe('currencyValue', () => {
  test('credits in currency units, two decimals', () => {
    expect(currencyValue(0, 10)).toBe('0.00');
    expect(currencyValue(12_500_000, 10)).toBe('1.25');
    expect(currencyValue(10_000_000, 10)).toBe('1.00');
    expect(currencyValue(1_000_000, 1)).toBe('1.00');
    expect(currencyValue(1_234_000_000, 10)).toBe('123.40');
  });
  test('rounds down, never up', () => {
    expect(currencyValue(19_999_999, 10)).toBe('1.99');
    expect(currencyValue(99_999, 10)).toBe('0.00');
    expect(currencyValue(100_000, 10)).toBe('0.01');
    expect(currencyValue(1_000_000, 3)).toBe('0.33');
    expect(currencyValue(2_000_000, 3)).toBe('0.66');
  });
  test('negative amounts are cut toward zero', () => {
    expect(currencyValue(-5_000_000, 10)).toBe('-0.50');
    expect(currencyValue(-19_999_999, 10)).toBe('-1.99');
    expect(currencyValue(-1, 10)).toBe('0.00');
  });
  test('exact beyond float precision', () => {
    expect(currencyValue(Number.MAX_SAFE_INTEGER, 10)).toBe('900719925.47');
    expect(currencyValue(12_345_678_901_234_567_890n, 10)).toBe('1234567890123.45');
  });
  test('null for amounts or rates it cannot trust', () => {
    expect(currencyValue(1.5, 10)).toBeNull();
    expect(currencyValue(Number.NaN, 10)).toBeNull();
    expect(currencyValue(1_000_000, 0)).toBeNull();
    expect(currencyValue(1_000_000, -10)).toBeNull();
    expect(currencyValue(1_000_000, 2.5)).toBeNull();
  });
});
