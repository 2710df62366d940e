import { describe, expect, test } from 'vitest';
import { ApiError, parseError, readCookie } from './api';
import { safeNext } from './router';

describe('readCookie', () => {
  test('finds a cookie among others and decodes it', () => {
    expect(readCookie('a=1; plaza_csrf=abc%2Bdef; b=2', 'plaza_csrf')).toBe('abc+def');
    expect(readCookie('plaza_csrf=x', 'plaza_csrf')).toBe('x');
    expect(readCookie('xplaza_csrf=1; plaza_csrfx=2', 'plaza_csrf')).toBeNull();
    expect(readCookie('', 'plaza_csrf')).toBeNull();
  });
});

describe('parseError', () => {
  test('reads the error body, its field and Retry-After', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down', field: 'username' } }), {
      status: 429,
      headers: { 'Retry-After': '17' },
    });
    const e = await parseError(res);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.field, e.retryAfter]).toEqual([429, 'rate_limited', 'slow down', 'username', 17]);
  });
  test('copes with a body that is not JSON', async () => {
    const e = await parseError(new Response('<html>bad gateway</html>', { status: 502 }));
    expect([e.status, e.code, e.message, e.field, e.retryAfter]).toEqual([502, 'internal', '', undefined, undefined]);
  });
});

test('safeNext only follows same-site paths', () => {
  expect(safeNext('/account', '/keys')).toBe('/account');
  expect(safeNext(null, '/keys')).toBe('/keys');
  expect(safeNext('https://evil.example/', '/keys')).toBe('/keys');
  expect(safeNext('//evil.example/', '/keys')).toBe('/keys');
  expect(safeNext('/\\evil.example', '/keys')).toBe('/keys');
});
