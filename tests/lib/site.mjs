// A site with an admin, a user with an API key, and channels pointing at fake upstreams.
import { execFileSync } from 'node:child_process';
import { Client } from './client.mjs';

export async function adminClient(plaza) {
  plaza.cli('admin', 'create', '--username', 'admin', '--password', 'admin-password');
  const admin = new Client(plaza.url);
  const r = await admin.post('/api/auth/login', { username: 'admin', password: 'admin-password' });
  if (r.status !== 200) throw new Error(`admin login: ${r.status} ${r.text}`);
  return admin;
}

export async function addChannel(admin, fields) {
  const r = await admin.post('/api/admin/channels', { type: 'openai', name: 'fake', ...fields });
  if (r.status !== 201) throw new Error(`channel: ${r.status} ${r.text}`);
  return r.data.channel;
}

// A signed-in user and an sk- key of theirs.
export async function userWithKey(plaza, username = 'user1', keyFields = {}) {
  const user = new Client(plaza.url);
  await user.register(username, 'password-1');
  const k = await user.post('/api/keys', { name: 'test', ...keyFields });
  if (k.status !== 201) throw new Error(`key: ${k.status} ${k.text}`);
  return { user, key: k.data.secret };
}

// Reads a fetch Response body as SSE events [{event, data}].
export async function readEvents(res) {
  const text = await res.text();
  return parseEvents(text);
}

export function parseEvents(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    let event = '';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length || event) events.push({ event, data: data.join('\n') });
  }
  return events;
}

export async function waitFor(check, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));  // poll interval, not a wait for the event itself
  }
}

// Rows of a query run on a test site's database (psql or sqlite3), as arrays of strings.
export function sql(plaza, query) {
  const out = plaza.backend === 'postgres'
    ? execFileSync('psql', [plaza.databaseUrl, '-At', '-F', '|', '-c', query], { encoding: 'utf8' })
    : execFileSync('sqlite3', ['-separator', '|', `${plaza.dataDir}/plaza.db`, query], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
}
