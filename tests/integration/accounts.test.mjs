// Accounts, sessions, CSRF, API keys, bans, setup and login throttling, through real HTTP against
// the real binary, on SQLite and on PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlaza, backends } from '../lib/server.mjs';
import { Client } from '../lib/client.mjs';
import { sql, waitFor } from '../lib/site.mjs';

for (const backend of backends) {
  describe(`accounts on ${backend}`, () => {
    let plaza;
    before(async () => { plaza = await startPlaza({ backend, settings: { 'reaper-interval-seconds': 1 } }); });
    after(async () => { await plaza.stop(); });

    it('registers, signs out and signs in with an HttpOnly session cookie', async () => {
      const c = new Client(plaza.url);
      const r = await c.post('/api/auth/register', { username: 'Alice', password: 'password-1', email: 'a@example.com' });
      assert.equal(r.status, 201);
      assert.equal(r.data.user.username, 'Alice');
      assert.equal(r.data.user.role, 'user');
      assert.equal(r.data.user.group, 'default');
      const setCookies = r.headers.getSetCookie();
      const session = setCookies.find((s) => s.startsWith('plaza_session='));
      assert.match(session, /HttpOnly/);
      assert.match(session, /SameSite=Lax/);
      assert.doesNotMatch(setCookies.find((s) => s.startsWith('plaza_csrf=')), /HttpOnly/);
      assert.equal((await c.get('/api/me')).data.user.email, 'a@example.com');

      assert.equal((await c.post('/api/auth/logout')).status, 204);
      assert.equal((await c.get('/api/me')).status, 401);
      const again = await new Client(plaza.url).post('/api/auth/register', { username: 'alice', password: 'password-2' });
      assert.equal(again.status, 409);
      assert.equal(again.data.error.field, 'username');

      assert.equal((await c.post('/api/auth/login', { username: 'alice', password: 'wrong-password' })).status, 401);
      const ok = await c.post('/api/auth/login', { username: 'ALICE', password: 'password-1' });
      assert.equal(ok.status, 200);
      assert.equal((await c.get('/api/me')).data.user.username, 'Alice');
    });

    it('ends the other sessions when the password changes', async () => {
      const a = new Client(plaza.url);
      await a.register('bob', 'password-1');
      const b = new Client(plaza.url);
      assert.equal((await b.post('/api/auth/login', { username: 'bob', password: 'password-1' })).status, 200);
      const wrong = await a.post('/api/me/password', { current_password: 'nope-nope', new_password: 'password-2' });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.data.error.field, 'current_password');
      const changed = await a.post('/api/me/password', { current_password: 'password-1', new_password: 'password-2' });
      assert.equal(changed.status, 204);
      assert.equal((await a.get('/api/me')).status, 200);
      assert.equal((await b.get('/api/me')).status, 401);
      const c = new Client(plaza.url);
      assert.equal((await c.post('/api/auth/login', { username: 'bob', password: 'password-1' })).status, 401);
      assert.equal((await c.post('/api/auth/login', { username: 'bob', password: 'password-2' })).status, 200);
    });

    it('refuses cookie-authenticated changes without the CSRF token', async () => {
      const c = new Client(plaza.url);
      await c.register('carol');
      const none = await c.post('/api/keys', { name: 'k' }, { csrf: false });
      assert.equal(none.status, 403);
      const wrong = await c.post('/api/keys', { name: 'k' }, { csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
      assert.equal(wrong.status, 403);
      const email = await c.patch('/api/me', { email: 'evil@example.com' }, { csrf: false });
      assert.equal(email.status, 403);
      assert.deepEqual((await c.get('/api/keys')).data.keys, []);
      assert.equal((await c.get('/api/me')).data.user.email, null);
      // A cross-site page cannot sign a visitor in to the attacker's account either.
      const forged = await new Client(plaza.url).post('/api/auth/login', { username: 'carol', password: 'correct horse' },
        { headers: { origin: 'https://evil.example' } });
      assert.equal(forged.status, 403);
    });

    it('creates an API key, shows it once, accepts it as a bearer token and refuses it once revoked', async () => {
      const c = new Client(plaza.url);
      const user = await c.register('dave');
      const created = await c.post('/api/keys', { name: 'laptop', models: ['gpt-4o-mini'] });
      assert.equal(created.status, 201);
      const { secret, key } = created.data;
      assert.match(secret, /^sk-[0-9A-Za-z]{48}$/);
      assert.equal(key.masked, `sk-${secret.slice(3, 7)}…${secret.slice(-4)}`);
      assert.deepEqual(key.models, ['gpt-4o-mini']);
      const listed = await c.get('/api/keys');
      assert.equal(listed.data.keys.length, 1);
      assert.ok(!listed.text.includes(secret.slice(3)), 'the list never shows the secret');

      const bearer = { authorization: `Bearer ${secret}` };
      const me = await fetch(`${plaza.url}/api/me`, { headers: bearer });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).user.id, user.id);
      // The scheme's case is free (RFC 9110).
      assert.equal((await fetch(`${plaza.url}/api/me`, { headers: { authorization: `BEARER ${secret}` } })).status, 200);
      // A key signs API calls; it cannot manage keys (that needs the browser session).
      assert.equal((await fetch(`${plaza.url}/api/keys`, { headers: bearer })).status, 401);
      assert.equal((await c.get('/api/keys')).data.keys[0].last_used_at !== null, true);

      assert.equal((await c.delete(`/api/keys/${key.id}`)).status, 204);
      assert.equal((await fetch(`${plaza.url}/api/me`, { headers: bearer })).status, 401);
      assert.equal((await c.delete(`/api/keys/${key.id}`)).status, 404);
      assert.equal((await c.get('/api/keys')).data.keys[0].revoked, true);
      const wrong = await fetch(`${plaza.url}/api/me`, { headers: { authorization: `Bearer sk-${'A'.repeat(48)}` } });
      assert.equal(wrong.status, 401);

      const past = await c.post('/api/keys', { name: 'old', expires_at: Math.floor(Date.now() / 1000) - 10 });
      assert.equal(past.status, 400);
      assert.equal(past.data.error.field, 'expires_at');
      const other = new Client(plaza.url);
      await other.register('mallory');
      assert.equal((await other.delete(`/api/keys/${key.id}`)).status, 404, "nobody revokes another user's key");
    });

    it('lets an admin ban a user, who then can do nothing', async () => {
      plaza.cli('admin', 'create', '--username', 'root', '--password', 'admin-password');
      const admin = new Client(plaza.url);
      assert.equal((await admin.post('/api/auth/login', { username: 'root', password: 'admin-password' })).status, 200);
      assert.equal((await admin.get('/api/me')).data.user.role, 'admin');

      const eve = new Client(plaza.url);
      const user = await eve.register('eve', 'password-1');
      const { secret } = (await eve.post('/api/keys', { name: 'k' })).data;
      assert.equal((await eve.get('/api/admin/users')).status, 403);
      // The key is used once first, so the instance has it cached: the ban must still apply at once.
      assert.equal((await fetch(`${plaza.url}/api/me`, { headers: { authorization: `Bearer ${secret}` } })).status, 200);

      const found = await admin.get('/api/admin/users?q=ev');
      assert.ok(found.data.users.some((u) => u.username === 'eve'));
      // The built-in owner of the square's system apps is marked; people are not.
      const everyone = (await admin.get('/api/admin/users?limit=200')).data.users;
      assert.deepEqual(everyone.filter((u) => u.system).map((u) => u.username), ['plaza']);
      assert.equal(everyone.find((u) => u.username === 'eve').system, false);
      const banned = await admin.patch(`/api/admin/users/${user.id}`, { banned: true, group: 'vip' });
      assert.equal(banned.status, 200);
      assert.equal(banned.data.user.banned, true);
      assert.equal(banned.data.user.group, 'vip');

      assert.equal((await eve.get('/api/me')).status, 401);
      assert.equal((await fetch(`${plaza.url}/api/me`, { headers: { authorization: `Bearer ${secret}` } })).status, 401);
      const login = await new Client(plaza.url).post('/api/auth/login', { username: 'eve', password: 'password-1' });
      assert.equal(login.status, 403);
      assert.equal((await admin.patch(`/api/admin/users/${user.id}`, { role: 'king' })).status, 400);
      const self = (await admin.get('/api/me')).data.user.id;
      assert.equal((await admin.patch(`/api/admin/users/${self}`, { banned: true })).status, 400);
    });

    it('forgets sign-ins that have ended', async () => {
      const c = new Client(plaza.url);
      await c.register('fleeting', 'password-1');
      const id = (await c.get('/api/me')).data.user.id;
      const sessions = () => Number(sql(plaza, `SELECT COUNT(*) FROM sessions WHERE user_id = ${id}`)[0][0]);
      assert.equal(sessions(), 1);
      sql(plaza, `UPDATE sessions SET expires_at = 1 WHERE user_id = ${id}`);
      await waitFor(() => sessions() === 0, 'the minute job (here every second) to remove the ended sign-in');
      assert.equal((await c.get('/api/me')).status, 401);
    });

    it('throttles repeated failed sign-ins for a username with Retry-After', async () => {
      const c = new Client(plaza.url);
      await c.register('frank', 'password-1');
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await c.post('/api/auth/login', { username: 'frank', password: `wrong-${i}-xx` })).status);
      }
      assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.equal(statuses[5], 429);
      const blocked = await c.post('/api/auth/login', { username: 'frank', password: 'password-1' });
      assert.equal(blocked.status, 429, 'even the right password waits out the backoff');
      assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    });
  });
}

describe('first-admin setup', () => {
  let plaza;
  before(async () => { plaza = await startPlaza(); });
  after(async () => { await plaza.stop(); });

  it('prints a one-time link that creates the first admin', async () => {
    const token = plaza.log().match(/\/setup\?token=([A-Za-z0-9_-]+)/)[1];
    const c = new Client(plaza.url);
    assert.deepEqual((await c.get('/api/setup')).data, { needed: true });
    const wrong = await c.post('/api/setup', { token: 'x'.repeat(43), username: 'admin', password: 'password-1' });
    assert.equal(wrong.status, 403);
    const ok = await c.post('/api/setup', { token, username: 'admin', password: 'password-1' });
    assert.equal(ok.status, 201);
    assert.equal(ok.data.user.role, 'admin');
    assert.equal((await c.get('/api/me')).data.user.role, 'admin');
    assert.deepEqual((await c.get('/api/setup')).data, { needed: false });
    const reuse = await new Client(plaza.url).post('/api/setup', { token, username: 'admin2', password: 'password-1' });
    assert.equal(reuse.status, 409);
  });
});

describe('behind a proxy (trust_proxy)', () => {
  let plaza;
  before(async () => { plaza = await startPlaza({ settings: { 'trust-proxy': true } }); });
  after(async () => { await plaza?.stop(); });

  // A sign-in sent as raw HTTP, with the X-Forwarded-For lines given; the session records the address.
  async function signInWith(forwardedLines) {
    const body = JSON.stringify({ username: 'proxied', password: 'password-1' });
    const head = [`POST /api/auth/login HTTP/1.1`, 'Host: x', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close', ...forwardedLines.map((l) => `X-Forwarded-For: ${l}`)].join('\r\n');
    const net = await import('node:net');
    const reply = await new Promise((resolve) => {
      const socket = net.connect(plaza.port, '127.0.0.1');
      let got = '';
      socket.on('data', (d) => { got += d; });
      socket.on('close', () => resolve(got));
      socket.write(`${head}\r\n\r\n${body}`);
    });
    assert.match(reply, /^HTTP\/1\.1 200/, reply);
    return sql(plaza, "SELECT ip FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'proxied') ORDER BY created_at DESC, rowid DESC LIMIT 1")[0][0];
  }

  it('takes the client address from the entry the proxy appended, as an address', async () => {
    await new Client(plaza.url).register('proxied', 'password-1');
    assert.equal(await signInWith(['6.6.6.6, 203.0.113.9']), '203.0.113.9', 'the first entries are the client\'s to write');
    assert.equal(await signInWith(['6.6.6.6', '203.0.113.10:4444']), '203.0.113.10', 'the last line, without its port');
    assert.equal(await signInWith(['not an address']), '127.0.0.1', 'what is no address is ignored');
  });
});
