// Shapes /api/usage/daily rows into stacked bars: one bar per day (days without spend included,
// so gaps show), one segment per model. Beyond a handful of models the colours stop telling
// them apart, so the smaller ones are folded into one "other" series.
import { daysBetween } from './days';
import type { DailySpend } from './billing';

/** The series key for the folded-together models. */
export const otherSeries = '';

export interface SpendBar {
  day: string;
  total: number;
  calls: number;
  /** In the order of `series`; zero-cost series left out. */
  parts: { series: string; cost: number }[];
}

export interface SpendChartData {
  /** Model names, biggest total spend first, then otherSeries if any were folded. */
  series: string[];
  bars: SpendBar[];
  /** The tallest bar (at least 1, so heights can divide by it). */
  max: number;
  total: number;
}

export function spendChart(rows: DailySpend[], from: string, to: string, maxSeries = 6): SpendChartData {
  const byModel = new Map<string, number>();
  for (const r of rows) byModel.set(r.model, (byModel.get(r.model) ?? 0) + r.cost);
  const ranked = [...byModel.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([m]) => m);
  const folded = ranked.length > maxSeries;
  const shown = folded ? ranked.slice(0, maxSeries - 1) : ranked;
  const series = folded ? [...shown, otherSeries] : shown;
  const seriesOf = (model: string) => (shown.includes(model) ? model : otherSeries);

  const days = from && to ? daysBetween(from, to) : [...new Set(rows.map((r) => r.day))].sort();
  const bars: SpendBar[] = days.map((day) => ({ day, total: 0, calls: 0, parts: [] }));
  const index = new Map(days.map((d, i) => [d, i]));
  for (const r of rows) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    const bar = bars[i];
    bar.total += r.cost;
    bar.calls += r.calls;
    const s = seriesOf(r.model);
    const part = bar.parts.find((p) => p.series === s);
    if (part) part.cost += r.cost;
    else bar.parts.push({ series: s, cost: r.cost });
  }
  for (const bar of bars) {
    bar.parts = bar.parts.filter((p) => p.cost > 0).sort((a, b) => series.indexOf(a.series) - series.indexOf(b.series));
  }
  const max = Math.max(1, ...bars.map((b) => b.total));
  return { series, bars, max, total: bars.reduce((s, b) => s + b.total, 0) };
}
