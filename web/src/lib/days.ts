// Calendar days as "YYYY-MM-DD" strings: what date inputs give, what the billing API takes in
// from/to and returns as `day`. Arithmetic on them goes through UTC so that no time zone or
// daylight-saving change can skip or repeat a day.

import type { Validator } from './useForm';

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar day of `d` (today by default). */
export function localDay(d: Date = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Checks of an optional from/to day pair: each a day, and from not after to. */
export function dayRangeValidators<K extends string>(): Partial<Record<K | 'from' | 'to', Validator<Record<K | 'from' | 'to', string>>>> {
  return {
    from: (v) => (v.from && !isDay(v.from) ? 'validate.day' : null),
    to: (v) => (v.to && !isDay(v.to) ? 'validate.day' : v.from && v.to && v.to < v.from ? 'validate.dayOrder' : null),
  } as Partial<Record<K | 'from' | 'to', Validator<Record<K | 'from' | 'to', string>>>>;
}

export function isDay(s: string): boolean {
  const m = dayPattern.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function toUtc(day: string): Date {
  const m = dayPattern.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function fromUtc(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `day` moved by `n` days (negative goes back). */
export function addDays(day: string, n: number): string {
  const d = toUtc(day);
  d.setUTCDate(d.getUTCDate() + n);
  return fromUtc(d);
}

/**
 * Every day from `from` to `to`, both included; empty when `to` comes first. At most `limit`
 * days (the newest are dropped) so a mistyped year can't build a million chart bars.
 */
export function daysBetween(from: string, to: string, limit = 400): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < limit; d = addDays(d, 1)) out.push(d);
  return out;
}

/** A from/to pair ending today that spans `days` days. */
export function lastDays(days: number, today: string = localDay()): { from: string; to: string } {
  return { from: addDays(today, -(days - 1)), to: today };
}
