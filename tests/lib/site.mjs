// A site with an admin, a user with an API key, and channels pointing at fake upstreams.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from './client.mjs';
import { stopAfterTheFile } from './leftovers.mjs';

export async function adminClient(plaza) {
  plaza.cli('admin', 'create', '--username', 'admin', '--password', 'admin-password');
  const admin = new Client(plaza.url);
  const r = await admin.post('/api/auth/login', { username: 'admin', password: 'admin-password' });
  if (r.status !== 200) throw new Error(`admin login: ${r.status} ${r.text}`);
  return admin;
}

// Channel names are unique on a site: one not given is made up.
let channelsAdded = 0;
export async function addChannel(admin, fields) {
  const r = await admin.post('/api/admin/channels', { type: 'openai', name: `fake-${++channelsAdded}`, ...fields });
  if (r.status !== 201) throw new Error(`channel: ${r.status} ${r.text}`);
  return r.data.channel;
}

// POST /v1/chat/completions with an sk- key, as an API client would.
export function chatCompletion(plaza, key, body, headers = {}, signal = undefined) {
  return fetch(`${plaza.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

// A one-question chat body for `model`.
export const ask = (model, content = 'hi') => ({ model, messages: [{ role: 'user', content }] });

// A scripted upstream on loopback: `respond(req, res, server)` answers each request once its body
// is read (as text, in `req.body`). It counts requests in `hits`; `url` is its base URL.
export async function startUpstream(respond) {
  const server = http.createServer((req, res) => {
    server.hits += 1;
    const pieces = [];
    req.on('data', (piece) => pieces.push(piece));
    req.on('end', () => {
      req.body = Buffer.concat(pieces).toString();
      respond(req, res, server);
    });
  });
  server.hits = 0;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const closed = new Promise((r) => server.on('close', r));
  stopAfterTheFile(() => { server.closeAllConnections(); server.close(); }, closed);
  server.url = `http://127.0.0.1:${server.address().port}`;
  return server;
}

// The bytes of a SQLite test site's database files (the database and its write-ahead log), to show
// what is and is not stored in plain.
export function databaseBytes(plaza) {
  const files = ['plaza.db', 'plaza.db-wal'].map((f) => join(plaza.dataDir, f)).filter((f) => existsSync(f));
  return Buffer.concat(files.map((f) => readFileSync(f)));
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

// Starts a web chat answer as the signed-in `user` (a Client) at `baseUrl` and reads until its first
// piece of text: {conversationId, stop} (stop() aborts it, as the page's Stop button does).
// POST /api/chat as a signed-in Client, its answer left to stream (the Client reads whole bodies).
export function postWebChat(baseUrl, user, body, signal = undefined) {
  return fetch(`${baseUrl}/api/chat`, {
    method: 'POST', signal,
    headers: { 'content-type': 'application/json', cookie: [...user.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': user.csrf },
    body: JSON.stringify(body),
  });
}

// Starts a web chat answer and reads it up to its first `until` event: its first piece ('delta'),
// or only its meta ('meta', for an answer stopped before a word). `stop` leaves, as a closed tab does.
export async function startWebAnswer(baseUrl, user, body, { until = 'delta' } = {}) {
  const controller = new AbortController();
  const res = await postWebChat(baseUrl, user, body, controller.signal);
  if (res.status !== 200) throw new Error(`web chat: ${res.status} ${await res.text()}`);
  const reader = res.body.getReader();
  let seen = '';
  while (!new RegExp(`event: ${until}`).test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the answer ended before its ${until} event: ${seen}`);
    seen += new TextDecoder().decode(value);
  }
  const conversationId = JSON.parse(parseEvents(seen).find((e) => e.event === 'meta').data).conversation_id;
  return { conversationId, stop: () => controller.abort() };
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
