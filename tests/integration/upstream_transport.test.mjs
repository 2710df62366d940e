// How Plaza reaches upstreams: through an HTTP proxy (absolute-form requests, CONNECT tunnels for
// TLS), and TLS that verifies the upstream's certificate against the system CAs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlaza } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, userWithKey } from '../lib/site.mjs';

// A forward proxy that records what it was asked for.
async function startProxy() {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url);
    const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url.split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.url = `http://127.0.0.1:${server.address().port}`;
  server.seen = seen;
  return server;
}

// An HTTPS upstream whose certificate no system CA signed.
async function startSelfSigned() {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    server.hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  server.hits = 0;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.url = `https://127.0.0.1:${server.address().port}`;
  server.cleanup = () => rmSync(dir, { recursive: true, force: true });
  return server;
}

describe('upstream transport', () => {
  let plaza, fake, proxy, tls, admin, key;
  before(async () => {
    fake = await startFake({ requireKeys: ['sk-up'] });
    proxy = await startProxy();
    tls = await startSelfSigned();
    plaza = await startPlaza();
    admin = await adminClient(plaza);
    ({ key } = await userWithKey(plaza));
  });
  after(async () => { await plaza?.stop(); await fake?.stop(); proxy?.close(); tls?.close(); tls?.cleanup(); });

  const chat = (model) => fetch(`${plaza.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });

  it('sends plain requests through the channel proxy in absolute form', async () => {
    await addChannel(admin, { name: 'proxied', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['via-proxy'], proxy: proxy.url });
    const res = await chat('via-proxy');
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, 'Hello from fake upstream.');
    assert.ok(proxy.seen.includes(`POST ${fake.url}/v1/chat/completions`), proxy.seen.join(', '));
    const bad = await admin.post('/api/admin/channels', { name: 'x', base_url: `${fake.url}/v1`, keys: ['k'], models: ['m'], proxy: 'socks5://nope' });
    assert.equal(bad.status, 400);
    assert.equal(bad.data.error.field, 'proxy');
  });

  it('refuses an upstream whose certificate does not verify, directly and through a CONNECT tunnel', async () => {
    const direct = await addChannel(admin, { name: 'self-signed', base_url: `${tls.url}/v1`, keys: ['k'], models: ['tls-direct'] });
    const res = await chat('tls-direct');
    assert.equal(res.status, 502);
    const test = await admin.post(`/api/admin/channels/${direct.id}/test`);
    assert.equal(test.data.ok, false);
    assert.match(test.data.error, /TLS handshake/);
    assert.equal(tls.hits, 0, 'no request reached an unverified server');

    await addChannel(admin, { name: 'tunnelled', base_url: `${tls.url}/v1`, keys: ['k'], models: ['tls-tunnel'], proxy: proxy.url });
    assert.equal((await chat('tls-tunnel')).status, 502);
    assert.ok(proxy.seen.includes(`CONNECT 127.0.0.1:${new URL(tls.url).port}`), proxy.seen.join(', '));
    assert.equal(tls.hits, 0);
  });
});
