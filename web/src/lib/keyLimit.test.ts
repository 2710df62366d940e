import { expect, test } from 'vitest';
import { keyLimitBody, keyLimitEffect } from './keyLimit';

test('keyLimitEffect: no limit, room left, or nothing more when at or below what the key spent', () => {
  expect(keyLimitEffect('', 3_000_000)).toEqual({ kind: 'none' });
  expect(keyLimitEffect('  ', 0)).toEqual({ kind: 'none' });
  expect(keyLimitEffect('5', 3_000_000)).toEqual({ kind: 'room', left: 2_000_000 });
  expect(keyLimitEffect('3', 3_000_000)).toEqual({ kind: 'stopped' });
  expect(keyLimitEffect('1.5', 3_000_000)).toEqual({ kind: 'stopped' });
  expect(keyLimitEffect('0', 0)).toEqual({ kind: 'stopped' });
  expect(keyLimitEffect('abc', 0)).toEqual({ kind: 'invalid' });
  expect(keyLimitEffect('-1', 0)).toEqual({ kind: 'invalid' });
});

test('keyLimitBody sends µc, or null to remove the limit', () => {
  expect(keyLimitBody('2.5')).toEqual({ spend_limit: 2_500_000 });
  expect(keyLimitBody('')).toEqual({ spend_limit: null });
});
