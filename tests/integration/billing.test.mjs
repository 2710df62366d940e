// Billing over real HTTP, on SQLite and PostgreSQL: refusals before any upstream call, no overdraft
// under 200 parallel requests, exactly-once redeem codes, partial streams, upstream errors, retried
// request ids, subscriptions and web_free, and a SIGKILL during held streams that the reaper and
// `plaza doctor` clean up after.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlaza, backends } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { adminClient, addChannel, userWithKey, parseEvents, waitFor, sql, chatCompletion, startUpstream } from '../lib/site.mjs';

const CREDIT = 1_000_000;  // µc

const chat = chatCompletion;

// A client's X-Request-Id is filed under its user: "u<id>:<the id>".
function usageOf(plaza, requestId) {
  const rows = sql(plaza, `SELECT status, cost, paid_uc, gift_uc, allowance_uc, completion_tokens, priced FROM usage_events WHERE request_id LIKE 'u%:${requestId}'`);
  if (!rows.length) return null;
  const [status, cost, paid, gift, allowance, completion, priced] = rows[0];
  return { status, cost: +cost, paid: +paid, gift: +gift, allowance: +allowance, completion: +completion, priced: priced === '1' || priced === 't' };
}

function doctor(plaza) {
  return plaza.cli('doctor');
}

async function me(client) {
  return (await client.get('/api/me')).data.user;
}

async function grant(admin, userId, source, amount) {
  const r = await admin.post(`/api/admin/users/${userId}/credits`, { source, amount, reason: 'test funds' });
  assert.equal(r.status, 200, r.text);
  return r.data;
}

for (const backend of backends) {
  describe(`billing on ${backend}`, () => {
    let plaza, fake, admin;
    before(async () => {
      fake = await startFake();
      plaza = await startPlaza({ backend, settings: { 'api-rate-per-minute': 1000000, 'channel-refresh-ms': 100 } });
      admin = await adminClient(plaza);
      await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['per-call', 'per-token', 'web-free', 'gpt-4o-mini'] });
      for (const [model, price] of [
        ['per-call', { mode: 'per_call', per_call: 1000 }],
        // The fake reports no cached tokens: cached_per_m shows only in the price list.
        ['per-token', { mode: 'per_token', input_per_m: 1 * CREDIT, output_per_m: 2 * CREDIT, cached_per_m: CREDIT / 4, max_output_tokens: 200 }],
        ['web-free', { mode: 'per_call', per_call: 500, web_free: true, web_free_daily_cap: 1 }],
      ]) {
        const r = await admin.put(`/api/admin/prices/${model}`, price);
        assert.equal(r.status, 200, r.text);
      }
    });
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    it('refuses a request it cannot fund before any upstream call, in each surface\'s error shape', async () => {
      const { user, key } = await userWithKey(plaza, 'broke');
      await fake.reset();
      const v1 = await chat(plaza, key, { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(v1.status, 402);
      const body = await v1.json();
      assert.equal(body.error.code, 'insufficient_quota');
      assert.equal(body.error.type, 'insufficient_quota');
      const web = await user.post('/api/chat', { model: 'per-call', content: 'hi' });
      assert.equal(web.status, 402);
      assert.equal(web.data.error.code, 'insufficient_balance');
      assert.equal((await fake.requests()).length, 0, 'the upstream was never called');
      // Free models still work for a user with nothing.
      assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      // A key kept off the model hears that first, not that its owner cannot pay.
      const { key: narrow } = await userWithKey(plaza, 'broke-narrow', { models: ['gpt-4o-mini'] });
      const kept = await chat(plaza, narrow, { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(kept.status, 403);
      assert.equal((await kept.json()).error.param, 'model');
    });

    it('never overdraws: 200 parallel requests against a balance that covers 50', async () => {
      const { user, key } = await userWithKey(plaza, 'crowd');
      const id = (await me(user)).id;
      await grant(admin, id, 'paid', 50 * 1000);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
        chat(plaza, key, { model: 'per-call', messages: [{ role: 'user', content: `hi ${i}` }] }, { 'x-request-id': `crowd-${backend}-${i}` })
          .then(async (r) => { await r.arrayBuffer(); return r.status; })));
      assert.equal(results.filter((s) => s === 200).length, 50);
      assert.equal(results.filter((s) => s === 402).length, 150);
      const wallet = (await user.get('/api/wallet')).data;
      assert.deepEqual(wallet.currency, { code: 'CNY', credits_per_unit: 10 });
      assert.equal(wallet.paid, 0);
      assert.equal(wallet.paid_held, 0);
      const settled = sql(plaza, `SELECT COUNT(*), SUM(paid_uc) FROM usage_events WHERE request_id LIKE 'u%:crowd-${backend}-%' AND status = 'ok'`)[0];
      assert.deepEqual(settled.map(Number), [50, 50_000], 'every accepted request settled, once');
      assert.match(doctor(plaza), /zero drift/);
    });

    it('lets one of 50 concurrent redeemers use a code', async () => {
      const batch = await admin.post('/api/admin/redeem-batches', { name: 'race', kind: 'paid', amount: 7 * CREDIT, count: 1 });
      assert.equal(batch.status, 201, batch.text);
      const [code] = batch.data.codes;
      const users = [];
      for (let i = 0; i < 50; i++) {
        const c = new Client(plaza.url);
        await c.register(`redeemer${i}`, 'password-1');
        users.push(c);
      }
      const results = await Promise.all(users.map((c) => c.post('/api/redeem', { code })));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      assert.equal(results.filter((r) => r.status === 409).length, 49);
      const winner = results.find((r) => r.status === 200);
      assert.equal(winner.data.wallet.paid, 7 * CREDIT);
      const csv = await admin.get(`/api/admin/redeem-batches/${batch.data.batch.id}/codes.csv`);
      assert.match(csv.text, new RegExp(`^${code},\\d+,\\d+$`, 'm'), 'the export shows who redeemed it');
      const bad = await users[0].post('/api/redeem', { code: 'NOPE-NOPE' });
      assert.equal(bad.status, 404);
    });

    it('charges a partial stream for what was delivered, and an upstream error nothing', async () => {
      const { user, key } = await userWithKey(plaza, 'streamer');
      const id = (await me(user)).id;
      await grant(admin, id, 'paid', 10 * CREDIT);
      const rid = `partial-${backend}`;
      const res = await chat(plaza, key, { model: 'per-token', stream: true, messages: [{ role: 'user', content: 'x [[fake:stall after=2]]' }] }, { 'x-request-id': rid });
      assert.equal(res.status, 200);
      // Both events the upstream sends before it stalls have reached the client, then it leaves.
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let received = '';
      while ((received.match(/^data: /gm) || []).length < 2) {
        const { done, value } = await reader.read();
        assert.ok(!done, `the stream ended before the stall: ${received}`);
        received += decoder.decode(value);
      }
      await fake.waitForStats((s) => s.open_streams >= 1);
      await reader.cancel();
      const usage = await waitFor(() => usageOf(plaza, rid), 'the cancelled stream to settle');
      assert.equal(usage.status, 'cancelled');
      assert.ok(usage.completion > 0, 'the delivered output was counted');
      assert.ok(usage.paid > 0 && usage.paid === usage.cost, 'and charged');
      const after1 = (await user.get('/api/wallet')).data;
      assert.equal(after1.paid, 10 * CREDIT - usage.paid);
      assert.equal(after1.paid_held, 0);

      const failed = await chat(plaza, key, { model: 'per-token', messages: [{ role: 'user', content: 'x [[fake:status code=500]]' }] }, { 'x-request-id': `failed-${backend}` });
      assert.equal(failed.status, 502);
      const u2 = usageOf(plaza, `failed-${backend}~failed-%`);  // filed so that the id may be retried
      assert.equal(u2.status, 'error');
      assert.equal(u2.cost, 0);
      const after2 = (await user.get('/api/wallet')).data;
      assert.equal(after2.paid, after1.paid, 'an upstream error charges nothing');
      assert.equal(after2.paid_held, 0);
    });

    it('never charges a retried request id twice', async () => {
      const { user, key } = await userWithKey(plaza, 'retrier');
      await grant(admin, (await me(user)).id, 'paid', 10_000);
      const body = { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] };
      const first = await chat(plaza, key, body, { 'x-request-id': `retry-${backend}` });
      assert.equal(first.status, 200);
      const again = await chat(plaza, key, body, { 'x-request-id': `retry-${backend}` });
      assert.equal(again.status, 409);
      assert.equal(again.headers.get('x-should-retry'), 'false', 'OpenAI\'s SDKs would retry a 409 for nothing');
      assert.equal((await user.get('/api/wallet')).data.paid, 9000);
      // An id used for a free call cannot carry a paid one for free afterwards.
      assert.equal((await chat(plaza, key, { ...body, model: 'gpt-4o-mini' }, { 'x-request-id': `free-${backend}` })).status, 200);
      assert.equal((await chat(plaza, key, body, { 'x-request-id': `free-${backend}` })).status, 409);
      // Ids are the user's own: another user's request with the same id is unaffected, and charged.
      const other = await userWithKey(plaza, 'other-retrier');
      await grant(admin, (await me(other.user)).id, 'paid', 10_000);
      assert.equal((await chat(plaza, other.key, body, { 'x-request-id': `retry-${backend}` })).status, 200);
      assert.equal((await other.user.get('/api/wallet')).data.paid, 9000);
      // A key reads no account-wide usage.
      const byKey = await fetch(`${plaza.url}/api/usage`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(byKey.status, 401);
    });

    it('lets a request id that charged nothing (the upstream failed) be retried, and charges the retry once', async () => {
      const { user, key } = await userWithKey(plaza, 'failed-retrier');
      const userId = (await me(user)).id;
      await grant(admin, userId, 'paid', 10_000);
      const id = `after-failure-${backend}`;
      const failed = await chat(plaza, key, { model: 'per-call', messages: [{ role: 'user', content: 'hi [[fake:status code=500]]' }] }, { 'x-request-id': id });
      assert.equal(failed.status, 502);
      const retried = await chat(plaza, key, { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': id });
      assert.equal(retried.status, 200, await retried.clone().text());
      assert.equal((await user.get('/api/wallet')).data.paid, 9000, 'charged once, for the answer');
      assert.equal((await chat(plaza, key, { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': id })).status, 409, 'a charged id is spent');
      // Both attempts are in the request log: the failed one under the id with a suffix.
      const events = await waitFor(() => {
        const rows = sql(plaza, `SELECT request_id, status FROM usage_events WHERE user_id = ${userId} ORDER BY id`);
        return rows.length === 2 && rows;
      }, 'both attempts logged');
      assert.match(events[0][0], new RegExp(`^u${userId}:${id}~failed-`));
      assert.deepEqual(events.map((e) => e[1]), ['error', 'ok']);
      assert.equal(events[1][0], `u${userId}:${id}`);
      assert.equal(sql(plaza, `SELECT COUNT(*) FROM holds WHERE request_id = 'u${userId}:${id}' AND status = 'voided'`)[0][0], '0', 'the failed attempt\'s holds were filed away');
      // So on a key with a spending limit, whose own hold ends posted at 0 when nothing was charged.
      const limited = await user.post('/api/keys', { name: 'limited', spend_limit: 5_000 });
      assert.equal(limited.status, 201, limited.text);
      const limitedId = `after-failure-limited-${backend}`;
      const failedLimited = await chat(plaza, limited.data.secret, { model: 'per-call', messages: [{ role: 'user', content: 'hi [[fake:status code=500]]' }] }, { 'x-request-id': limitedId });
      assert.equal(failedLimited.status, 502);
      const retriedLimited = await chat(plaza, limited.data.secret, { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': limitedId });
      assert.equal(retriedLimited.status, 200, await retriedLimited.clone().text());
      assert.equal((await user.get('/api/wallet')).data.paid, 8000, 'the retry charged once');
      // A free model's request id is spent as a priced one's is.
      const free = `free-twice-${backend}`;
      assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': free })).status, 200);
      await waitFor(() => sql(plaza, `SELECT 1 FROM usage_events WHERE request_id = 'u${userId}:${free}'`).length === 1, 'the free call logged');
      assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': free })).status, 409);
    });

    it('changes a key\'s spending limit after the key is made: set, lowered below what it spent, raised, removed', async () => {
      const { user, key } = await userWithKey(plaza, 'relimited');
      const userId = (await me(user)).id;
      await grant(admin, userId, 'paid', 100_000);
      const keyId = (await user.get('/api/keys')).data.keys[0].id;
      const body = { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] };
      // No limit yet: its calls go through the lease (the key is cached as unlimited).
      assert.equal((await chat(plaza, key, body)).status, 200);
      const spent = () => waitFor(async () => {
        const k = (await user.get('/api/keys')).data.keys[0];
        return k.spent >= 1000 ? k : null;
      }, 'the call counted on the key');
      assert.equal((await spent()).spent, 1000);
      const set = await user.patch(`/api/keys/${keyId}`, { spend_limit: 2000 });
      assert.equal(set.status, 200, set.text);
      assert.equal(set.data.key.spend_limit, 2000);
      assert.equal((await chat(plaza, key, body)).status, 200, 'within the limit');
      const stopped = await chat(plaza, key, body);
      assert.equal(stopped.status, 402, 'the limit applies at once, to the cached key too');
      assert.match((await stopped.json()).error.message, /spending limit/);
      // Lowered below what it spent: allowed, the key spends nothing more.
      const lowered = await user.patch(`/api/keys/${keyId}`, { spend_limit: 500 });
      assert.equal(lowered.status, 200, lowered.text);
      assert.equal(lowered.data.key.spent, 2000);
      assert.equal((await chat(plaza, key, body)).status, 402);
      // Raised, it spends again up to the new limit; removed, without one.
      assert.equal((await user.patch(`/api/keys/${keyId}`, { spend_limit: 3000 })).status, 200);
      assert.equal((await chat(plaza, key, body)).status, 200);
      assert.equal((await chat(plaza, key, body)).status, 402);
      const removed = await user.patch(`/api/keys/${keyId}`, { spend_limit: null });
      assert.equal(removed.status, 200, removed.text);
      assert.equal(removed.data.key.spend_limit, null);
      assert.equal((await chat(plaza, key, body)).status, 200);
      // Only the owner's active keys, and the field must be sent.
      assert.equal((await user.patch(`/api/keys/${keyId}`, {})).status, 400);
      const { user: other } = await userWithKey(plaza, 'relimited-other');
      assert.equal((await other.patch(`/api/keys/${keyId}`, { spend_limit: 1 })).status, 404);
      const audit = sql(plaza, `SELECT detail FROM audit_log WHERE action = 'key.spend_limit' AND target = 'key:${keyId}' ORDER BY id`).map((r) => r[0]);
      assert.equal(audit.length, 4);
      assert.match(audit[1], /0\.002 credits -> 0\.0005 credits \(spent 0\.002\)/);
      assert.equal((await user.get('/api/wallet')).data.paid, 96_000, 'four calls paid, none past a limit');
      assert.match(doctor(plaza), /zero drift/);
    });

    it('funds short API calls from one lease on the credits, given back before a purchase and when idle', async () => {
      const { user, key } = await userWithKey(plaza, 'leaser');
      const userId = (await me(user)).id;
      await grant(admin, userId, 'paid', 100_000);
      const body = { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] };
      for (let i = 0; i < 3; i++) assert.equal((await chat(plaza, key, body)).status, 200);
      const leases = () => sql(plaza, `SELECT status, amount, posted FROM holds WHERE user_id = ${userId} AND request_id LIKE 'lease:%'`);
      assert.equal(leases().length, 1, 'three calls, one hold');
      assert.equal(sql(plaza, `SELECT COUNT(*) FROM holds WHERE user_id = ${userId} AND request_id NOT LIKE 'lease:%'`)[0][0], '0');
      // The settlements land just after the answers; the lease's funds are not shown as held.
      const wallet = await waitFor(async () => {
        const w = (await user.get('/api/wallet')).data;
        return w.paid === 97_000 ? w : null;
      }, 'the three calls to be settled');
      assert.equal(wallet.paid_held, 0);
      // The lease holds half of what the user had, more than the purchase leaves: it gives it back first.
      const plan = await admin.post('/api/admin/plans', { name: `All in ${backend}`, level: 1, period_days: 30, price: 97_000, allowances: [] });
      assert.equal(plan.status, 201, plan.text);
      const sub = await user.post('/api/wallet/subscribe', { plan_id: plan.data.id });
      assert.equal(sub.status, 200, sub.text);
      assert.equal(sub.data.paid, 0);
      assert.deepEqual(leases()[0], ['voided', '3000', '3000'], 'the lease kept what the calls posted and gave back the rest');
      assert.match(doctor(plaza), /zero drift/);

      // A lease nobody uses is given back by itself.
      const other = await userWithKey(plaza, 'idle-leaser');
      const otherId = (await me(other.user)).id;
      await grant(admin, otherId, 'paid', 50_000);
      assert.equal((await chat(plaza, other.key, body)).status, 200);
      await waitFor(() => sql(plaza, `SELECT status FROM holds WHERE user_id = ${otherId} AND request_id LIKE 'lease:%'`)[0]?.[0] === 'voided',
        'the idle lease to be given back');
      const w = await waitFor(async () => {
        const v = (await other.user.get('/api/wallet')).data;
        return v.paid === 49_000 ? v : null;
      }, 'the call to be settled');
      assert.equal(w.paid_held, 0);
    });

    it('renews a lapsed subscription while its API calls run from a lease: the lease gives back first', async () => {
      // Its own instance, whose renewal job runs every second.
      const renewing = await startPlaza({ backend, settings: { 'api-rate-per-minute': 1000000, 'reaper-interval-seconds': 1 } });
      try {
        const boss = await adminClient(renewing);
        await addChannel(boss, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['per-call'] });
        assert.equal((await boss.put('/api/admin/prices/per-call', { mode: 'per_call', per_call: 1000 })).status, 200);
        const plan = await boss.post('/api/admin/plans', { name: 'Lapsing', level: 1, period_days: 30, price: 30_000, allowances: [] });
        assert.equal(plan.status, 201, plan.text);
        const { user, key } = await userWithKey(renewing, 'lapsing');
        const userId = (await me(user)).id;
        await grant(boss, userId, 'paid', 75_000);
        assert.equal((await user.post('/api/wallet/subscribe', { plan_id: plan.data.id })).status, 200);
        // 45,000 left. The renewal job did not run before the end (the site was down, say): it ended a
        // minute ago, and calls are paid from credits again, through a lease of 16 calls' worth. Of
        // the 45,000 the lease holds 16,000 less what its calls used: a renewal that left the lease
        // alone would find 29,000 for a price of 30,000, fail, and switch renewal off.
        const now = Math.floor(Date.now() / 1000);
        const busy = renewing.backend === 'sqlite' ? 'PRAGMA busy_timeout = 5000; ' : '';
        sql(renewing, `${busy}UPDATE subscriptions SET started_at = ${now - 30 * 86400 - 60}, ends_at = ${now - 60} WHERE user_id = ${userId}`);
        const body = { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] };
        const endsAt = () => +sql(renewing, `SELECT ends_at FROM subscriptions WHERE user_id = ${userId}`)[0][0];
        // A call every quarter second keeps the lease in use (idle, it goes back after 2 seconds).
        let calls = 0, last = 0;
        await waitFor(async () => {
          if (Date.now() - last >= 250) {
            last = Date.now();
            assert.equal((await chat(renewing, key, body)).status, 200);
            calls++;
          }
          return endsAt() > now ? true : null;
        }, 'the subscription to be renewed');
        const sub = sql(renewing, `SELECT auto_renew, ends_at FROM subscriptions WHERE user_id = ${userId}`)[0];
        assert.equal(sub[0], '1', 'it still renews itself');
        assert.ok(+sub[1] >= now + 30 * 86400 - 5, 'a new period from now');
        const wallet = await waitFor(async () => {
          const w = (await user.get('/api/wallet')).data;
          return w.paid === 45_000 - 30_000 - calls * 1000 ? w : null;
        }, 'every call to be settled');
        assert.equal(wallet.subscription.plan_name, 'Lapsing');
        assert.match(doctor(renewing), /zero drift/);
      } finally {
        await renewing.stop();
      }
    });

    it('tells each user what a model costs them before they send, their group\'s multiplier applied', async () => {
      const { user } = await userWithKey(plaza, 'price-reader');
      const priceOf = async (id) => (await user.get('/api/models')).data.models.find((m) => m.id === id).price;
      assert.deepEqual(await priceOf('per-call'), { mode: 'per_call', per_call: 1000, input_per_m: 0, output_per_m: 0, cached_per_m: 0, web_free: false, web_free_daily_cap: 0 });
      assert.deepEqual(await priceOf('per-token'), { mode: 'per_token', per_call: 0, input_per_m: CREDIT, output_per_m: 2 * CREDIT, cached_per_m: CREDIT / 4, web_free: false, web_free_daily_cap: 0 });
      assert.equal((await priceOf('web-free')).web_free_daily_cap, 1);
      assert.equal((await priceOf('gpt-4o-mini')).mode, 'free', 'unpriced: free');
      // A group that pays one and a half times, rounded up to whole µc as a charge is.
      assert.equal((await admin.put('/api/admin/groups/price-readers', { multiplier_ppm: 1_500_001 })).status, 200);
      assert.equal((await admin.patch(`/api/admin/users/${(await me(user)).id}`, { group: 'price-readers' })).status, 200);
      const scaled = await waitFor(async () => { const p = await priceOf('per-call'); return p.per_call !== 1000 && p; }, 'the multiplier applied');
      assert.equal(scaled.per_call, 1501);
      assert.equal((await priceOf('per-token')).output_per_m, 3_000_002);
      assert.equal((await priceOf('per-token')).cached_per_m, 375_001);
    });

    it('funds calls from the subscription allowance first, then paid credits, and upgrades pro rata', async () => {
      const basic = await admin.post('/api/admin/plans', { name: 'Basic', level: 1, period_days: 30, price: 30 * CREDIT, allowances: [{ model: 'per-call', per_day: 1 }] });
      assert.equal(basic.status, 201, basic.text);
      const pro = await admin.post('/api/admin/plans', { name: 'Pro', level: 2, period_days: 30, price: 60 * CREDIT, allowances: [{ model: 'per-call', per_day: -1 }] });
      const { user, key } = await userWithKey(plaza, 'subscriber');
      await grant(admin, (await me(user)).id, 'paid', 100 * CREDIT);
      const sub = await user.post('/api/wallet/subscribe', { plan_id: basic.data.id });
      assert.equal(sub.status, 200, sub.text);
      assert.equal(sub.data.subscription.plan_name, 'Basic');
      assert.equal(sub.data.subscription.daily_value, CREDIT);
      assert.equal(sub.data.paid, 70 * CREDIT);
      const body = { model: 'per-call', messages: [{ role: 'user', content: 'hi' }] };
      assert.equal((await chat(plaza, key, body, { 'x-request-id': `sub1-${backend}` })).status, 200);
      assert.equal((await chat(plaza, key, body, { 'x-request-id': `sub2-${backend}` })).status, 200);
      assert.deepEqual([usageOf(plaza, `sub1-${backend}`).allowance, usageOf(plaza, `sub1-${backend}`).paid], [1000, 0]);
      assert.deepEqual([usageOf(plaza, `sub2-${backend}`).allowance, usageOf(plaza, `sub2-${backend}`).paid], [0, 1000]);
      const wallet = (await user.get('/api/wallet')).data;
      assert.deepEqual(wallet.subscription.allowances[0], { model: 'per-call', per_day: 1, used_today: 1, left_today: 0 });

      const lower = await user.post('/api/wallet/subscribe', { plan_id: basic.data.id + 1000 });
      assert.equal(lower.status, 404);
      const up = await user.post('/api/wallet/subscribe', { plan_id: pro.data.id });
      assert.equal(up.status, 200, up.text);
      assert.equal(up.data.subscription.plan_name, 'Pro');
      const paidForUpgrade = wallet.paid - up.data.paid;
      // The unused part of Basic (almost all of it) counts towards Pro: about 60 - 30 credits.
      assert.ok(paidForUpgrade >= 30 * CREDIT && paidForUpgrade <= 30 * CREDIT + 1000, `upgrade cost ${paidForUpgrade}`);
      const tx = (await user.get('/api/wallet/transactions')).data.transactions;
      assert.deepEqual(tx.slice(0, 2).map((t) => t.kind), ['upgrade', 'charge']);
      const cancelled = await user.post('/api/wallet/cancel');
      assert.equal(cancelled.data.subscription.auto_renew, false);
      // A request for several answers is paid in credits: the plan's calls count one answer each
      // (the fake answers once, whatever n asks: one call's price).
      assert.equal((await chat(plaza, key, { ...body, n: 3 }, { 'x-request-id': `sub-n3-${backend}` })).status, 200);
      assert.equal((await chat(plaza, key, { ...body, n: 1 }, { 'x-request-id': `sub-n1-${backend}` })).status, 200);
      const [three, one] = [usageOf(plaza, `sub-n3-${backend}`), usageOf(plaza, `sub-n1-${backend}`)];
      assert.deepEqual([three.cost, three.allowance, three.paid], [1000, 0, 1000]);
      assert.deepEqual([one.cost, one.allowance, one.paid], [1000, 1000, 0]);
    });

    it('charges a per-call price for each answer delivered, up to the n asked for', async () => {
      // An upstream that gives n answers, or one when told to ignore n (many do), plain or streamed.
      const answering = await startUpstream((req, res) => {
        const r = JSON.parse(req.body);
        const n = r.messages.at(-1).content.includes('IGNORE-N') ? 1 : (r.n ?? 1);
        const indexes = Array.from({ length: n }, (_, i) => i);
        if (!r.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: r.model,
            choices: indexes.map((i) => ({ index: i, message: { role: 'assistant', content: `answer ${i}` }, finish_reason: 'stop' })),
            usage: { prompt_tokens: 5, completion_tokens: 2 * n, total_tokens: 5 + 2 * n } }));
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (choices) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: r.model, choices })}\n\n`;
        res.end(indexes.map((i) => chunk([{ index: i, delta: { role: 'assistant', content: `answer ${i}` }, finish_reason: null }])).join('') + 'data: [DONE]\n\n');
      });
      await addChannel(admin, { base_url: `${answering.url}/v1`, keys: ['sk-n'], models: ['per-answer'] });
      assert.equal((await admin.put('/api/admin/prices/per-answer', { mode: 'per_call', per_call: 1000 })).status, 200);
      const { user, key } = await userWithKey(plaza, 'answers');
      await grant(admin, (await me(user)).id, 'paid', 10 * CREDIT);
      const charged = async (id, fields, content = 'hi') => {
        const res = await chat(plaza, key, { model: 'per-answer', messages: [{ role: 'user', content }], ...fields }, { 'x-request-id': `${id}-${backend}` });
        assert.equal(res.status, 200, id);
        await res.text();
        const u = await waitFor(() => usageOf(plaza, `${id}-${backend}`), `the usage of ${id}`);
        return [u.cost, u.paid];
      };
      assert.deepEqual(await charged('n3', { n: 3 }), [3000, 3000]);
      assert.deepEqual(await charged('n3-ignored', { n: 3 }, 'IGNORE-N'), [1000, 1000], 'one answer came: one call');
      assert.deepEqual(await charged('n3-streamed', { n: 3, stream: true }), [3000, 3000]);
      assert.deepEqual(await charged('n3-streamed-ignored', { n: 3, stream: true }, 'IGNORE-N'), [1000, 1000]);
      assert.deepEqual(await charged('n1', {}), [1000, 1000]);
    });

    it('refuses a "higher" plan worth less than the unused days of the current one', async () => {
      const pro = await admin.post('/api/admin/plans', { name: `Pro2 ${backend}`, level: 2, period_days: 30, price: 60 * CREDIT, allowances: [] });
      const promo = await admin.post('/api/admin/plans', { name: `TopPromo ${backend}`, level: 4, period_days: 30, price: 10 * CREDIT, allowances: [] });
      const { user } = await userWithKey(plaza, 'downgrader');
      const userId = (await me(user)).id;
      await grant(admin, userId, 'paid', 60 * CREDIT);
      assert.equal((await user.post('/api/wallet/subscribe', { plan_id: pro.data.id })).status, 200);
      // The wallet says what the unused days are worth, so the web can tell before the click: about
      // all of Pro2's 60 credits, more than TopPromo's 10 (the refusal names the same amount).
      const credit = (await user.get('/api/wallet')).data.subscription.upgrade_credit;
      assert.ok(credit > 59 * CREDIT && credit <= 60 * CREDIT, `upgrade_credit ${credit}`);
      const refused = await user.post('/api/wallet/subscribe', { plan_id: promo.data.id });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.data.error.code, 'conflict');
      assert.match(refused.data.error.message, /unused part .* worth .*not an upgrade/);
      const named = Number(/worth ([\d.]+) credits/.exec(refused.data.error.message)[1]) * CREDIT;
      assert.ok(named <= credit && credit - named < CREDIT / 1000, `the refusal's ${named} is the wallet's ${credit}, a moment later`);
      const wallet = (await user.get('/api/wallet')).data;
      assert.equal(wallet.subscription.plan_name, `Pro2 ${backend}`, 'the current plan stays');
      // Nothing was charged nor changed (a switch the unused days pay for exactly is wallet_test's).
      assert.equal(wallet.paid, 0);
      assert.deepEqual((await user.get('/api/wallet/transactions')).data.transactions.map((t) => t.kind), ['subscribe', 'grant']);
    });

    it('keeps purchases to what is on sale and paid for, and request ids to one operation', async () => {
      // A credit pack at 0 would mint paid credits.
      const free = await admin.post('/api/admin/packs', { name: 'Trial', kind: 'credit', price: 0, credits: 5 * CREDIT });
      assert.equal(free.status, 400, free.text);
      assert.equal(free.data.error.field ?? free.data.error.param, 'price');
      assert.match(free.data.error.message, /gift credits|redeem codes/);
      const pack10 = await admin.post('/api/admin/packs', { name: `Ten ${backend}`, kind: 'credit', price: 10 * CREDIT, credits: 12 * CREDIT });
      const pack5 = await admin.post('/api/admin/packs', { name: `Five ${backend}`, kind: 'credit', price: 5 * CREDIT, credits: 5 * CREDIT });
      const plan = await admin.post('/api/admin/plans', { name: `Retiring ${backend}`, level: 1, period_days: 30, price: 30 * CREDIT, allowances: [] });
      assert.equal(plan.status, 201, plan.text);

      // Gift credits do not buy: the refusal says so, with what is needed and what is there.
      const { user } = await userWithKey(plaza, 'gifted');
      const userId = (await me(user)).id;
      await grant(admin, userId, 'gift', 50 * CREDIT);
      for (const r of [await user.post(`/api/packs/${pack10.data.id}/buy`), await user.post('/api/wallet/subscribe', { plan_id: plan.data.id })]) {
        assert.equal(r.status, 402, r.text);
        assert.match(r.data.error.message, /paid credits only.*costs (10|30) credits.*you have 0 paid credits/);
      }

      // The same request id: again for the same operation is a retry (nothing happens twice);
      // for another amount, target or operation it is refused.
      const once = await admin.post(`/api/admin/users/${userId}/credits`, { source: 'paid', amount: 5 * CREDIT, reason: 'r' }, { headers: { 'x-request-id': `op-1-${backend}` } });
      assert.equal(once.status, 200, once.text);
      const again = await admin.post(`/api/admin/users/${userId}/credits`, { source: 'paid', amount: 5 * CREDIT, reason: 'r' }, { headers: { 'x-request-id': `op-1-${backend}` } });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.data.paid, 5 * CREDIT, 'granted once');
      const other = await admin.post(`/api/admin/users/${userId}/credits`, { source: 'paid', amount: 7 * CREDIT, reason: 'r' }, { headers: { 'x-request-id': `op-1-${backend}` } });
      assert.equal(other.status, 409, other.text);
      assert.equal(other.data.error.code, 'conflict');
      assert.match(other.data.error.message, new RegExp(`op-1-${backend}`));
      await grant(admin, userId, 'paid', 30 * CREDIT);
      const bought = await user.post(`/api/packs/${pack5.data.id}/buy`, {}, { headers: { 'x-request-id': `buy-1-${backend}` } });
      assert.equal(bought.status, 200, bought.text);
      assert.equal((await user.post(`/api/packs/${pack5.data.id}/buy`, {}, { headers: { 'x-request-id': `buy-1-${backend}` } })).status, 200);
      const otherPack = await user.post(`/api/packs/${pack10.data.id}/buy`, {}, { headers: { 'x-request-id': `buy-1-${backend}` } });
      assert.equal(otherPack.status, 409, otherPack.text);
      const otherOp = await user.post('/api/wallet/subscribe', { plan_id: plan.data.id }, { headers: { 'x-request-id': `buy-1-${backend}` } });
      assert.equal(otherOp.status, 409, otherOp.text);
      assert.equal((await user.get('/api/wallet')).data.paid, 35 * CREDIT, 'one pack of 5 for 5, nothing else');

      // A plan taken off sale runs to its end and is not renewed.
      assert.equal((await user.post('/api/wallet/subscribe', { plan_id: plan.data.id })).status, 200);
      const off = await admin.put(`/api/admin/plans/${plan.data.id}`, { name: `Retiring ${backend}`, level: 1, period_days: 30, price: 30 * CREDIT, allowances: [], enabled: false });
      assert.equal(off.status, 200, off.text);
      const renew = await user.post('/api/wallet/renew');
      assert.equal(renew.status, 409, renew.text);
      assert.match(renew.data.error.message, /no longer sold/);
      const wallet = (await user.get('/api/wallet')).data;
      assert.equal(wallet.subscription.plan_name, `Retiring ${backend}`, 'it runs to its end');
      assert.equal(wallet.subscription.auto_renew, false, 'and says it does not renew');
      assert.equal(wallet.paid, 5 * CREDIT);
      assert.match(doctor(plaza), /zero drift/);
    });

    it('sells a pack with a per-user limit that many times to each user, even to concurrent buys', async () => {
      const trial = await admin.post('/api/admin/packs', { name: `Trial ${backend}`, kind: 'count', price: 0, calls: 3, models: ['per-call'], per_user_limit: 1 });
      assert.equal(trial.status, 201, trial.text);
      assert.equal(trial.data.per_user_limit, 1);
      const listed = (await admin.get('/api/admin/packs')).data.packs.find((p) => p.id === trial.data.id);
      assert.equal(listed.per_user_limit, 1);
      const { user } = await userWithKey(plaza, 'trier');
      // Two buys at once, each with its own request id: one wins, the other hears the limit.
      const buys = await Promise.all([1, 2, 3].map((i) => user.post(`/api/packs/${trial.data.id}/buy`, {}, { headers: { 'x-request-id': `trial-${i}-${backend}` } })));
      assert.deepEqual(buys.map((r) => r.status).sort(), [200, 409, 409], buys.map((r) => r.text).join('\n'));
      const refused = buys.find((r) => r.status === 409);
      assert.equal(refused.data.error.code, 'conflict');
      assert.match(refused.data.error.message, new RegExp(`Trial ${backend} can be bought 1 time per user`));
      let wallet = (await user.get('/api/wallet')).data;
      assert.equal(wallet.packs.length, 1, 'one trial pack, not three');
      assert.deepEqual(wallet.pack_purchases, [{ pack_id: trial.data.id, bought: 1 }]);
      assert.equal((await user.get('/api/packs')).data.packs.find((p) => p.id === trial.data.id).per_user_limit, 1);
      // Another user has their own count; removing the limit (null) sells it again.
      const { user: other } = await userWithKey(plaza, 'trier2');
      assert.equal((await other.post(`/api/packs/${trial.data.id}/buy`)).status, 200);
      const bad = await admin.put(`/api/admin/packs/${trial.data.id}`, { name: `Trial ${backend}`, kind: 'count', price: 0, calls: 3, models: ['per-call'], per_user_limit: 0 });
      assert.equal(bad.status, 400, bad.text);
      const open = await admin.put(`/api/admin/packs/${trial.data.id}`, { name: `Trial ${backend}`, kind: 'count', price: 0, calls: 3, models: ['per-call'], per_user_limit: null });
      assert.equal(open.status, 200, open.text);
      assert.equal(open.data.per_user_limit, null);
      assert.equal((await user.post(`/api/packs/${trial.data.id}/buy`)).status, 200);
      wallet = (await user.get('/api/wallet')).data;
      assert.equal(wallet.packs.length, 2);
      assert.deepEqual(wallet.pack_purchases, [{ pack_id: trial.data.id, bought: 2 }]);
      assert.match(doctor(plaza), /zero drift/);
    });

    it('reports credit packs apart from sales, and names the app of each usage row', async () => {
      const revenueToday = async () => {
        const days = (await admin.get('/api/admin/revenue')).data.days;
        return days.reduce((t, d) => ({ pack_sales: t.pack_sales + d.pack_sales, credit_packs: t.credit_packs + d.credit_packs, usage_paid: t.usage_paid + d.usage_paid }), { pack_sales: 0, credit_packs: 0, usage_paid: 0 });
      };
      const before = await revenueToday();
      const count = await admin.post('/api/admin/packs', { name: `Calls ${backend}`, kind: 'count', price: 2 * CREDIT, calls: 3, models: ['per-call'] });
      const credit = await admin.post('/api/admin/packs', { name: `Credits ${backend}`, kind: 'credit', price: 10 * CREDIT, credits: 12 * CREDIT });
      const { user, key } = await userWithKey(plaza, 'reported');
      const userId = (await me(user)).id;
      await grant(admin, userId, 'paid', 12 * CREDIT);
      assert.equal((await user.post(`/api/packs/${count.data.id}/buy`)).status, 200);
      assert.equal((await user.post(`/api/packs/${credit.data.id}/buy`)).status, 200);
      const after = await revenueToday();
      assert.equal(after.pack_sales - before.pack_sales, 2 * CREDIT, 'the count pack is a sale');
      assert.equal(after.credit_packs - before.credit_packs, 10 * CREDIT, 'the credit pack is an exchange, shown apart');

      // A user's usage rows carry the app they chatted with, as the relay records it.
      const made = await user.post('/api/apps', { slug: 'reported-app', title: 'Reported', default_model: 'per-call', visibility: 'public' });
      assert.equal(made.status, 201, made.text);
      assert.equal((await user.post('/api/apps/reported-app/submit')).status, 200);
      const approved = await admin.post('/api/admin/reviews/reported-app/approve');
      assert.equal(approved.status, 200, approved.text);
      const appId = made.data.id;
      const r = await chat(plaza, key, { model: 'app/reported-app', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': `app-row-${backend}` });
      assert.equal(r.status, 200, await r.text());
      await waitFor(() => usageOf(plaza, `app-row-${backend}`), 'the call logged');
      const mine = (await user.get('/api/usage')).data.usage.find((u) => u.request_id === `u${userId}:app-row-${backend}`);
      assert.ok(mine, 'the app chat is among the user\'s usage rows');
      assert.equal(mine.app_id, appId, 'the row names the app');
      const rows = (await user.get(`/api/usage?app_id=${appId}`)).data.usage;
      assert.deepEqual(rows.map((u) => u.app_id), [appId]);
      const csv = (await user.get(`/api/usage?app_id=${appId}&format=csv`)).text.trim().split('\n');
      assert.equal(csv[1].split(',')[csv[0].split(',').indexOf('app_id')], String(appId));
    });

    it('makes web_free models free on the web within the daily cap, and priced on the API', async () => {
      const { user, key } = await userWithKey(plaza, 'webber');
      await grant(admin, (await me(user)).id, 'paid', 10_000);
      for (let i = 0; i < 2; i++) {
        const r = await user.post('/api/chat', { model: 'web-free', content: `hi ${i}` }, { headers: { 'x-request-id': `web${i}-${backend}` } });
        assert.equal(r.status, 200);
        assert.equal(parseEvents(r.text).at(-1).event, 'done');
      }
      assert.equal(usageOf(plaza, `web0-${backend}`).cost, 0);
      assert.equal(usageOf(plaza, `web0-${backend}`).priced, false);
      assert.equal(usageOf(plaza, `web1-${backend}`).paid, 500, 'past the fair-use cap the web pays');
      await chat(plaza, key, { model: 'web-free', messages: [{ role: 'user', content: 'hi' }] }, { 'x-request-id': `webapi-${backend}` });
      assert.equal(usageOf(plaza, `webapi-${backend}`).paid, 500);
      const usage = await user.get('/api/usage?surface=web');
      const id = (await me(user)).id;
      assert.deepEqual(usage.data.usage.map((u) => u.request_id).sort(), [`u${id}:web0-${backend}`, `u${id}:web1-${backend}`]);
      const csv = await user.get('/api/usage?format=csv');
      assert.match(csv.headers.get('content-type'), /text\/csv/);
      assert.equal(csv.text.trim().split('\n').length, 4, 'a header and three rows');
      const daily = (await user.get('/api/usage/daily')).data.days;
      assert.equal(daily.find((d) => d.model === 'web-free').paid_uc, 1000);
    });

    it('refuses bad billing input with a clear error and changes nothing', async () => {
      const before = (await admin.get('/api/admin/prices')).data.prices;
      for (const bad of [{ mode: 'bogus' }, { mode: 'per_call', per_call: -5 }, { mode: 'per_token', input_per_m: 'x' }]) {
        const r = await admin.put('/api/admin/prices/per-call', bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(r.data.error.code, 'invalid_request');
      }
      assert.deepEqual((await admin.get('/api/admin/prices')).data.prices, before);
      assert.equal((await admin.post('/api/admin/plans', { name: 'x', period_days: 31, price: 1 })).status, 400);
      assert.equal((await admin.post('/api/admin/redeem-batches', { name: 'x', kind: 'paid', amount: 1, count: 0 })).status, 400);
      // A multiplier for a group name no user or channel could be given.
      const groupsBefore = (await admin.get('/api/admin/groups')).data.groups;
      for (const name of ['vip.plus', 'x'.repeat(40)]) {
        const r = await admin.put(`/api/admin/groups/${name}`, { multiplier_ppm: 500_000 });
        assert.equal(r.status, 400, name);
        assert.equal(r.data.error.param ?? r.data.error.field, 'name');
      }
      assert.deepEqual((await admin.get('/api/admin/groups')).data.groups, groupsBefore);
      const { user } = await userWithKey(plaza, 'grantee');
      const id = (await me(user)).id;
      const deduct = await admin.post(`/api/admin/users/${id}/credits`, { source: 'paid', amount: -1, reason: 'too much' });
      assert.equal(deduct.status, 402, 'a balance never goes below zero');
      assert.equal((await admin.post(`/api/admin/users/${id}/credits`, { source: 'cash', amount: 1, reason: 'r' })).status, 400);
      assert.equal((await user.post('/api/wallet/subscribe', {})).status, 400);
    });
  });
}

describe('a crash during held streams', () => {
  it('loses no money: after SIGKILL and a restart the reaper voids every hold and doctor finds no drift', async () => {
    const fake = await startFake();
    const settings = { 'api-rate-per-minute': 1000000, 'hold-ttl-seconds': 2, 'reaper-interval-seconds': 86400, 'lease-seconds': 1 };
    let plaza = await startPlaza({ backend: 'sqlite', settings });
    try {
      const admin = await adminClient(plaza);
      await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['per-call'] });
      await admin.put('/api/admin/prices/per-call', { mode: 'per_call', per_call: 1000 });
      const { user, key } = await userWithKey(plaza, 'victim');
      await grant(admin, (await me(user)).id, 'paid', 10_000);
      // Two short calls first: they draw on a lease, which the crash leaves pending too.
      for (let i = 0; i < 2; i++)
        assert.equal((await chat(plaza, key, { model: 'per-call', messages: [{ role: 'user', content: 'x' }] })).status, 200);
      await waitFor(async () => (await user.get('/api/wallet')).data.paid === 8000, 'the short calls to be settled');
      const readers = [];
      for (let i = 0; i < 3; i++) {
        const res = await chat(plaza, key, { model: 'per-call', stream: true, messages: [{ role: 'user', content: 'x [[fake:stall after=1]]' }] });
        const reader = res.body.getReader();
        await reader.read();
        readers.push(reader);
      }
      assert.equal((await user.get('/api/wallet')).data.paid_held, 3000, 'three streams hold funds');
      await plaza.kill();
      for (const r of readers) await r.cancel().catch(() => {});
      plaza = await startPlaza({ restart: plaza, settings: { ...settings, 'reaper-interval-seconds': 1 } });
      const relogged = new Client(plaza.url);
      assert.equal((await relogged.post('/api/auth/login', { username: 'victim', password: 'password-1' })).status, 200);
      const wallet = await waitFor(async () => {
        const w = (await relogged.get('/api/wallet')).data;
        const pending = sql(plaza, "SELECT COUNT(*) FROM holds WHERE status = 'pending'")[0][0];
        return w.paid_held === 0 && pending === '0' ? w : null;
      }, 'the reaper to void the expired holds and the lease');
      assert.equal(wallet.paid, 8000, 'the short calls were charged; nothing for streams nobody settled');
      const report = doctor(plaza);
      assert.match(report, /zero drift/);
      assert.match(report, /holds past their expiry: 0/);
      assert.match(report, /holds pending: 0 \(leases on credits: 0\)/);
    } finally {
      await plaza.stop();
      await fake.stop();
    }
  });
});
