import { expect, test } from 'vitest';
import { noUsageFilters, packBody, planAction, planBody, redeemCodesCsvUrl, usageCsvUrl, usageSearch } from './billing';

test('usageSearch sends only the filters that are set', () => {
  expect(usageSearch(noUsageFilters)).toBe('');
  expect(usageSearch({ ...noUsageFilters, from: '2024-03-01', model: ' gpt-4o ', surface: 'web' })).toBe(
    'from=2024-03-01&model=gpt-4o&surface=web',
  );
  expect(usageSearch({ ...noUsageFilters, key_id: '7' }, { limit: '50', before: '99' })).toBe('key_id=7&limit=50&before=99');
  expect(usageSearch({ ...noUsageFilters, model: 'a&b=c' })).toBe('model=a%26b%3Dc');
});

test('the CSV links carry the filters and the format', () => {
  expect(usageCsvUrl(noUsageFilters)).toBe('/api/usage?format=csv');
  expect(usageCsvUrl({ ...noUsageFilters, from: '2024-03-01', to: '2024-03-31' })).toBe(
    '/api/usage?from=2024-03-01&to=2024-03-31&format=csv',
  );
  expect(redeemCodesCsvUrl(12)).toBe('/api/admin/redeem-batches/12/codes.csv');
});

test('planAction: subscribe, renew the same plan, upgrade to a higher level only', () => {
  const basic = { id: 1, level: 1 };
  const pro = { id: 2, level: 2 };
  const alsoPro = { id: 3, level: 2 };
  expect(planAction(pro, null)).toBe('subscribe');
  expect(planAction(basic, { plan_id: 1, level: 1 })).toBe('renew');
  expect(planAction(basic, { plan_id: '1', level: 1 })).toBe('renew');
  expect(planAction(basic, { plan_id: 1, level: 1, from_code: true })).toBe('current');
  expect(planAction(pro, { plan_id: 1, level: 1, from_code: true })).toBe('upgrade');
  expect(planAction(pro, { plan_id: 1, level: 1 })).toBe('upgrade');
  expect(planAction(basic, { plan_id: 2, level: 2 })).toBe('unavailable');
  expect(planAction(alsoPro, { plan_id: 2, level: 2 })).toBe('unavailable');
});

test('planBody and packBody keep only what the API takes', () => {
  const plan = { id: 1, name: 'Pro', level: 2, period_days: 30, price: 5, allowances: [], enabled: true, created_at: 9 };
  expect(planBody(plan)).toEqual({ name: 'Pro', level: 2, period_days: 30, price: 5, allowances: [], enabled: true });
  const pack = { id: 2, name: 'P', kind: 'count' as const, price: 1, calls: 10, credits: 0, models: ['m'], valid_days: 0, enabled: false };
  expect(packBody(pack)).toEqual({ name: 'P', kind: 'count', price: 1, calls: 10, credits: 0, models: ['m'], valid_days: 0, enabled: false });
});
