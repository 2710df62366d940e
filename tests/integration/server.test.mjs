// The server itself: static files and the SPA, security headers, metrics, request ids, graceful
// shutdown, configuration errors and the CLI.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlaza, plazaBinary } from '../lib/server.mjs';

describe('static files and headers', () => {
  let plaza;
  let web;
  before(async () => {
    web = mkdtempSync(join(tmpdir(), 'plaza-web-'));
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Plaza</title><div id="root"></div>');
    writeFileSync(join(web, 'assets', 'index-3f2a9c.js'), 'console.log("app")');
    writeFileSync(join(web, 'assets', 'index-77aa00.css'), 'body{}');
    writeFileSync(join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    plaza = await startPlaza({ webDir: web });
  });
  after(async () => { await plaza.stop(); rmSync(web, { recursive: true, force: true }); });

  it('serves hashed assets as immutable and index.html as revalidated', async () => {
    const js = await fetch(`${plaza.url}/assets/index-3f2a9c.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(js.headers.get('cache-control'), /max-age=31536000, immutable/);
    assert.equal((await fetch(`${plaza.url}/assets/index-77aa00.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal((await fetch(`${plaza.url}/favicon.svg`)).headers.get('content-type'), 'image/svg+xml');
    const index = await fetch(`${plaza.url}/`);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const etag = index.headers.get('etag');
    assert.equal((await fetch(`${plaza.url}/`, { headers: { 'if-none-match': etag } })).status, 304);
  });

  it('answers app routes with index.html and missing files with 404', async () => {
    const route = await fetch(`${plaza.url}/keys/settings`);
    assert.equal(route.status, 200);
    assert.match(await route.text(), /<div id="root">/);
    assert.equal((await fetch(`${plaza.url}/missing.js`)).status, 404);
    const api = await fetch(`${plaza.url}/api/nothing-here`);
    assert.equal(api.status, 404);
    assert.equal((await api.json()).error.code, 'not_found');
    const traversal = await new Promise((resolve) => {
      const s = net.connect(plaza.port, '127.0.0.1', () => s.write('GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let out = '';
      s.on('data', (d) => { out += d; });
      s.on('close', () => resolve(out));
    });
    assert.doesNotMatch(traversal, /root:/);
  });

  it('sends security headers and a request id on every response', async () => {
    for (const path of ['/', '/healthz', '/api/me']) {
      const r = await fetch(plaza.url + path);
      assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(r.headers.get('x-request-id'));
    }
    const r = await fetch(`${plaza.url}/healthz`, { headers: { 'x-request-id': 'trace-abc-123' } });
    assert.equal(r.headers.get('x-request-id'), 'trace-abc-123');
  });

  it('lets pages of other sites call /v1 with a key, and only /v1', async () => {
    const origin = 'https://someone-elses-app.example';
    const preflight = await fetch(`${plaza.url}/v1/chat/completions`, { method: 'OPTIONS', headers: {
      origin, 'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-stainless-os' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization,content-type,x-stainless-os');
    const odd = await fetch(`${plaza.url}/v1/models`, { method: 'OPTIONS', headers: {
      origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization;x=1' } });
    assert.equal(odd.headers.get('access-control-allow-headers'), 'Authorization, Content-Type', 'what is no header list is not echoed');

    // The answers themselves, errors included, are readable from the other page.
    const unauthorized = await fetch(`${plaza.url}/v1/models`, { headers: { origin } });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('access-control-allow-origin'), '*');
    assert.match(unauthorized.headers.get('access-control-expose-headers'), /X-Request-Id/);
    const unknown = await fetch(`${plaza.url}/v1/embeddings`, { method: 'POST', headers: { origin } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('access-control-allow-origin'), '*');

    // The site's own routes take cookies: no other page may read them, or ask.
    const me = await fetch(`${plaza.url}/api/me`, { headers: { origin } });
    assert.equal(me.headers.get('access-control-allow-origin'), null);
    const asked = await fetch(`${plaza.url}/api/me`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    assert.equal(asked.status, 405);
    assert.equal(asked.headers.get('access-control-allow-origin'), null);
  });

  it('exposes Prometheus metrics by route and status', async () => {
    await fetch(`${plaza.url}/api/me`);
    await fetch(`${plaza.url}/healthz`);
    const text = await (await fetch(`${plaza.url}/metrics`)).text();
    assert.match(text, /plaza_http_requests_total\{route="GET \/api\/me",status="401"\} [1-9]/);
    assert.match(text, /plaza_http_request_duration_seconds_bucket\{route="GET \/healthz",le="\+Inf"\} [1-9]/);
    assert.match(text, /plaza_http_connections [0-9]+/);
    assert.match(text, /plaza_db_pool_connections\{state="size"\} [1-9]/);
    assert.equal((await fetch(`${plaza.url}/readyz`)).status, 200);
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight after SIGTERM and refuses new connections', async () => {
    const plaza = await startPlaza({ settings: { 'shutdown-grace-seconds': 20 } });
    const socket = net.connect(plaza.port, '127.0.0.1');
    await new Promise((r) => socket.on('connect', r));
    let response = '';
    socket.on('data', (d) => { response += d; });
    const closed = new Promise((r) => socket.on('close', r));
    const body = JSON.stringify({ username: 'late_user', password: 'password-1' });
    socket.write(`POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body.slice(0, 10));
    // Wait until the server has the request in flight, then signal.
    const deadline = Date.now() + 10000;
    for (;;) {
      const m = await (await fetch(`${plaza.url}/metrics`)).text();
      if (/plaza_http_requests_in_flight [1-9]/.test(m)) break;
      assert.ok(Date.now() < deadline, 'the request never became in flight');
    }
    plaza.child.kill('SIGTERM');
    for (;;) {  // the listener closes at once
      const refused = await fetch(`${plaza.url}/healthz`).then(() => false, () => true);
      if (refused) break;
      assert.ok(Date.now() < deadline + 10000, 'still accepting after SIGTERM');
    }
    socket.write(body.slice(10));
    await closed;
    assert.match(response, /^HTTP\/1\.1 201/);
    assert.match(response, /Connection: close/i);
    const { code } = await plaza.exited;
    assert.equal(code, 0);
    await plaza.stop();
  });
});

describe('command line and configuration', () => {
  const run = (args, env = {}) => spawnSync(plazaBinary, args, { encoding: 'utf8', env: { ...process.env, ...env } });

  it('prints its version and help', () => {
    assert.match(run(['--version']).stdout, /^plaza \d+\.\d+\.\d+/);
    const help = run(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--data-dir/);
    assert.match(help.stdout, /PLAZA_DATA_DIR/);
    assert.equal(run(['serve', '--help']).status, 0);
  });

  it('stops on a bad setting with a message naming it', () => {
    const env = run(['doctor'], { PLAZA_LISTEN: 'nowhere' });
    assert.equal(env.status, 2);
    assert.match(env.stderr, /PLAZA_LISTEN/);
    const flag = run(['doctor', '--database-url', 'mysql://x']);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /--database-url/);
    const dir = mkdtempSync(join(tmpdir(), 'plaza-cfg-'));
    writeFileSync(join(dir, 'plaza.toml'), 'listen = "127.0.0.1:9"\nsession_ttl_hours = "soon"\n');
    const file = run(['doctor', '--config', join(dir, 'plaza.toml')]);
    assert.equal(file.status, 2);
    assert.match(file.stderr, /session_ttl_hours/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, reports with doctor, and refuses a database newer than itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-cli-'));
    const args = ['--data-dir', dir];
    const before = run(['doctor', ...args]);
    assert.equal(before.status, 1);
    assert.match(before.stdout, /pending migrations/);
    assert.equal(run(['migrate', ...args]).status, 0);
    const after = run(['doctor', ...args]);
    assert.equal(after.status, 0, after.stdout);
    assert.match(after.stdout, /no problems found/);
    assert.match(after.stdout, /tokenizer: o200k_base and cl100k_base loaded/);
    const noTokenizer = run(['doctor', ...args, '--tokenizer-dir', dir]);  // a folder without the encoders
    assert.equal(noTokenizer.status, 1, 'counting by estimate is a problem to report');
    assert.match(noTokenizer.stdout, /tokenizer: NOT loaded .*o200k_base\.json/);
    execFileSync('sqlite3', [join(dir, 'plaza.db'), "INSERT INTO schema_migrations VALUES (999, 'future', 0)"]);
    const newer = run(['migrate', ...args]);
    assert.equal(newer.status, 1);
    assert.match(newer.stderr, /newer than this plaza binary/);
    const serve = run(['serve', ...args, '--listen', '127.0.0.1:0']);
    assert.notEqual(serve.status, 0);
    assert.match(serve.stderr + serve.stdout, /newer than this plaza binary/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a SQLite database from one server at a time, and migrates none a server uses', async () => {
    const plaza = await startPlaza();
    const on = ['--data-dir', plaza.dataDir, '--database-url', plaza.databaseUrl];
    // A second server would run for ever: the timeout ends the test if it is not refused.
    const second = spawnSync(plazaBinary, ['serve', ...on, '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, /another plaza serve is using/);
    assert.match(plaza.cli('admin', 'create', '--username', 'boss', '--password', 'boss-password-1'), /is ready/,
      'commands with nothing to migrate go on while it serves');
    // A database behind this binary (the record of its last migration taken away for a moment, so
    // nothing runs twice) is not migrated under a running server, nor upgraded by the other commands.
    const db = `${plaza.dataDir}/plaza.db`;
    const [last] = execFileSync('sqlite3', ['-separator', '|', db, 'SELECT version, name, applied_at FROM schema_migrations ORDER BY version DESC LIMIT 1'], { encoding: 'utf8' }).trim().split('\n');
    const [version, name, appliedAt] = last.split('|');
    execFileSync('sqlite3', [db, `DELETE FROM schema_migrations WHERE version = ${version}`]);
    const migrate = run(['migrate', ...on]);
    assert.equal(migrate.status, 1);
    assert.match(migrate.stderr, /a running plaza serve uses this database/);
    const admin = run(['admin', 'create', '--username', 'late', '--password', 'late-password-1', ...on]);
    assert.equal(admin.status, 1);
    assert.match(admin.stderr, /older than this plaza .*run `plaza migrate`/);
    execFileSync('sqlite3', [db, `INSERT INTO schema_migrations VALUES (${version}, '${name}', ${appliedAt})`]);
    // The roll-up's repair rewrites what the server's writer keeps: not under a running server.
    const busy = run(['admin', 'rebuild-rollup', ...on]);
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /a running plaza serve uses this database: stop it first/);
    await plaza.kill();  // (stop() would remove the data folder)
    const rebuilt = run(['admin', 'rebuild-rollup', ...on]);
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /rebuilt the apps' roll-up: 0 \(day, app, user\) row/);
    // Gone, it holds nothing: a new server starts on the same file.
    const again = await startPlaza({ restart: plaza });
    await again.stop();
  });
});
