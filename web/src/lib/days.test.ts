import { expect, test } from 'vitest';
import { addDays, daysBetween, isDay, lastDays, localDay } from './days';

test('localDay is the local calendar day', () => {
  expect(localDay(new Date(2024, 0, 5, 23, 59))).toBe('2024-01-05');
  expect(localDay(new Date(2024, 11, 31, 0, 0))).toBe('2024-12-31');
});

test('isDay checks the shape and the calendar', () => {
  expect(isDay('2024-02-29')).toBe(true);
  expect(isDay('2023-02-29')).toBe(false);
  expect(isDay('2024-13-01')).toBe(false);
  expect(isDay('2024-1-01')).toBe(false);
  expect(isDay('')).toBe(false);
});

test('addDays crosses months, years and leap days', () => {
  expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
  expect(addDays('2024-01-10', -10)).toBe('2023-12-31');
  expect(addDays('2024-03-31', 0)).toBe('2024-03-31');
  expect(() => addDays('nope', 1)).toThrow();
});

test('daysBetween includes both ends, and is capped', () => {
  expect(daysBetween('2024-02-27', '2024-03-01')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  expect(daysBetween('2024-03-01', '2024-03-01')).toEqual(['2024-03-01']);
  expect(daysBetween('2024-03-02', '2024-03-01')).toEqual([]);
  expect(daysBetween('2000-01-01', '2024-01-01', 10)).toHaveLength(10);
});

test('lastDays ends today', () => {
  expect(lastDays(14, '2024-03-05')).toEqual({ from: '2024-02-21', to: '2024-03-05' });
  expect(lastDays(1, '2024-03-05')).toEqual({ from: '2024-03-05', to: '2024-03-05' });
});
