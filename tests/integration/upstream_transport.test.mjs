// How Plaza reaches upstreams: through an HTTP proxy (absolute-form requests, CONNECT tunnels for
// TLS), and TLS that verifies the upstream's certificate against the system CAs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlaza } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, userWithKey, waitFor, chatCompletion, ask, databaseBytes } from '../lib/site.mjs';

// A forward proxy that records what it was asked for. With `credentials` ("user:password") it
// answers 407 to requests and tunnels that do not carry them (Basic, in Proxy-Authorization).
async function startProxy(credentials = null) {
  const seen = [];
  const refused = (req) => credentials !== null
    && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(credentials).toString('base64')}`;
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (refused(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' });
      res.end();
      return;
    }
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
    if (refused(req)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
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

// A certificate authority and a server certificate it signed for `localhost` only (subjectAltName
// DNS:localhost, no IP address), made with the openssl CLI in `dir`. Returns the files' paths.
function issueLocalhostCertificate(dir, prefix) {
  const f = (name) => join(dir, `${prefix}-${name}`);
  const run = (args) => execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=Plaza ${prefix} test CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('leaf.key'), '-out', f('leaf.csr')]);
  writeFileSync(f('leaf.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
    + 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n');
  run(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '1', '-days', '1',
    '-extfile', f('leaf.ext'), '-out', f('leaf.pem')]);
  return { ca: f('ca.pem'), key: f('leaf.key'), cert: f('leaf.pem') };
}

// An HTTPS upstream serving `certFiles` that answers chat completions with `answer`. It records the
// TCP connections it accepted, the host name each TLS handshake asked for (SNI; null when the client
// sent none) and every request, with the name negotiated on its connection.
async function startTlsUpstream(certFiles, answer) {
  const context = tls.createSecureContext({ key: readFileSync(certFiles.key), cert: readFileSync(certFiles.cert) });
  const server = https.createServer({
    key: readFileSync(certFiles.key),
    cert: readFileSync(certFiles.cert),
    SNICallback: (servername, cb) => { server.sni.push(servername); cb(null, context); },
  }, (req, res) => {
    server.requests.push({ method: req.method, url: req.url, servername: req.socket.servername });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-tls', object: 'chat.completion', created: 1, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
  });
  server.connections = 0;
  server.sni = [];
  server.requests = [];
  server.on('secureConnection', (socket) => { if (!socket.servername) server.sni.push(null); });
  server.on('connection', () => { server.connections += 1; });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.port = server.address().port;
  server.stop = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
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

  const chat = (model) => chatCompletion(plaza, key, ask(model));

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

// A successful TLS connection: Plaza trusts a test CA through SSL_CERT_FILE (its client calls
// set_default_verify_paths, which honours it), checks the certificate names the host of the
// channel's URL, and sends that host in the handshake (SNI).
describe('upstream TLS with a trusted CA', () => {
  let plaza, admin, key, dir, trusted, untrusted;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-tls-ca-'));
    const good = issueLocalhostCertificate(dir, 'trusted');
    const other = issueLocalhostCertificate(dir, 'untrusted');  // its CA is never given to Plaza
    trusted = await startTlsUpstream(good, 'Hello over verified TLS.');
    untrusted = await startTlsUpstream(other, 'must never arrive');
    plaza = await startPlaza({ env: { SSL_CERT_FILE: good.ca } });
    admin = await adminClient(plaza);
    ({ key } = await userWithKey(plaza));
  });
  after(async () => {
    await plaza?.stop();
    await trusted?.stop();
    await untrusted?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chat = (model) => chatCompletion(plaza, key, ask(model));

  it('accepts an upstream whose certificate chains to a trusted CA and names the host, sending that host as SNI', async () => {
    await addChannel(admin, { name: 'tls-localhost', base_url: `https://localhost:${trusted.port}/v1`, keys: ['k'], models: ['tls-ok'] });
    const res = await chat('tls-ok');
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(JSON.parse(text).choices[0].message.content, 'Hello over verified TLS.');
    assert.equal(trusted.requests.length, 1, JSON.stringify(trusted.requests));
    assert.equal(trusted.requests[0].method, 'POST');
    assert.equal(trusted.requests[0].url, '/v1/chat/completions');
    // SNI: every handshake asked for `localhost`, and the request came over a connection negotiated for it.
    assert.ok(trusted.sni.length >= 1, 'the server saw a TLS handshake');
    assert.deepEqual(trusted.sni, trusted.sni.map(() => 'localhost'), `server names in the handshakes: ${JSON.stringify(trusted.sni)}`);
    assert.equal(trusted.requests[0].servername, 'localhost');
  });

  it('refuses the same server reached by an address its certificate does not name (host-name check)', async () => {
    const before = { connections: trusted.connections, requests: trusted.requests.length };
    // The first test left a verified connection to https://localhost:PORT in Plaza's pool: this one
    // must not be handed to a channel whose host is 127.0.0.1.
    const channel = await addChannel(admin, { name: 'tls-by-ip', base_url: `https://127.0.0.1:${trusted.port}/v1`, keys: ['k'], models: ['tls-ip'] });
    const res = await chat('tls-ip');
    const body = await res.text();
    assert.equal(res.status, 502, body);
    assert.ok(JSON.parse(body).error, body);
    const test = await admin.post(`/api/admin/channels/${channel.id}/test`);
    assert.equal(test.data.ok, false, JSON.stringify(test.data));
    assert.match(test.data.error, /TLS handshake/);
    assert.match(test.data.error, /certificate verify failed/);
    // Plaza did reach the server (so the refusal is the TLS check, not a connection failure) ...
    assert.ok(trusted.connections > before.connections, 'Plaza connected to the server');
    // ... and sent it nothing.
    assert.equal(trusted.requests.length, before.requests, JSON.stringify(trusted.requests));
  });

  it('refuses a certificate for the right host from a CA it does not trust', async () => {
    await addChannel(admin, { name: 'tls-untrusted', base_url: `https://localhost:${untrusted.port}/v1`, keys: ['k'], models: ['tls-untrusted'] });
    const res = await chat('tls-untrusted');
    assert.equal(res.status, 502, await res.text());
    await waitFor(() => untrusted.connections > 0, 'Plaza to connect to the untrusted server');
    assert.deepEqual(untrusted.requests, []);
  });
});

// A proxy that wants credentials: they come from the proxy URL's user and password, go to the proxy
// with plain requests and tunnels alike, and never come back from the admin API.
describe('upstream proxy with credentials', () => {
  let plaza, admin, key, dir, fake, upstream, proxy;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-proxy-auth-'));
    const certs = issueLocalhostCertificate(dir, 'proxied');
    upstream = await startTlsUpstream(certs, 'Hello through the tunnel.');
    fake = await startFake({ requireKeys: ['sk-up'] });
    proxy = await startProxy('plaza:p@ss word');
    plaza = await startPlaza({ env: { SSL_CERT_FILE: certs.ca } });
    admin = await adminClient(plaza);
    ({ key } = await userWithKey(plaza));
  });
  after(async () => {
    await plaza?.stop();
    await upstream?.stop();
    await fake?.stop();
    proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chat = (model) => chatCompletion(plaza, key, ask(model));
  const withCredentials = (password) => `http://plaza:${encodeURIComponent(password)}@${new URL(proxy.url).host}`;

  it('sends the proxy URL\'s credentials with plain requests and tunnels, and never shows the password', async () => {
    const plain = await addChannel(admin, { name: 'plain-via-auth', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['plain-auth'], proxy: withCredentials('p@ss word') });
    const tunnelled = await addChannel(admin, { name: 'tls-via-auth', base_url: `https://localhost:${upstream.port}/v1`, keys: ['k'], models: ['tls-auth'], proxy: withCredentials('p@ss word') });
    let res = await chat('plain-auth');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).choices[0].message.content, 'Hello from fake upstream.');
    res = await chat('tls-auth');
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).choices[0].message.content, 'Hello through the tunnel.');
    assert.ok(proxy.seen.includes(`CONNECT localhost:${upstream.port}`), proxy.seen.join(', '));

    // Sealed at rest, like the keys.
    const stored = databaseBytes(plaza).toString('latin1');
    assert.ok(stored.includes('tls-via-auth'), 'the channel is in the bytes read');
    assert.ok(!stored.includes('p%40ss') && !stored.includes('p@ss'), 'no proxy password in the database');
    // The admin API shows the proxy without its password; sending that back keeps the stored one.
    const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === plain.id);
    assert.equal(listed.proxy, `http://plaza:****@${new URL(proxy.url).host}`);
    const all = (await admin.get('/api/admin/channels')).text;
    assert.ok(!all.includes('p%40ss') && !all.includes('p@ss'), 'no proxy password in the admin API');
    assert.equal((await admin.request('PATCH', `/api/admin/channels/${plain.id}`, { json: { proxy: listed.proxy, priority: 3 } })).status, 200);
    assert.equal((await chat('plain-auth')).status, 200, 'the stored password still works');

    // A hidden password sent back with another change keeps the stored one too.
    assert.equal((await admin.request('PATCH', `/api/admin/channels/${plain.id}`, { json: { proxy: `http://plaza:****@localhost:${new URL(proxy.url).port}` } })).status, 200);
    assert.equal((await chat('plain-auth')).status, 200, 'the stored password, at the new host name');
    const rawAt = await admin.request('PATCH', `/api/admin/channels/${plain.id}`, { json: { proxy: `http://plaza:p@ss@${new URL(proxy.url).host}` } });
    assert.equal(rawAt.status, 400, 'a raw @ in the password is refused, not stored');
    assert.equal(rawAt.data.error.field, 'proxy');

    // Wrong credentials: the proxy refuses (407), and the client gets an upstream error, plain or tunnelled.
    assert.equal((await admin.request('PATCH', `/api/admin/channels/${plain.id}`, { json: { proxy: withCredentials('wrong') } })).status, 200);
    const refused = await chat('plain-auth');
    assert.equal(refused.status, 502, 'the channel\'s proxy refused it: no fault of the client');
    assert.equal((await admin.request('PATCH', `/api/admin/channels/${tunnelled.id}`, { json: { proxy: withCredentials('wrong') } })).status, 200);
    await waitFor(async () => (await chat('tls-auth')).status === 502, 'the changed proxy to be used');
    assert.ok(!plaza.log().includes('p@ss') && !plaza.log().includes('p%40ss'), 'no proxy password in the log');
  });
});
