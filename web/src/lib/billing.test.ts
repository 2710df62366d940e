import { expect, test } from 'vitest';
import { isPurchase, noUsageFilters, packBody, packLimit, planAction, purchasePrice, renewalTerms, upgradeCost, planBody, redeemCodesCsvUrl, usageCsvUrl, usageSearch } from './billing';

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

test('planAction: a higher plan worth less than the unused days is no upgrade, known before the click', () => {
  const current = { plan_id: 1, level: 1, upgrade_credit: 40 };
  expect(planAction({ id: 2, level: 2, price: 30 }, current)).toBe('worthLess');
  expect(planAction({ id: 2, level: 2, price: 40 }, current)).toBe('upgrade'); // paid for exactly: allowed
  expect(planAction({ id: 2, level: 2, price: 50 }, current)).toBe('upgrade');
  expect(planAction({ id: 2, level: 2, price: 30 }, { plan_id: 1, level: 1 })).toBe('upgrade'); // older servers: the server decides
  expect(planAction({ id: 2, level: 2, price: 0 }, { ...current, upgrade_credit: 0 })).toBe('upgrade'); // days from a code
  expect(planAction({ id: 0, level: 1, price: 1 }, current)).toBe('unavailable');
  expect(['subscribe', 'renew', 'upgrade'].every((a) => isPurchase(a as never))).toBe(true);
  expect(isPurchase('worthLess')).toBe(false);
  expect(isPurchase('current')).toBe(false);
  expect(upgradeCost({ price: 50 }, current)).toBe(10);
  expect(upgradeCost({ price: 50 }, null)).toBe(50);
});

test('planBody and packBody keep only what the API takes', () => {
  const plan = { id: 1, name: 'Pro', level: 2, period_days: 30, price: 5, allowances: [], enabled: true, created_at: 9 };
  expect(planBody(plan)).toEqual({ name: 'Pro', level: 2, period_days: 30, price: 5, allowances: [], enabled: true });
  const pack = { id: 2, name: 'P', kind: 'count' as const, price: 1, calls: 10, credits: 0, models: ['m'], valid_days: 0, enabled: false };
  expect(packBody(pack)).toEqual({ name: 'P', kind: 'count', price: 1, calls: 10, credits: 0, models: ['m'], valid_days: 0, enabled: false, per_user_limit: null });
  // A PUT replaces the pack: taking it off sale keeps its per-user limit.
  expect(packBody({ ...pack, per_user_limit: 1 }).per_user_limit).toBe(1);
});

test('packLimit: how many of a limited pack the user bought, and whether that is all', () => {
  const pack = { id: 2, name: 'Trial', kind: 'count' as const, price: 0, calls: 10, credits: 0, models: ['m'], valid_days: 0 };
  expect(packLimit(pack, { pack_purchases: [{ pack_id: 2, bought: 5 }] })).toBeNull();
  expect(packLimit({ ...pack, per_user_limit: null }, null)).toBeNull();
  const limited = { ...pack, per_user_limit: 2 };
  expect(packLimit(limited, null)).toEqual({ limit: 2, bought: 0, reached: false });
  expect(packLimit(limited, { pack_purchases: [{ pack_id: 3, bought: 9 }, { pack_id: 2, bought: 1 }] })).toEqual({ limit: 2, bought: 1, reached: false });
  expect(packLimit(limited, { pack_purchases: [{ pack_id: 2, bought: 2 }] })).toEqual({ limit: 2, bought: 2, reached: true });
  expect(packLimit(limited, {})).toEqual({ limit: 2, bought: 0, reached: false }); // older servers send no purchases
});

test('a renewal is charged the price stored on the subscription, not the plan\'s current one', () => {
  // Bought at 30 credits for 30 days; the plan now costs 45 for 90.
  const sub = { plan_id: 3, price: 30_000_000, period_days: 30 };
  const plan = { id: 3, name: 'Basic', price: 45_000_000, period_days: 90 };
  expect(purchasePrice({ what: 'plan', plan, action: 'renew' }, sub)).toBe(30_000_000);
  expect(renewalTerms(plan, sub)).toEqual({ id: 3, name: 'Basic', price: 30_000_000, period_days: 30 });
  expect(renewalTerms(plan, { ...sub, plan_id: '3' }).price).toBe(30_000_000);
  // Subscribing or upgrading pays the plan's price; another plan's terms are its own.
  expect(purchasePrice({ what: 'plan', plan, action: 'subscribe' }, null)).toBe(45_000_000);
  expect(purchasePrice({ what: 'plan', plan: { ...plan, id: 4 }, action: 'upgrade' }, sub)).toBe(45_000_000);
  expect(renewalTerms({ ...plan, id: 4 }, sub).price).toBe(45_000_000);
  expect(renewalTerms(plan, null)).toBe(plan);
  expect(purchasePrice({ what: 'pack', pack: { price: 7 } }, sub)).toBe(7);
  expect(purchasePrice({ what: 'cancel' }, sub)).toBe(0);
});
