import { describe, expect, test } from 'vitest';
import { appRows, earningsChart, mergeRun, noEarnings, settling, validateWithdrawal, yesterday, type Earnings, type SettlementRun } from './earnings';

const empty: Earnings = {
  pending: 0,
  available: 0,
  frozen: 0,
  requested: 0,
  paid_out: 0,
  clearing_days: 7,
  creator_share_ppm: 700_000,
  subscription_pool_ppm: 300_000,
  pack_pool_ppm: 200_000,
  days: [],
  apps: [],
  payouts: [],
};

describe('earningsChart', () => {
  test('one bar per day up to today, stacked in stream order, gaps kept', () => {
    const c = earningsChart(
      [
        { day: '2025-03-08', direct: 100, subscription: 0, pack: 50 },
        { day: '2025-03-10', direct: 1, subscription: 2, pack: 3 },
      ],
      5,
      '2025-03-10',
    );
    expect(c.bars.map((b) => b.day)).toEqual(['2025-03-06', '2025-03-07', '2025-03-08', '2025-03-09', '2025-03-10']);
    expect(c.bars.map((b) => b.total)).toEqual([0, 0, 150, 0, 6]);
    expect(c.bars[2].parts).toEqual([
      { stream: 'direct', amount: 100 },
      { stream: 'pack', amount: 50 },
    ]);
    expect(c.bars[4].parts.map((p) => p.stream)).toEqual(['direct', 'subscription', 'pack']);
    expect(c.max).toBe(150);
    expect(c.total).toBe(156);
    expect(c.totals).toEqual({ direct: 101, subscription: 2, pack: 53 });
  });

  test('the operator’s days may run ahead of the browser, or further back than the span: none is dropped', () => {
    const c = earningsChart(
      [
        { day: '2025-02-01', direct: 7, subscription: 0, pack: 0 },
        { day: '2025-03-11', direct: 5, subscription: 0, pack: 0 },
      ],
      3,
      '2025-03-10',
    );
    expect(c.bars[0].day).toBe('2025-02-01');
    expect(c.bars[c.bars.length - 1]).toMatchObject({ day: '2025-03-11', total: 5 });
    expect(c.total).toBe(12);
  });

  test('no earnings: bars of zero, and a max that can still be divided by', () => {
    const c = earningsChart([], 30, '2025-03-10');
    expect(c.bars).toHaveLength(30);
    expect(c.total).toBe(0);
    expect(c.max).toBe(1);
  });
});

test('appRows: totals per app, biggest first', () => {
  const rows = appRows([
    { app_id: 1, slug: 'a', title: 'A', calls: 3, paying_users: 1, direct: 10, subscription: 0, pack: 0 },
    { app_id: 2, slug: 'b', title: 'B', calls: 9, paying_users: 2, direct: 5, subscription: 5, pack: 5 },
    { app_id: 3, slug: 'c', title: 'C', calls: 0, paying_users: 0, direct: 0, subscription: 0, pack: 10 },
  ]);
  expect(rows.map((r) => [r.slug, r.total])).toEqual([
    ['b', 15],
    ['a', 10],
    ['c', 10],
  ]);
});

test('noEarnings: only a creator with nothing at all', () => {
  expect(noEarnings(empty)).toBe(true);
  expect(noEarnings({ ...empty, available: 1 })).toBe(false);
  expect(noEarnings({ ...empty, paid_out: 1 })).toBe(false);
  expect(noEarnings({ ...empty, apps: [{ app_id: 1, slug: 'a', title: 'A', calls: 1, paying_users: 0, direct: 0, subscription: 0, pack: 0 }] })).toBe(false);
});

test('validateWithdrawal: credits above zero, no more than available', () => {
  expect(validateWithdrawal('1.5', 2_000_000)).toBeNull();
  expect(validateWithdrawal('2', 2_000_000)).toBeNull();
  expect(validateWithdrawal('2.000001', 2_000_000)).toBe('validate.moreThanAvailable');
  expect(validateWithdrawal('', 2_000_000)).toBe('validate.required');
  expect(validateWithdrawal('0', 2_000_000)).toBe('validate.positive');
  expect(validateWithdrawal('1.0000001', 2_000_000)).toBe('validate.credits');
  expect(validateWithdrawal('1.5', 2_000_000, 1_500_000)).toBeNull();
  expect(validateWithdrawal('1.4', 2_000_000, 1_500_000)).toEqual({ key: 'validate.payoutMinimum', params: { amount: '1.5' } });
});

test('settling: a day is watched until its run is listed as done', () => {
  const run = (day: string, status: SettlementRun['status']): SettlementRun => ({
    day,
    status,
    attempts: 1,
    batches: 0,
    lease_owner: '',
    lease_until: null,
    started_at: null,
    finished_at: null,
    totals: { direct: 0, subscription: 0, pack: 0 },
    rows: 0,
  });
  expect(settling([], '2025-03-09')).toBe(true);
  expect(settling([run('2025-03-09', 'running')], '2025-03-09')).toBe(true);
  expect(settling([run('2025-03-09', 'done'), run('2025-03-08', 'running')], '2025-03-09')).toBe(false);
  expect(yesterday('2025-03-01')).toBe('2025-02-28');
  const runs = [run('2025-03-09', 'done'), run('2025-03-07', 'done')];
  expect(mergeRun(runs, run('2025-03-08', 'running')).map((r) => `${r.day} ${r.status}`)).toEqual(['2025-03-09 done', '2025-03-08 running', '2025-03-07 done']);
  expect(mergeRun(runs, run('2025-03-09', 'running')).map((r) => `${r.day} ${r.status}`)).toEqual(['2025-03-09 running', '2025-03-07 done']);
});
