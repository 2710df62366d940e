import { describe, expect, test } from 'vitest';
import type { DailySpend } from './billing';
import { otherSeries, spendChart } from './spendChart';

const row = (day: string, model: string, cost: number, calls = 1): DailySpend => ({ day, model, calls, cost, paid_uc: cost, gift_uc: 0 });

describe('spendChart', () => {
  test('one bar per day of the range, gaps included, parts per model', () => {
    const c = spendChart(
      [row('2024-03-01', 'a', 300), row('2024-03-01', 'b', 100, 2), row('2024-03-03', 'b', 500)],
      '2024-03-01',
      '2024-03-03',
    );
    expect(c.series).toEqual(['b', 'a']);
    expect(c.bars.map((b) => b.day)).toEqual(['2024-03-01', '2024-03-02', '2024-03-03']);
    expect(c.bars[0]).toEqual({
      day: '2024-03-01',
      total: 400,
      calls: 3,
      parts: [
        { series: 'b', cost: 100 },
        { series: 'a', cost: 300 },
      ],
    });
    expect(c.bars[1]).toEqual({ day: '2024-03-02', total: 0, calls: 0, parts: [] });
    expect(c.max).toBe(500);
    expect(c.total).toBe(900);
  });

  test('rows outside the range are left out; an empty chart still has a max of 1', () => {
    const c = spendChart([row('2024-02-01', 'a', 5)], '2024-03-01', '2024-03-02');
    expect(c.bars.every((b) => b.total === 0)).toBe(true);
    expect(c.max).toBe(1);
    expect(spendChart([], '2024-03-01', '2024-03-01').bars).toHaveLength(1);
  });

  test('without a range, the days that have rows', () => {
    const c = spendChart([row('2024-03-05', 'a', 1), row('2024-03-02', 'a', 1)], '', '');
    expect(c.bars.map((b) => b.day)).toEqual(['2024-03-02', '2024-03-05']);
  });

  test('the smaller models fold into one other series', () => {
    const rows = ['a', 'b', 'c', 'd'].map((m, i) => row('2024-03-01', m, (i + 1) * 10));
    const c = spendChart(rows, '2024-03-01', '2024-03-01', 3);
    expect(c.series).toEqual(['d', 'c', otherSeries]);
    expect(c.bars[0].parts).toEqual([
      { series: 'd', cost: 40 },
      { series: 'c', cost: 30 },
      { series: otherSeries, cost: 30 },
    ]);
  });

  test('zero-cost rows count calls but draw nothing', () => {
    const c = spendChart([row('2024-03-01', 'free', 0, 4)], '2024-03-01', '2024-03-01');
    expect(c.bars[0]).toEqual({ day: '2024-03-01', total: 0, calls: 4, parts: [] });
  });
});
