import { expect, test } from 'vitest';
import { revenueTotals } from './revenue';

test('revenueTotals adds up the days and the models', () => {
  const t = revenueTotals([
    {
      day: '2024-03-01',
      usage_paid: 10,
      usage_gift: 1,
      plan_sales: 100,
      pack_sales: 0,
      credit_packs: 10,
      app_surcharges: 4,
      app_unlocks: 20,
      earnings_converted: 50,
      top_ups: 500_000_000,
      by_model: [
        { model: 'a', calls: 2, cost: 6, paid_uc: 5, gift_uc: 1 },
        { model: 'b', calls: 1, cost: 5, paid_uc: 5, gift_uc: 0 },
      ],
    },
    { day: '2024-03-02', usage_paid: 3, usage_gift: 0, plan_sales: 0, pack_sales: 7, credit_packs: 0, top_ups: 7, by_model: [{ model: 'b', calls: 1, cost: 3, paid_uc: 3, gift_uc: 0 }] },
  ]);
  expect(t).toEqual({
    usage_paid: 13,
    usage_gift: 1,
    plan_sales: 100,
    pack_sales: 7,
    credit_packs: 10,
    app_surcharges: 4,
    app_unlocks: 20,
    earnings_converted: 50,
    top_ups: 500_000_007,
    by_model: [
      { model: 'b', calls: 2, cost: 8, paid_uc: 8, gift_uc: 0 },
      { model: 'a', calls: 2, cost: 6, paid_uc: 5, gift_uc: 1 },
    ],
  });
  expect(revenueTotals([])).toEqual({
    usage_paid: 0,
    usage_gift: 0,
    plan_sales: 0,
    pack_sales: 0,
    credit_packs: 0,
    app_surcharges: 0,
    app_unlocks: 0,
    earnings_converted: 0,
    top_ups: 0,
    by_model: [],
  });
  // A server before the app and earnings columns: they count as 0.
  const old = revenueTotals([{ day: '2024-03-01', usage_paid: 1, usage_gift: 0, plan_sales: 0, pack_sales: 0, credit_packs: 0, by_model: [] }]);
  expect([old.app_surcharges, old.app_unlocks, old.earnings_converted, old.top_ups]).toEqual([0, 0, 0, 0]);
});
