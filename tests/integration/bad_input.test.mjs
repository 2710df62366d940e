// Bad input gets a clear 4xx and changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startPlaza, backends } from '../lib/server.mjs';
import { Client } from '../lib/client.mjs';

// Sends raw bytes on a fresh connection and collects everything until the server closes it.
function rawExchange(port, chunks, { gapMs = 0, deadlineMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let written = 0;
    const deadline = setTimeout(() => { socket.destroy(); reject(new Error(`no close within ${deadlineMs} ms`)); }, deadlineMs);
    socket.on('data', (d) => { received += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(deadline); resolve({ received, written }); });
    (async () => {
      for (const c of chunks) {
        if (socket.destroyed) return;
        socket.write(c);
        written += 1;
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
  });
}

describe('bad input', () => {
  let plaza;
  let c;
  before(async () => {
    plaza = await startPlaza({ settings: { 'max-body-bytes': 4096, 'max-v1-body-bytes': 65536, 'max-header-bytes': 4096, 'header-timeout-ms': 300 } });
    c = new Client(plaza.url);
    await c.register('victor');
  });
  after(async () => { await plaza.stop(); });

  const keyCount = async () => (await c.get('/api/keys')).data.keys.length;

  it('answers malformed JSON, wrong types and a wrong content type with 4xx', async () => {
    const malformed = await c.request('POST', '/api/keys', { body: '{"name": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.data.error.code, 'invalid_request');
    const notObject = await c.request('POST', '/api/keys', { body: '[1,2]', headers: { 'content-type': 'application/json' } });
    assert.equal(notObject.status, 400);
    const wrongType = await c.post('/api/keys', { name: 42 });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.data.error.field, 'name');
    const text = await c.request('POST', '/api/keys', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(text.status, 415);
    const { gzipSync } = await import('node:zlib');
    const gzipped = await c.request('POST', '/api/keys', { body: gzipSync('{"name":"zipped"}'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    assert.equal(gzipped.status, 415, 'a compressed body is refused as such, not read as broken text');
    assert.match(gzipped.data.error.message, /uncompressed/);
    assert.equal(await keyCount(), 0);
  });

  it('refuses invalid UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const r = await fetch(`${plaza.url}/api/keys`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', cookie: `plaza_session=${c.cookies.get('plaza_session')}; plaza_csrf=${c.csrf}`, 'x-csrf-token': c.csrf },
    });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /UTF-8/);
    assert.equal(await keyCount(), 0);
  });

  it('refuses oversized bodies with 413 and oversized headers with 431', async () => {
    const big = await c.post('/api/keys', { name: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
    assert.equal(big.data.error.code, 'payload_too_large');
    const headers = await rawExchange(plaza.port, [`GET /api/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`]);
    assert.match(headers.received, /^HTTP\/1\.1 431/);
    assert.equal(await keyCount(), 0);
  });

  it('drops a connection whose headers trickle in (slowloris)', async () => {
    // 20 header lines, 200 ms apart, against a 300 ms head timeout: the server must hang up long
    // before the client would have finished, and never answer the unfinished request.
    const chunks = ['GET /healthz HTTP/1.1\r\n', ...Array.from({ length: 19 }, (_, i) => `X-H${i}: ${i}\r\n`)];
    const r = await rawExchange(plaza.port, chunks, { gapMs: 200, deadlineMs: 20000 });
    assert.equal(r.received, '', 'no response to an unfinished request');
    assert.ok(r.written < chunks.length, `the server waited for all ${r.written} header lines`);
    assert.equal((await fetch(`${plaza.url}/healthz`)).status, 200, 'others are still served');
  });

  it('answers garbage instead of HTTP with 400', async () => {
    const r = await rawExchange(plaza.port, ['\x16\x03\x01 not http at all\r\n\r\n']);
    assert.match(r.received, /^HTTP\/1\.1 400/);
  });

  it('refuses very long usernames and short passwords, creating nobody', async () => {
    const fresh = new Client(plaza.url);
    const long = await fresh.post('/api/auth/register', { username: 'a'.repeat(3000), password: 'password-1' });
    assert.equal(long.status, 400);
    assert.equal(long.data.error.field, 'username');
    const short = await fresh.post('/api/auth/register', { username: 'shorty', password: 'short' });
    assert.equal(short.status, 400);
    assert.equal(short.data.error.field, 'password');
    const weird = await fresh.post('/api/auth/register', { username: 'bob; DROP TABLE users', password: 'password-1' });
    assert.equal(weird.status, 400);
    assert.equal((await fresh.post('/api/auth/login', { username: 'shorty', password: 'short' })).status, 401);
  });

  it('answers unknown endpoints and wrong methods with JSON errors', async () => {
    const missing = await c.get('/api/does-not-exist');
    assert.equal(missing.status, 404);
    assert.equal(missing.data.error.code, 'not_found');
    const method = await c.request('PUT', '/api/keys', { json: {} });
    assert.equal(method.status, 405);
    assert.equal((await c.delete('/api/keys/abc')).status, 404);
    // On /v1 in OpenAI's shape, as SDKs read it: an unknown path, a wrong method, a body too large.
    const openaiShape = async (res, status, code) => {
      assert.equal(res.status, status);
      const { error } = await res.json();
      assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
      assert.deepEqual([error.code, error.type, error.param], [code, 'invalid_request_error', null]);
    };
    await openaiShape(await fetch(`${plaza.url}/v1/nope`), 404, 'not_found');
    await openaiShape(await fetch(`${plaza.url}/v1/nope`, { method: 'POST', body: '{}' }), 404, 'not_found');
    const wrongMethod = await fetch(`${plaza.url}/v1/models`, { method: 'POST', body: '{}' });
    assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD', 'a 405 says which methods the path takes');
    await openaiShape(wrongMethod, 405, 'method_not_allowed');
    await openaiShape(await fetch(`${plaza.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] }) }), 413, 'payload_too_large');
  });
});

for (const backend of backends) {
  describe(`SQL-looking input on ${backend}`, () => {
    let plaza;
    before(async () => { plaza = await startPlaza({ backend }); });
    after(async () => { await plaza.stop(); });

    it('stores it verbatim', async () => {
      const c = new Client(plaza.url);
      await c.register('sql_user', "pass' OR '1'='1");
      const names = ["x'); DROP TABLE users;--", 'Robert"); DELETE FROM api_keys; --', '$1 $2 ?1 %s \\ 中文 🙂'];
      for (const name of names) assert.equal((await c.post('/api/keys', { name })).status, 201);
      const listed = (await c.get('/api/keys')).data.keys.map((k) => k.name).sort();
      assert.deepEqual(listed, [...names].sort());
      assert.equal((await c.patch('/api/me', { email: "o'neil@example.com" })).data.user.email, "o'neil@example.com");
      const again = new Client(plaza.url);
      assert.equal((await again.post('/api/auth/login', { username: 'sql_user', password: "pass' OR '1'='1" })).status, 200);
      assert.equal((await again.post('/api/auth/login', { username: "sql_user' --", password: 'x' })).status, 401);
    });
  });
}
