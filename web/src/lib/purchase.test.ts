import { afterEach, describe, expect, test, vi } from 'vitest';
import { NetworkError } from './api';
import { newRequestId, sendPurchase, startPurchase } from './purchase';

// Every request the page sends: method, path and its X-Request-Id.
function recordFetch(answers: Array<'lost' | 502 | 200>) {
  const sent: Array<{ method: string; url: string; id: string | null }> = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    sent.push({ method: String(init.method), url, id: headers['X-Request-Id'] ?? null });
    const answer = answers.shift() ?? 200;
    if (answer === 'lost') throw new TypeError('Failed to fetch');
    if (answer === 502) return new Response('<html>bad gateway</html>', { status: 502 });
    return new Response(JSON.stringify({ paid: 0 }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  return sent;
}

afterEach(() => vi.unstubAllGlobals());

describe('a purchase and its request id', () => {
  test('ids are fresh each time and of a shape the server keeps', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRequestId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  test('without randomUUID (not a secure context) it still makes one', () => {
    const getRandomValues = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    vi.stubGlobal('crypto', { getRandomValues });
    const a = newRequestId();
    const b = newRequestId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  test('every try of one purchase sends its id; a new purchase a new one', async () => {
    const sent = recordFetch(['lost', 502, 200, 200]);
    const pack = startPurchase({ what: 'pack', pack: { id: 7 } });
    // The first try's answer is lost, the second gets a proxy's 502: the dialog stays open, and
    // the third try is the same purchase, with the same id (the server does it once).
    await expect(sendPurchase(pack)).rejects.toBeInstanceOf(NetworkError);
    await expect(sendPurchase(pack)).rejects.toMatchObject({ status: 502 });
    await sendPurchase(pack);
    const again = startPurchase({ what: 'pack', pack: { id: 7 } });
    await sendPurchase(again);
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual(Array(4).fill('POST /api/packs/7/buy'));
    expect(sent[0].id).toBe(pack.requestId);
    expect(sent.slice(0, 3).map((s) => s.id)).toEqual([pack.requestId, pack.requestId, pack.requestId]);
    expect(sent[3].id).toBe(again.requestId);
    expect(again.requestId).not.toBe(pack.requestId);
  });

  test('plans: subscribe, upgrade and renew send the id too', async () => {
    const sent = recordFetch([]);
    const ids = ['sub-1', 'up-1', 'renew-1'];
    let n = 0;
    const make = () => ids[n++];
    await sendPurchase(startPurchase({ what: 'plan', plan: { id: 3 }, action: 'subscribe' }, make));
    await sendPurchase(startPurchase({ what: 'plan', plan: { id: 4 }, action: 'upgrade' }, make));
    await sendPurchase(startPurchase({ what: 'plan', plan: { id: 4 }, action: 'renew' }, make));
    expect(sent.map((s) => [s.url, s.id])).toEqual([
      ['/api/wallet/subscribe', 'sub-1'],
      ['/api/wallet/subscribe', 'up-1'],
      ['/api/wallet/renew', 'renew-1'],
    ]);
  });
});
