// Creator revenue over real HTTP and the real command line, on SQLite and PostgreSQL: app prices
// shown and validated, surcharges charged with the model and shared with the creator, one-time
// unlocks bought once under concurrency, paying-only apps, `plaza settle` (reruns, two processes
// racing, a process killed midway and taken over), clearing, conversion, payouts, freezes and
// reversals, and the admin's settlement runs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startPlaza, backends, plazaBinary } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { adminClient, addChannel, userWithKey, waitFor, sql } from '../lib/site.mjs';

const CREDIT = 1_000_000;  // µc

function chat(plaza, key, model) {
  return fetch(`${plaza.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
}

const SETTINGS = { 'api-rate-per-minute': 1000000, 'clearing-days': 0, 'settlement-batch-users': 1, 'payout-minimum': 2000 };

// `plaza settle` as its own process, with the site's settings: {code, signal, out}.
function settleProcess(plaza, args, env = {}) {
  const settings = Object.entries(SETTINGS).flatMap(([k, v]) => [`--${k}`, String(v)]);
  return new Promise((resolve) => {
    const child = spawn(plazaBinary, ['settle', ...args, ...settings, '--data-dir', plaza.dataDir, '--database-url', plaza.databaseUrl],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

function yesterday() {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);  // the tests run in UTC
}

// The calls of `usernames` (and the direct earnings they made) move to an earlier day: a day must
// be over to be settled, and these tests cannot wait for midnight.
function moveCallsTo(plaza, day, usernames) {
  const users = `(SELECT id FROM users WHERE username IN (${usernames.map((u) => `'${u}'`).join(',')}))`;
  sql(plaza, `UPDATE usage_events SET day = '${day}' WHERE user_id IN ${users}`);
  sql(plaza, `UPDATE earnings SET day = '${day}' WHERE user_id IN ${users}`);
}

function earningRows(plaza, day) {
  return sql(plaza, `SELECT u.username, a.slug, e.stream, e.amount, e.status FROM earnings e JOIN users u ON u.id = e.user_id ` +
    `JOIN apps a ON a.id = e.app_id WHERE e.day = '${day}' ORDER BY u.username, a.slug, e.stream`).map((r) => r.join(' '));
}

async function grant(admin, userId, source, amount) {
  const r = await admin.post(`/api/admin/users/${userId}/credits`, { source, amount, reason: 'test funds' });
  assert.equal(r.status, 200, r.text);
}

async function idOf(client) {
  return (await client.get('/api/me')).data.user.id;
}

for (const backend of backends) {
  describe(`creator revenue on ${backend}`, () => {
    let plaza, fake, admin, maker, makerId;
    const publish = async (owner, slug, pricing, extra = {}) => {
      const created = await owner.post('/api/apps', {
        slug, title: `App ${slug}`, default_model: 'per-call', visibility: 'public', pricing,
        preset: { system_prompt: 'be brief' }, ...extra,
      });
      assert.equal(created.status, 201, created.text);
      assert.equal((await owner.post(`/api/apps/${slug}/submit`)).status, 200);
      const ok = await admin.post(`/api/admin/reviews/${slug}/approve`);
      assert.equal(ok.status, 200, ok.text);
      return ok.data;
    };
    const earnings = async (client) => (await client.get('/api/earnings')).data;
    // The revenue report's totals over its default range (the last 30 days).
    const revenue = async () => {
      const days = (await admin.get('/api/admin/revenue')).data.days;
      const sum = (field) => days.reduce((t, d) => t + (d[field] ?? NaN), 0);
      return { app_surcharges: sum('app_surcharges'), app_unlocks: sum('app_unlocks'), earnings_converted: sum('earnings_converted'), usage_paid: sum('usage_paid') };
    };

    before(async () => {
      fake = await startFake();
      plaza = await startPlaza({ backend, settings: SETTINGS });
      admin = await adminClient(plaza);
      await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['per-call'] });
      assert.equal((await admin.put('/api/admin/prices/per-call', { mode: 'per_call', per_call: 1000 })).status, 200);
      maker = new Client(plaza.url);
      await maker.register('maker', 'password-1');
      makerId = await idOf(maker);
    });
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    it('validates prices and shows them, and what stops a visitor, on the app', async () => {
      for (const pricing of [{ mode: 'per_message', price: 0 }, { mode: 'per_token', surcharge_ppm: 0 }, { mode: 'gratis' },
        { mode: 'one_time', price: 20_000 * CREDIT }, { mode: 'free', price: 5 }]) {
        const r = await maker.post('/api/apps', { slug: 'bad-price', title: 'x', default_model: 'per-call', pricing });
        assert.equal(r.status, 400, JSON.stringify(pricing));
        assert.equal(r.data.error.field, 'pricing');
      }
      const app = await publish(maker, 'unlock-me', { mode: 'one_time', price: 2 * CREDIT });
      assert.deepEqual(app.pricing, { mode: 'one_time', price: 2 * CREDIT, surcharge_ppm: 0, paying_only: false });
      const visitor = new Client(plaza.url);
      await visitor.register('visitor', 'password-1');
      const seen = (await visitor.get('/api/apps/unlock-me')).data;
      assert.equal(seen.unlocked, false);
      assert.deepEqual(seen.access, { ok: false, reason: 'unlock' });
      const mine = (await maker.get('/api/apps/unlock-me')).data;
      assert.equal(mine.unlocked, true);
      assert.equal(mine.access.ok, true);
    });

    it('charges a per-message surcharge with the model and credits the creator 70% of its paid part at once', async () => {
      await publish(maker, 'surcharged', { mode: 'per_message', price: CREDIT / 2 });
      const reportBefore = await revenue();
      const { user, key } = await userWithKey(plaza, 'payer');
      await grant(admin, await idOf(user), 'paid', 10 * CREDIT);
      const r = await chat(plaza, key, 'app/surcharged');
      assert.equal(r.status, 200, await r.clone().text());
      const usage = (await user.get('/api/usage')).data.usage[0];
      assert.equal(usage.cost, 1000);
      assert.equal(usage.paid_uc, 1000);
      assert.equal(usage.surcharge, CREDIT / 2);
      assert.equal(usage.surcharge_paid_uc, CREDIT / 2);
      const wallet = (await user.get('/api/wallet')).data;
      assert.equal(wallet.paid, 10 * CREDIT - 1000 - CREDIT / 2);
      assert.equal((await earnings(maker)).pending, 350_000);

      // Paid for with gift credits, the same surcharge earns the creator nothing.
      const { user: giftUser, key: giftKey } = await userWithKey(plaza, 'gifted');
      await grant(admin, await idOf(giftUser), 'gift', 10 * CREDIT);
      assert.equal((await chat(plaza, giftKey, 'app/surcharged')).status, 200);
      assert.equal((await giftUser.get('/api/usage')).data.usage[0].surcharge_gift_uc, CREDIT / 2);
      assert.equal((await earnings(maker)).pending, 350_000);
      // The creator's own use pays no surcharge.
      const own = await maker.post('/api/keys', { name: 'mine' });
      await grant(admin, makerId, 'paid', CREDIT);
      assert.equal((await chat(plaza, own.data.secret, 'app/surcharged')).status, 200);
      assert.equal((await maker.get('/api/usage')).data.usage[0].surcharge, 0);
      // The revenue report counts the paid surcharge as its own column (income, of which the
      // creator's 70% is owed), apart from the model cost; the gift-paid one is not income.
      const report = await revenue();
      assert.equal(report.app_surcharges - reportBefore.app_surcharges, CREDIT / 2);
      assert.equal(report.usage_paid - reportBefore.usage_paid, 2000, 'the two paid calls\' model cost');
    });

    it('sells a one-time unlock once under concurrency, and refuses chats until then', async () => {
      const { user, key } = await userWithKey(plaza, 'buyer');
      const buyerId = await idOf(user);
      const locked = await chat(plaza, key, 'app/unlock-me');
      assert.equal(locked.status, 403);
      assert.match((await locked.json()).error.message, /unlock/);
      assert.equal((await user.post('/api/apps/unlock-me/unlock')).status, 402, 'no credits yet');
      await grant(admin, buyerId, 'paid', 5 * CREDIT);
      const reportBefore = await revenue();
      const tries = await Promise.all(Array.from({ length: 8 }, () => user.post('/api/apps/unlock-me/unlock')));
      for (const t of tries) assert.equal(t.status, 200, t.text);
      assert.equal((await user.get('/api/wallet')).data.paid, 3 * CREDIT, 'charged exactly once');
      assert.equal((await revenue()).app_unlocks - reportBefore.app_unlocks, 2 * CREDIT, 'the report counts the unlock once');
      assert.equal((await user.get('/api/apps/unlock-me')).data.unlocked, true);
      assert.equal((await chat(plaza, key, 'app/unlock-me')).status, 200);
      assert.equal((await earnings(maker)).pending, 350_000 + 1_400_000);
      assert.equal((await maker.post('/api/apps/surcharged/unlock')).status, 409, 'not a one-time app');
    });

    it('keeps a paying-only app for users with a subscription or paid credits', async () => {
      await publish(maker, 'members', { mode: 'free', paying_only: true });
      const { user, key } = await userWithKey(plaza, 'freeloader');
      await grant(admin, await idOf(user), 'gift', 5 * CREDIT);
      assert.equal((await user.get('/api/apps/members')).data.access.reason, 'paying');
      assert.equal((await chat(plaza, key, 'app/members')).status, 403);
      await grant(admin, await idOf(user), 'paid', CREDIT);
      assert.equal((await chat(plaza, key, 'app/members')).status, 200);
    });

    it('sells no unlock its buyer could not use', async () => {
      const { user: seller } = await userWithKey(plaza, 'unlock-seller');  // a creator of its own: the pending sums below are maker's
      await publish(seller, 'members-unlock', { mode: 'one_time', price: 2 * CREDIT, paying_only: true });
      // A plan of the level must exist for an app to ask for it (nobody here subscribes to it).
      assert.equal((await admin.post('/api/admin/plans', { name: 'Level one', level: 1, period_days: 30, price: CREDIT })).status, 201);
      await publish(seller, 'level-unlock', { mode: 'one_time', price: CREDIT }, { min_plan_level: 1 });
      const { user } = await userWithKey(plaza, 'short-buyer');
      await grant(admin, await idOf(user), 'paid', 2 * CREDIT);
      // Its last paid credits: after the unlock the user would no longer be a paying one.
      const last = await user.post('/api/apps/members-unlock/unlock');
      assert.equal(last.status, 403, last.text);
      assert.match(last.data.error.message, /paying users/);
      const level = (await user.get('/api/apps/level-unlock')).data;
      assert.deepEqual(level.access, { ok: false, reason: 'plan_level' }, 'the plan is what to show, not an unlock');
      assert.equal((await user.post('/api/apps/level-unlock/unlock')).status, 403);
      assert.equal((await user.get('/api/wallet')).data.paid, 2 * CREDIT, 'nothing was charged');
      await grant(admin, await idOf(user), 'paid', CREDIT);
      assert.equal((await user.post('/api/apps/members-unlock/unlock')).status, 200, 'with a credit to spare');
      assert.equal((await user.get('/api/wallet')).data.paid, CREDIT);
    });

    it('serves an administrator the live version, and a draft of an unpublished app free of its price', async () => {
      const { user: seller } = await userWithKey(plaza, 'draft-seller');
      await publish(seller, 'priced-draft', { mode: 'per_message', price: CREDIT / 2 });
      // A new version with a higher price waits for review; the administrator still chats with what users see.
      assert.equal((await seller.patch('/api/apps/priced-draft', { pricing: { mode: 'per_message', price: 5 * CREDIT } })).status, 200);
      assert.equal((await seller.post('/api/apps/priced-draft/submit')).status, 200);
      const adminKey = (await admin.post('/api/keys', { name: 'reviewing' })).data.secret;
      await grant(admin, await idOf(admin), 'paid', 10 * CREDIT);
      assert.equal((await chat(plaza, adminKey, 'app/priced-draft')).status, 200);
      assert.equal((await admin.get('/api/usage')).data.usage[0].surcharge, CREDIT / 2, 'the live price, not the draft\'s');
      // An app never published: the administrator's chat is the review's preview, and costs no surcharge.
      assert.equal((await seller.post('/api/apps', { slug: 'unreviewed', title: 'x', default_model: 'per-call', visibility: 'public',
        pricing: { mode: 'per_message', price: 5 * CREDIT }, preset: { system_prompt: 'be brief' } })).status, 201);
      assert.equal((await seller.post('/api/apps/unreviewed/submit')).status, 200);
      assert.equal((await chat(plaza, adminKey, 'app/unreviewed')).status, 200);
      assert.equal((await admin.get('/api/usage')).data.usage[0].surcharge, 0);
      assert.equal((await admin.post('/api/admin/reviews/priced-draft/reject', { reason: 'too dear' })).status, 200);
    });

    it('settles a day once however often and by however many processes, and resumes a killed run', async () => {
      const day = yesterday();
      // Three paying users with calls of the surcharged app, moved to yesterday.
      const names = [];
      for (const n of ['s1', 's2', 's3']) {
        const { user, key } = await userWithKey(plaza, `settle-${n}`);
        await grant(admin, await idOf(user), 'paid', 10 * CREDIT);
        for (let i = 0; i < 3; ++i) assert.equal((await chat(plaza, key, 'app/surcharged')).status, 200);
        names.push(`settle-${n}`);
      }
      moveCallsTo(plaza, day, [...names, 'payer', 'gifted', 'maker', 'buyer']);

      // Killed after its second batch (one user per batch: the maker's own calls, then the payer's):
      // the lease stays with the dead process.
      const killed = await settleProcess(plaza, ['--day', day], { PLAZA_SETTLE_CRASH_AFTER_BATCHES: '2' });
      assert.equal(killed.signal, 'SIGKILL', killed.out);
      const partial = earningRows(plaza, day).filter((r) => r.includes(' pack '));
      assert.ok(partial.length >= 1 && partial.length < 4, partial.join('\n'));
      const busy = await settleProcess(plaza, ['--day', day]);
      assert.equal(busy.code, 75, busy.out);
      assert.match(busy.out, /another instance/);
      const resumed = await settleProcess(plaza, ['--day', day, '--take-over']);
      assert.equal(resumed.code, 0, resumed.out);
      const rows = earningRows(plaza, day);
      // The pack pool: 10% of the 3 x 1,000 µc of model cost each settle-* user paid (300 µc), and
      // the payer's and buyer's 1,000 µc (100 µc); nothing for gift credits or the maker's own use.
      const pack = rows.filter((r) => r.includes(' pack '));
      assert.deepEqual(pack.map((r) => r.split(' ').slice(0, 4).join(' ')), [
        'buyer unlock-me pack 100', 'payer surcharged pack 100',
        'settle-s1 surcharged pack 300', 'settle-s2 surcharged pack 300', 'settle-s3 surcharged pack 300']);

      // Two processes racing a re-run, and another plain run: still one set of rows.
      const [a, b] = await Promise.all([settleProcess(plaza, ['--day', day, '--rerun']), settleProcess(plaza, ['--day', day, '--rerun'])]);
      for (const r of [a, b]) assert.ok(r.code === 0 || r.code === 75, r.out);
      assert.equal((await settleProcess(plaza, ['--day', day])).code, 0);
      assert.deepEqual(earningRows(plaza, day), rows);
      assert.match(plaza.cli('doctor'), /no problems found/);

      // The admin's page sees the run and its totals; a re-run from there changes nothing either.
      const runs = (await admin.get('/api/admin/settlements')).data.runs;
      const run = runs.find((r) => r.day === day);
      assert.equal(run.status, 'done');
      assert.equal(run.totals.pack, 1100);
      assert.equal(run.totals.direct, 350_000 * 10 + 1_400_000, 'ten surcharges and an unlock');
      assert.equal((await admin.post('/api/admin/settlements', { day })).status, 202);
      await waitFor(async () => {
        const r = (await admin.get('/api/admin/settlements')).data.runs.find((x) => x.day === day);
        return r.status === 'done' && r.attempts > run.attempts;
      }, 'the re-run');
      assert.deepEqual(earningRows(plaza, day), rows);
      assert.equal((await admin.post('/api/admin/settlements', { day: '2099-01-01' })).status, 400, 'not over yet');
    });

    it('clears earnings into available ones that convert into credits or leave as a payout', async () => {
      // clearing_days is 0 here: yesterday's rows clear on the next settle command.
      await settleProcess(plaza, ['--day', yesterday()]);
      const before = await earnings(maker);
      assert.ok(before.available > 0, JSON.stringify(before));
      const paidBefore = (await maker.get('/api/wallet')).data.paid;
      const reportBefore = await revenue();
      const converted = await maker.post('/api/earnings/convert', { amount: 1000 }, { headers: { 'x-request-id': 'conv-1' } });
      assert.equal(converted.status, 200, converted.text);
      assert.equal(converted.data.available, before.available - 1000);
      assert.equal((await maker.post('/api/earnings/convert', { amount: 1000 }, { headers: { 'x-request-id': 'conv-1' } })).status, 409);
      assert.equal((await maker.get('/api/wallet')).data.paid, paidBefore + 1000);
      const report = await revenue();
      assert.equal(report.earnings_converted - reportBefore.earnings_converted, 1000, 'paid credits created from earnings, shown apart');
      assert.equal(report.usage_paid, reportBefore.usage_paid, 'and not as income');
      assert.equal((await maker.post('/api/earnings/convert', { amount: before.available })).status, 402);
      assert.equal((await maker.post('/api/earnings/payouts', { amount: 0, destination: 'x' })).status, 400);
      // Below the site's smallest payout: refused, and the page says what it is (and the currency).
      const small = await maker.post('/api/earnings/payouts', { amount: 1999, destination: 'IBAN 123' });
      assert.deepEqual([small.status, small.data.error.field, small.data.error.message], [400, 'amount', 'a payout is at least 0.002 credits']);
      const page = await earnings(maker);
      assert.deepEqual([page.payout_minimum, page.currency.code, page.requested], [2000, 'CNY', 0]);

      const asked = await maker.post('/api/earnings/payouts', { amount: 5000, destination: 'IBAN 123' });
      assert.equal(asked.status, 200, asked.text);
      assert.equal(asked.data.requested, 5000);
      const queue = (await admin.get('/api/admin/payouts?status=requested')).data.payouts;
      assert.equal(queue.length, 1);
      assert.equal(queue[0].user.username, 'maker');
      assert.equal((await admin.post(`/api/admin/payouts/${queue[0].id}/paid`, { reference: '' })).status, 400);
      const paid = await admin.post(`/api/admin/payouts/${queue[0].id}/paid`, { reference: 'TX-42' });
      assert.equal(paid.data.status, 'paid');
      assert.equal((await admin.post(`/api/admin/payouts/${queue[0].id}/reject`, { reason: 'late' })).status, 409);
      const after = await earnings(maker);
      assert.equal(after.paid_out, 5000);
      assert.equal(after.available, before.available - 6000);
      assert.ok(after.apps.some((a) => a.slug === 'surcharged' && a.paying_users >= 4 && a.direct > 0), JSON.stringify(after.apps));
      assert.match(plaza.cli('doctor'), /no problems found/);
    });

    it('lets the admin freeze and reverse a creator\'s pending earnings, audited', async () => {
      const { key } = await userWithKey(plaza, 'late');
      await grant(admin, Number(sql(plaza, "SELECT id FROM users WHERE username = 'late'")[0][0]), 'paid', 5 * CREDIT);
      assert.equal((await chat(plaza, key, 'app/surcharged')).status, 200);
      const pending = (await earnings(maker)).pending;
      assert.equal(pending, 350_000, 'today\'s surcharge is pending');
      const bad = await admin.post('/api/admin/earnings/freezes', { scope: 'app', name: 'no-such-app', reason: 'x' });
      assert.equal(bad.status, 404);
      const frozen = await admin.post('/api/admin/earnings/freezes', { scope: 'app', name: 'surcharged', reason: 'suspicious' });
      assert.equal(frozen.status, 201, frozen.text);
      assert.equal(frozen.data.pending, 350_000);
      assert.equal((await earnings(maker)).frozen, 350_000);
      const reversed = await admin.post('/api/admin/earnings/reverse', { scope: 'creator', name: 'maker', reason: 'farmed' });
      assert.equal(reversed.status, 200, reversed.text);
      assert.deepEqual(reversed.data, { rows: 1, amount: 350_000 });
      assert.equal((await earnings(maker)).pending, 0);
      // Calls after the reversal earn nothing more that day.
      assert.equal((await chat(plaza, key, 'app/surcharged')).status, 200);
      assert.equal((await earnings(maker)).pending, 0);
      assert.equal((await admin.delete(`/api/admin/earnings/freezes/${frozen.data.id}`)).status, 200);
      assert.equal((await admin.get('/api/admin/earnings/freezes')).data.freezes.length, 0);
      const audit = (await admin.get('/api/admin/audit')).data.entries.map((e) => e.action);
      for (const action of ['earnings.freeze', 'earnings.reverse', 'earnings.unfreeze', 'payout.paid', 'settlement.run'])
        assert.ok(audit.includes(action), action);
      assert.equal((await maker.get('/api/admin/settlements')).status, 403);
      assert.match(plaza.cli('doctor'), /no problems found/);
    });

    it('credits one creator from many concurrent paying users exactly', async () => {
      await publish(maker, 'popular', { mode: 'per_message', price: 10_000 });
      const keys = [];
      for (let i = 0; i < 8; ++i) {
        const { user, key } = await userWithKey(plaza, `crowd${i}`);
        await grant(admin, await idOf(user), 'paid', CREDIT);
        keys.push(key);
      }
      const before = (await earnings(maker)).pending;
      const answers = await Promise.all(keys.flatMap((key) => Array.from({ length: 5 }, () => chat(plaza, key, 'app/popular'))));
      for (const a of answers) assert.equal(a.status, 200);
      assert.equal((await earnings(maker)).pending - before, 40 * 7_000);
      assert.match(plaza.cli('doctor'), /no problems found/);
    });
  });
}

describe('the in-process settlement scheduler', () => {
  let plaza;
  after(async () => { await plaza?.stop(); });

  it('settles yesterday on its own once the settlement hour has passed', async () => {
    plaza = await startPlaza({ settings: { 'settlement-interval-seconds': 1, 'settlement-hour': 0 } });
    const admin = await adminClient(plaza);
    const run = await waitFor(async () => {
      const runs = (await admin.get('/api/admin/settlements')).data.runs;
      return runs.find((r) => r.day === yesterday() && r.status === 'done');
    }, 'the scheduler to settle yesterday');
    assert.equal(run.attempts, 1);
  });
});
