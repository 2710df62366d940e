// Several instances over one PostgreSQL database: what is changed on one reaches the caches of the
// others at once (LISTEN/NOTIFY), not after their refresh periods, which these tests set to ten
// minutes so that only the announcement can explain what they see.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlaza } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, userWithKey, waitFor, sql, chatCompletion, ask, parseEvents, startWebAnswer } from '../lib/site.mjs';
import { Client } from '../lib/client.mjs';

// Every instance needs the same secret_key (it opens the channel keys): 32 bytes, base64.
// Leases last ten minutes too, idle or not.
const settings = {
  'secret-key': Buffer.alloc(32, 7).toString('base64'),
  'channel-refresh-ms': 600000, 'api-key-cache-ms': 600000, 'api-rate-per-minute': 100000,
  'lease-seconds': 600, 'lease-idle-seconds': 600,
};

describe('two instances on postgres', () => {
  let a, b, fake, admin, user, key;
  before(async () => {
    fake = await startFake({ requireKeys: ['sk-up'] });
    a = await startPlaza({ backend: 'postgres', settings });
    b = await startPlaza({ restart: { backend: 'postgres', databaseUrl: a.databaseUrl }, settings });
    admin = await adminClient(a);
    ({ user, key } = await userWithKey(a));
  });
  after(async () => { await b?.stop(); await a?.stop(); await fake?.stop(); });

  const chat = (plaza, model) => chatCompletion(plaza, key, ask(model));
  // A model the fake serves at `perCall` µc a call, and a user with `paid` µc of paid credits.
  const pricedModel = async (model, perCall) => {
    await addChannel(admin, { name: model, base_url: `${fake.url}/v1`, keys: ['sk-up'], models: [model] });
    assert.equal((await admin.put(`/api/admin/prices/${model}`, { mode: 'per_call', per_call: perCall })).status, 200);
  };
  const fundedUser = async (name, paid) => {
    const { user: u, key: k } = await userWithKey(a, name);
    const id = (await u.get('/api/me')).data.user.id;
    assert.equal((await admin.post(`/api/admin/users/${id}/credits`, { source: 'paid', amount: paid, reason: 'test funds' })).status, 200);
    return { id, key: k };
  };
  const models = (plaza) => fetch(`${plaza.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

  it('a channel added or deleted on one instance is served or gone on the other at once', async () => {
    assert.equal((await chat(b, 'shared-model')).status, 404, 'B has read the channels (none) and keeps them');
    const ch = await addChannel(admin, { name: 'shared', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['shared-model'] });
    await waitFor(async () => (await chat(b, 'shared-model')).status === 200, 'B to serve the new channel', 5000);
    assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
    await waitFor(async () => (await chat(b, 'shared-model')).status === 404, 'B to drop the deleted channel', 5000);
  });

  it('a grant on one instance makes the other give back its lease on the user\'s credits at once', async () => {
    await addChannel(admin, { name: 'priced', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['per-call'] });
    assert.equal((await admin.put('/api/admin/prices/per-call', { mode: 'per_call', per_call: 1000 })).status, 200);
    const userId = (await user.get('/api/me')).data.user.id;
    assert.equal((await admin.post(`/api/admin/users/${userId}/credits`, { source: 'paid', amount: 1_000_000, reason: 'test funds' })).status, 200);
    const pending = () => Number(sql(a, `SELECT COUNT(*) FROM holds WHERE user_id = ${userId} AND status = 'pending'`)[0][0]);
    await waitFor(async () => (await chat(b, 'per-call')).status === 200, 'B to serve the priced model', 5000);
    await waitFor(() => pending() === 1, 'the settled call, leaving B\'s lease as the one pending hold', 5000);
    assert.equal((await admin.post(`/api/admin/users/${userId}/credits`, { source: 'gift', amount: 5000, reason: 'more' })).status, 200);
    await waitFor(() => pending() === 0, 'B to give its lease back', 5000);
  });

  it('an unlock spends the credits a lease set aside, as a purchase does', async () => {
    const maker = new Client(a.url);
    await maker.register('maker', 'password-1');
    const created = await maker.post('/api/apps', { slug: 'unlock-me', title: 'Unlock me', default_model: 'per-call', visibility: 'public',
      pricing: { mode: 'one_time', price: 2_000_000 }, preset: { system_prompt: 'be brief' } });
    assert.equal(created.status, 201, created.text);
    assert.equal((await maker.post('/api/apps/unlock-me/submit')).status, 200);
    assert.equal((await admin.post('/api/admin/reviews/unlock-me/approve')).status, 200);
    const { user: buyer, key: buyerKey } = await userWithKey(a, 'buyer');
    const buyerId = (await buyer.get('/api/me')).data.user.id;
    assert.equal((await admin.post(`/api/admin/users/${buyerId}/credits`, { source: 'paid', amount: 2_050_000, reason: 'just enough' })).status, 200);
    // A call opens a lease of 0.1 credit: without it given back, 1.95 credits would be left for a 2-credit unlock.
    const call = await chatCompletion(a, buyerKey, ask('per-call'));
    assert.equal(call.status, 200);
    await waitFor(() => Number(sql(a, `SELECT COUNT(*) FROM holds WHERE user_id = ${buyerId} AND status = 'pending'`)[0][0]) === 1, 'the lease');
    const unlocked = await buyer.post('/api/apps/unlock-me/unlock');
    assert.equal(unlocked.status, 200, unlocked.text);
    assert.equal(unlocked.data.unlocked, true);
  });

  it('a call short of credits another instance\'s lease holds gets them back instead of a 402', async () => {
    await pricedModel('pricey', 100_000);
    const { id: streamerId, key: streamerKey } = await fundedUser('streamer', 150_000);
    const leased = () => Number(sql(a, `SELECT COALESCE(SUM(amount - posted), 0) FROM holds WHERE user_id = ${streamerId} AND status = 'pending' AND request_id LIKE 'lease:%'`)[0][0]);
    // A short call on A opens a lease of half the credits (75,000 µc), which stays open.
    assert.equal((await chatCompletion(a, streamerKey, ask('per-call'))).status, 200);
    await waitFor(() => leased() > 0, 'A\'s lease');
    // A stream on B may cost 100,000 µc: more than the 74,000 the lease leaves, less than the user has.
    await waitFor(async () => (await chatCompletion(b, key, ask('pricey'))).status !== 404, 'B to serve the pricey model', 5000);
    const stream = await chatCompletion(b, streamerKey, { ...ask('pricey'), stream: true });
    assert.equal(stream.status, 200, await stream.clone().text());
    await stream.text();
    await waitFor(() => leased() === 0, 'A to have given its lease back');
    const paid = () => Number(sql(a, `SELECT balance FROM ledger_accounts WHERE kind = 'paid' AND user_id = ${streamerId}`)[0][0]);
    await waitFor(() => paid() === 150_000 - 1_000 - 100_000, 'both calls charged, once each');
  });

  it('an instance that could not listen for a while gives back its leases when it listens again', async () => {
    await pricedModel('per-call-again', 1000);
    const { id: spenderId, key: spenderKey } = await fundedUser('spender', 1_000_000);
    const pending = () => Number(sql(a, `SELECT COUNT(*) FROM holds WHERE user_id = ${spenderId} AND status = 'pending'`)[0][0]);
    await waitFor(async () => (await chatCompletion(b, spenderKey, ask('per-call-again'))).status === 200, 'B to serve the priced model', 5000);
    await waitFor(() => pending() === 1, 'B\'s lease, once the call is settled', 5000);
    // Both instances lose their listening connection: a wallet change may have been announced meanwhile.
    const cut = sql(a, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN plaza_changes' AND datname = current_database()");
    assert.equal(cut.length, 2, 'one listener per instance');
    await waitFor(() => pending() === 0, 'B to give its lease back once it listens again', 10000);
  });

  it('failed sign-ins on one instance count on the other', async () => {
    const c = new Client(a.url);
    await c.register('guarded', 'password-1');
    const attempt = (plaza, password) => new Client(plaza.url).post('/api/auth/login', { username: 'guarded', password });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(i % 2 ? b : a, `wrong-${i}-xx`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401], 'the free failures, spread over both instances');
    const blocked = await attempt(b, 'password-1');
    assert.equal(blocked.status, 429, 'B counts the failures made on A: even the right password waits');
    assert.equal((await attempt(a, 'password-1')).status, 429);
  });

  it('a conversation gives one answer at a time, whichever instance each request goes to', async () => {
    await addChannel(admin, { name: 'answers', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['lease-model'] });
    await waitFor(async () => (await chat(b, 'lease-model')).status === 200, 'B to serve the new channel', 5000);
    const onB = new Client(b.url);
    for (const [name, value] of user.cookies) onB.cookies.set(name, value);  // the same sign-in, on B
    // An answer that has ended has given the conversation back by the time the client hears the end.
    const first = await user.post('/api/chat', { model: 'lease-model', content: 'hello' });
    assert.match(first.text, /event: done/);
    const started = JSON.parse(parseEvents(first.text).find((e) => e.event === 'meta').data).conversation_id;
    const right_after = await onB.post('/api/chat', { model: 'lease-model', conversation_id: started, content: 'and then?' });
    assert.equal(right_after.status, 200, right_after.text);
    const { conversationId, stop } = await startWebAnswer(a.url, user, { model: 'lease-model', content: 'long [[fake:stall after=2]]' });
    const busy = await onB.post('/api/chat', { model: 'lease-model', conversation_id: conversationId, content: 'me too' });
    assert.equal(busy.status, 409, 'B refuses while A answers');
    assert.equal((await onB.get(`/api/conversations/${conversationId}`)).data.messages.length, 1, 'and stores nothing');
    stop();
    // A gives the lease back as the stopped answer ends; then B answers.
    const next = await waitFor(async () => {
      const r = await onB.post('/api/chat', { model: 'lease-model', conversation_id: conversationId, content: 'now me' });
      return r.status === 200 && r;
    }, 'the lease to be given back', 10000);
    assert.match(next.text, /event: done/);
    const messages = (await onB.get(`/api/conversations/${conversationId}`)).data.messages;
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
    assert.equal(messages[1].status, 'cancelled');
  });

  it('an image uploaded on one instance is served by the other, and images from before migration 17 are copied in', async () => {
    const png = (text) => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from(text)]);
    const nameOf = (bytes) => `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.png`;
    // As its uploader sees it (an image nothing public names is theirs alone), on either instance.
    const cookie = [...user.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const image = (plaza, name) => fetch(`${plaza.url}/uploads/${name}`, { headers: { cookie } });
    const avatar = png('an avatar taken by A');
    const up = await user.request('POST', '/api/uploads', { body: avatar, headers: { 'content-type': 'image/png' } });
    assert.equal(up.status, 201, up.text);
    const served = await image(b, nameOf(avatar));
    assert.equal(served.status, 200, 'B has no copy in its folder: the database has the image');
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), avatar);
    assert.ok(existsSync(join(b.dataDir, 'uploads', nameOf(avatar))), 'B keeps a copy of what it served');

    // An instance from before migration 17 wrote its images into its own folder only.
    const folder = mkdtempSync(join(tmpdir(), 'plaza-old-'));
    mkdirSync(join(folder, 'uploads'));
    const old = png('an avatar taken before migration 17'), liar = png('bytes whose name is another\'s');
    writeFileSync(join(folder, 'uploads', nameOf(old)), old);
    writeFileSync(join(folder, 'uploads', nameOf(png('another'))), liar);
    assert.equal((await image(b, nameOf(old))).status, 404);
    const c = await startPlaza({ restart: { backend: 'postgres', databaseUrl: a.databaseUrl, dataDir: folder }, settings });
    try {
      const copied = await image(b, nameOf(old));
      assert.equal(copied.status, 200, 'C copied its folder into the database as it started');
      assert.deepEqual(Buffer.from(await copied.arrayBuffer()), old);
      assert.equal((await image(b, nameOf(png('another')))).status, 404, 'a file whose name lies is left out');
    } finally {
      await c.stop();
    }
  });

  it('a key revoked on one instance is refused by the other at once', async () => {
    assert.equal((await models(b)).status, 200, 'B has read (and keeps) the key');
    const id = (await user.get('/api/keys')).data.keys[0].id;
    assert.equal((await user.delete(`/api/keys/${id}`)).status, 204);
    await waitFor(async () => (await models(b)).status === 401, 'B to refuse the revoked key', 5000);
    assert.equal((await models(a)).status, 401);
  });
});
