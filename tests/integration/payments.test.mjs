// Top-ups through Stripe Checkout over real HTTP, on SQLite and PostgreSQL, against a fake Stripe that
// speaks Stripe's protocol (tests/lib/fake_stripe.mjs): the admin's provider settings (secrets never
// returned), checkout and the form Stripe receives, signed webhooks fulfilling exactly once under
// duplicate and concurrent deliveries, refusals that change nothing, the page's refresh, and the
// ledger and revenue report afterwards.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlaza, backends } from '../lib/server.mjs';
import { Client } from '../lib/client.mjs';
import { adminClient, addChannel, userWithKey, chatCompletion, sql, waitFor } from '../lib/site.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { startFakeStripe } from '../lib/fake_stripe.mjs';

const SECRET_KEY = 'sk_test_plaza_5ecret_never_shown';
const WEBHOOK_SECRET = 'whsec_plaza_webhook_5ecret';
const PUBLIC_URL = 'https://plaza.example.test';
const WEBHOOK = '/api/payments/stripe/webhook';

for (const backend of backends) {
  describe(`payments on ${backend}`, () => {
    let plaza, fake, admin, alice, bob;
    const texts = [];  // every response body a client saw, to look for the secrets in

    // A client that keeps what it was answered.
    function recording(client) {
      const request = client.request.bind(client);
      client.request = async (...args) => {
        const r = await request(...args);
        texts.push(r.text, JSON.stringify([...r.headers]));
        return r;
      };
      return client;
    }

    async function paidBalance(client) {
      const r = await client.get('/api/wallet');
      assert.equal(r.status, 200, r.text);
      return r.data.paid;
    }

    async function checkout(client, amount, headers = {}) {
      const r = await client.post('/api/payments/checkout', { amount }, { headers });
      assert.equal(r.status, 200, r.text);
      return r.data;
    }

    const sessionOf = (url) => new URL(url).pathname.split('/pay/')[1];  // Stripe's page URLs carry a fragment

    // The order as stored, without the refresh a user's GET may make.
    async function adminOrder(id) {
      const r = await admin.get('/api/admin/payments/orders?limit=200');
      assert.equal(r.status, 200, r.text);
      return r.data.orders.find((o) => o.id === id);
    }

    before(async () => {
      fake = await startFakeStripe({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
      plaza = await startPlaza({ backend, settings: { 'api-rate-per-minute': 1000000, 'public-url': PUBLIC_URL } });
      fake.webhookUrl = plaza.url + WEBHOOK;
      admin = recording(await adminClient(plaza));
      alice = recording(new Client(plaza.url));
      await alice.register('alice', 'password-1');
      bob = recording(new Client(plaza.url));
      await bob.register('bob', 'password-1');
    });
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    it('is off until an admin configures it: 409 payments_disabled, webhooks refused', async () => {
      const info = await alice.get('/api/payments');
      assert.equal(info.status, 200, info.text);
      assert.equal(info.data.enabled, false);
      assert.equal(info.data.provider, '');
      assert.equal(info.data.currency, 'CNY');
      assert.equal(info.data.credits_per_currency_unit, 10);
      const r = await alice.post('/api/payments/checkout', { amount: 1000 });
      assert.equal(r.status, 409, r.text);
      assert.equal(r.data.error.code, 'payments_disabled');
      const hook = await fake.sendEvent('checkout.session.completed', { id: 'cs_x', metadata: { order_id: '1' } });
      assert.equal(hook.status, 400, hook.text);
      assert.equal(fake.creations().length, 0);
    });

    it('lets an admin configure Stripe, validates it, and never returns the secrets', async () => {
      const bad = [
        [{ kind: 'paypal' }, 'kind'],
        [{ kind: 'stripe', api_base: 'ftp://x', secret_key: SECRET_KEY }, 'api_base'],
        // The key would travel in clear text: http only to a loopback fake.
        [{ kind: 'stripe', api_base: 'http://api.stripe.example', secret_key: SECRET_KEY }, 'api_base'],
        [{ kind: 'stripe', api_base: 'http://10.0.0.7:8080', secret_key: SECRET_KEY }, 'api_base'],
        [{ kind: 'stripe', api_base: 'javascript:alert(1)', secret_key: SECRET_KEY }, 'api_base'],
        [{ kind: 'stripe', api_base: fake.url, secret_key: SECRET_KEY, min_amount: 0 }, 'min_amount'],
        [{ kind: 'stripe', api_base: fake.url, secret_key: SECRET_KEY, min_amount: 500, max_amount: 400 }, 'max_amount'],
        [{ kind: 'stripe', api_base: fake.url, secret_key: SECRET_KEY, max_amount: 10_000_001 }, 'max_amount'],
        [{ kind: 'stripe', api_base: fake.url, secret_key: SECRET_KEY, min_amount: 1.5 }, 'min_amount'],
        [{ kind: 'stripe', api_base: fake.url }, 'secret_key'],
      ];
      for (const [body, field] of bad) {
        const r = await admin.put('/api/admin/payments/provider', body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.data.error.field, field, r.text);
      }
      assert.equal((await admin.get('/api/admin/payments/provider')).data.kind, '', 'a refused change changes nothing');
      const user = await alice.put('/api/admin/payments/provider', { kind: 'stripe' });
      assert.equal(user.status, 403);

      const r = await admin.put('/api/admin/payments/provider', {
        kind: 'stripe', api_base: fake.url, min_amount: 100, max_amount: 1_000_000,
        secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET,
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.data, {
        kind: 'stripe', api_base: fake.url, min_amount: 100, max_amount: 1_000_000,
        has_secret_key: true, has_webhook_secret: true, webhook_url: `${PUBLIC_URL}${WEBHOOK}`,
      });
      // Omitted secrets are kept; a new api_base needs the key again (it would be sent there).
      const keep = await admin.put('/api/admin/payments/provider', { kind: 'stripe', min_amount: 100 });
      assert.equal(keep.status, 200, keep.text);
      assert.equal(keep.data.has_secret_key, true);
      assert.equal(keep.data.has_webhook_secret, true);
      const moved = await admin.put('/api/admin/payments/provider', { kind: 'stripe', api_base: 'https://evil.example' });
      assert.equal(moved.status, 400, moved.text);
      assert.equal(moved.data.error.field, 'secret_key');
      const audit = await admin.get('/api/admin/audit');
      const saves = audit.data.entries.filter((e) => e.action === 'payments.provider').map((e) => e.detail);
      assert.ok(saves.some((d) => d.endsWith(' secret key replaced webhook secret replaced')), audit.text);
      assert.ok(saves.some((d) => d === 'stripe ' + fake.url + ' 100..1000000'), 'a save that kept the secrets says nothing of them');
      assert.ok(!audit.text.includes(SECRET_KEY) && !audit.text.includes(WEBHOOK_SECRET), 'never the secrets');

      const info = await alice.get('/api/payments');
      assert.deepEqual(info.data, { enabled: true, provider: 'stripe', currency: 'CNY', min_amount: 100, max_amount: 1_000_000, credits_per_currency_unit: 10 });
    });

    it('refuses bad amounts with 400 naming the field, and makes no order', async () => {
      for (const amount of ['1000', 10.5, 99, 1_000_001, null, -100, 2 ** 64]) {
        const r = await alice.post('/api/payments/checkout', { amount });
        assert.equal(r.status, 400, `${amount}: ${r.text}`);
        assert.equal(r.data.error.field, 'amount', r.text);
      }
      const none = await alice.post('/api/payments/checkout', {});
      assert.equal(none.status, 400, none.text);
      assert.equal((await alice.get('/api/payments/orders')).data.orders.length, 0);
      assert.equal(fake.creations().length, 0);
    });

    let paidOrder;
    it('opens a checkout session with the form Stripe expects, once per request id', async () => {
      const { order, url } = await checkout(alice, 1000, { 'x-request-id': 'topup-1' });
      const me = (await alice.get('/api/me')).data.user;
      assert.equal(order.status, 'pending');
      assert.equal(order.amount, 1000);
      assert.equal(order.currency, 'CNY');
      assert.equal(order.credits, 100_000_000, '10 yuan at 10 credits a yuan = 100 credits');
      assert.equal(order.provider, 'stripe');
      assert.equal(order.paid_at, null);
      assert.ok(Math.abs(order.created_at - Date.now() / 1000) < 60, 'created_at in unix seconds');
      assert.ok(url.startsWith(`${fake.url}/pay/cs_test_`), url);
      const [req] = fake.creations();
      assert.equal(req.headers.authorization, `Bearer ${SECRET_KEY}`);
      // A random nonce per order, not its id (ids repeat across databases on one Stripe account).
      assert.match(req.headers['idempotency-key'], /^plaza-[0-9A-Za-z]{24}$/);
      assert.match(req.headers['content-type'], /^application\/x-www-form-urlencoded/);
      assert.deepEqual(req.form, {
        mode: 'payment',
        success_url: `${PUBLIC_URL}/wallet?payment=${order.id}`,
        cancel_url: `${PUBLIC_URL}/wallet?payment=${order.id}&cancelled=1`,
        client_reference_id: String(order.id),
        metadata: { order_id: String(order.id), user_id: String(me.id), nonce: req.headers['idempotency-key'].slice('plaza-'.length) },
        expires_at: req.form.expires_at,
        line_items: [{ quantity: '1', price_data: { currency: 'cny', unit_amount: '1000', product_data: { name: '100 credits' } } }],
      });
      const expiresIn = Number(req.form.expires_at) - Date.now() / 1000;
      assert.ok(expiresIn > 3500 && expiresIn <= 3601, `the session expires in an hour: ${expiresIn}`);
      // The same request id: the same order and page, no second session.
      const again = await checkout(alice, 1000, { 'x-request-id': 'topup-1' });
      assert.equal(again.order.id, order.id);
      assert.equal(again.url, url);
      assert.equal(fake.creations().length, 1);
      const other = await alice.post('/api/payments/checkout', { amount: 2000 }, { headers: { 'x-request-id': 'topup-1' } });
      assert.equal(other.status, 409, other.text);
      // Sent five times at once: one order, one session; a retry that comes before the session is
      // written is told to try again (409), never given a failure.
      const n = fake.creations().length;
      const burst = await Promise.all(Array.from({ length: 5 }, () =>
        alice.post('/api/payments/checkout', { amount: 300 }, { headers: { 'x-request-id': 'topup-burst' } })));
      for (const r of burst) assert.ok(r.status === 200 || (r.status === 409 && /still being started/.test(r.data.error.message)), r.text);
      assert.equal(new Set(burst.filter((r) => r.status === 200).map((r) => r.data.order.id)).size, 1);
      assert.equal(fake.creations().length - n, 1, 'one session for one order');
      const settled = await checkout(alice, 300, { 'x-request-id': 'topup-burst' });
      assert.equal(settled.order.status, 'pending');
      // Bob's id of the same name is his own.
      const bobs = await checkout(bob, 500, { 'x-request-id': 'topup-1' });
      assert.notEqual(bobs.order.id, order.id);
      const keys = fake.creations().map((r) => r.headers['idempotency-key']);
      assert.equal(new Set(keys).size, keys.length, 'each order its own key');
      paidOrder = { order, session: sessionOf(url) };
    });

    it('opens one session for checkouts racing with one request id while Stripe is slow, and the order is paid', async () => {
      // Stripe refuses a second request with an Idempotency-Key whose first is still in flight (409
      // idempotency_error): that must not fail an order whose session the first request opens.
      fake.delayCreates(400);
      try {
        const n = fake.creations().length;
        const first = alice.post('/api/payments/checkout', { amount: 600 }, { headers: { 'x-request-id': 'topup-race' } });
        // The second comes while Stripe is still working on the first's session.
        await waitFor(() => fake.creations().length > n, 'the first checkout at Stripe');
        const second = await alice.post('/api/payments/checkout', { amount: 600 }, { headers: { 'x-request-id': 'topup-race' } });
        const a = await first;
        assert.equal(a.status, 200, a.text);
        assert.equal(second.status, 409, second.text);
        assert.equal(second.data.error.code, 'conflict');
        assert.match(second.data.error.message, /still being started; try again/);
        assert.equal(fake.creations().length - n, 1, 'only the request that filed the order calls Stripe');
        assert.equal((await adminOrder(a.data.order.id)).status, 'pending');
        // Asked again once the session is written: the same page.
        const again = await checkout(alice, 600, { 'x-request-id': 'topup-race' });
        assert.equal(again.url, a.data.url);
        const before = await paidBalance(alice);
        const paid = await fake.pay(sessionOf(a.data.url));
        assert.equal(paid.status, 200, paid.text);
        assert.equal((await adminOrder(a.data.order.id)).status, 'paid');
        assert.equal(await paidBalance(alice), before + a.data.order.credits);
      } finally {
        fake.delayCreates(0);
      }
    });

    it('does not fail an order when Stripe answers 409 idempotency_error', async () => {
      fake.failNextCreate(409, 'There is currently another in-progress request using this Idempotent Key', 'idempotency_error');
      const r = await alice.post('/api/payments/checkout', { amount: 500 }, { headers: { 'x-request-id': 'topup-busy' } });
      assert.equal(r.status, 409, r.text);
      assert.match(r.data.error.message, /still being started/);
      const [latest] = (await alice.get('/api/payments/orders?limit=1')).data.orders;
      assert.equal(latest.amount, 500);
      assert.equal((await adminOrder(latest.id)).status, 'pending');
    });

    it('credits the paid balance by exactly the order\'s credits when Stripe reports it paid', async () => {
      const before = await paidBalance(alice);
      const delivery = await fake.pay(paidOrder.session);
      assert.equal(delivery.status, 200, delivery.text);
      assert.deepEqual(JSON.parse(delivery.text), { received: true });
      const o = (await alice.get(`/api/payments/orders/${paidOrder.order.id}`)).data;
      assert.equal(o.status, 'paid');
      assert.ok(o.paid_at >= o.created_at);
      assert.equal(await paidBalance(alice), before + paidOrder.order.credits);
      const tx = await alice.get('/api/wallet/transactions');
      const top = tx.data.transactions.find((t) => t.memo === 'Top-up (Stripe)');
      assert.ok(top, tx.text);
      assert.equal(top.amount, paidOrder.order.credits);
      assert.equal(top.source, 'paid');
      // The same event again changes nothing.
      const dup = await fake.sendEvent('checkout.session.completed', delivery.event.data.object);
      assert.equal(dup.status, 200, dup.text);
      assert.equal(await paidBalance(alice), before + paidOrder.order.credits);
    });

    it('credits once under 10 concurrent deliveries and page refreshes', async () => {
      const { order, url } = await checkout(alice, 2500);
      const session = await fake.pay(sessionOf(url), { deliver: false });
      const before = await paidBalance(alice);
      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => fake.sendEvent('checkout.session.completed', { ...session })),
        ...Array.from({ length: 3 }, () => fake.sendEvent('checkout.session.async_payment_succeeded', { ...session })),
        ...Array.from({ length: 3 }, () => alice.get(`/api/payments/orders/${order.id}`)),
      ]);
      for (const r of results) assert.equal(r.status, 200, r.text);
      assert.equal(await paidBalance(alice), before + order.credits);
      assert.equal((await adminOrder(order.id)).status, 'paid');
    });

    it('refuses bad signatures, old timestamps and tampered bodies with 400, crediting nothing', async () => {
      const { order, url } = await checkout(alice, 700);
      const session = await fake.pay(sessionOf(url), { deliver: false });
      const before = await paidBalance(alice);
      const now = Math.floor(Date.now() / 1000);
      const wrongSecret = await fake.sendEvent('checkout.session.completed', session, { secret: 'whsec_wrong' });
      const old = await fake.sendEvent('checkout.session.completed', session, { timestamp: now - 400 });
      const none = await fake.sendEvent('checkout.session.completed', session, { signature: '' });
      const garbage = await fake.sendEvent('checkout.session.completed', session, { signature: 't=abc,v1=zz' });
      // Signed for one body, delivered with another (the amount raised).
      const signedFor = JSON.stringify({ type: 'checkout.session.completed', data: { object: session } });
      const tampered = await fake.sendEvent('checkout.session.completed', session, {
        signature: fake.signPayload(signedFor, WEBHOOK_SECRET),
        body: JSON.stringify({ type: 'checkout.session.completed', data: { object: { ...session, amount_total: 1 } } }),
      });
      for (const r of [wrongSecret, old, none, garbage, tampered]) assert.equal(r.status, 400, r.text);
      // Bodies past 64 KiB are not read, signed or not.
      const huge = JSON.stringify({ type: 'checkout.session.completed', data: { object: session }, pad: 'x'.repeat(70 * 1024) });
      const big = await fake.sendEvent('checkout.session.completed', session, { body: huge, signature: fake.signPayload(huge, WEBHOOK_SECRET) });
      assert.equal(big.status, 413, big.text);
      assert.equal(await paidBalance(alice), before);
      assert.equal((await adminOrder(order.id)).status, 'pending');
      // A signature from a rolled secret next to the right one is accepted (any v1 may match).
      const body = JSON.stringify({ id: 'evt_roll', object: 'event', type: 'checkout.session.completed', data: { object: session } });
      const good = fake.signPayload(body, WEBHOOK_SECRET, now).split(',v1=')[1];
      const stale = fake.signPayload(body, 'whsec_old', now).split(',v1=')[1];
      const rolled = await fake.sendEvent('checkout.session.completed', session, { body, signature: `t=${now},v1=${stale},v1=${good}` });
      assert.equal(rolled.status, 200, rolled.text);
      assert.equal(await paidBalance(alice), before + order.credits);
    });

    it('does not credit a paid session whose amount or currency differs from the order', async () => {
      for (const change of [{ amount_total: 1 }, { currency: 'usd' }]) {
        const { order, url } = await checkout(alice, 800);
        const session = await fake.pay(sessionOf(url), { deliver: false });
        const before = await paidBalance(alice);
        const r = await fake.sendEvent('checkout.session.completed', { ...session, ...change });
        assert.equal(r.status, 200, r.text);
        assert.equal((await adminOrder(order.id)).status, 'failed');
        // Nor later, by a refresh or the right event: the order is decided.
        await fake.sendEvent('checkout.session.completed', session);
        assert.equal((await alice.get(`/api/payments/orders/${order.id}`)).data.status, 'failed');
        assert.equal(await paidBalance(alice), before);
      }
    });

    it('expires and fails pending orders on Stripe\'s events', async () => {
      const a = await checkout(alice, 300);
      const r = await fake.expire(sessionOf(a.url));
      assert.equal(r.status, 200, r.text);
      assert.equal((await alice.get(`/api/payments/orders/${a.order.id}`)).data.status, 'expired');
      const b = await checkout(alice, 300);
      const s = fake.sessions.get(sessionOf(b.url));
      const f = await fake.sendEvent('checkout.session.async_payment_failed', { ...s });
      assert.equal(f.status, 200, f.text);
      assert.equal((await adminOrder(b.order.id)).status, 'failed');
      // Events Plaza does not use are acknowledged and ignored.
      const other = await fake.sendEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' });
      assert.equal(other.status, 200, other.text);
    });

    // After the spacing, the page's look-up fulfils it: tested with a manual clock in
    // src/services/payments_test.cpp (no test waits 5 s here).
    it('looks a pending order up at Stripe when its page asks, at most once per 5 s', async () => {
      const { order, url } = await checkout(alice, 1200);
      const gets = () => fake.requests.filter((r) => r.method === 'GET').length;
      const before = await paidBalance(alice);
      const n0 = gets();
      assert.equal((await alice.get(`/api/payments/orders/${order.id}`)).data.status, 'pending');
      assert.equal(gets(), n0 + 1, 'a pending order is looked up at Stripe');
      await fake.pay(sessionOf(url), { deliver: false });
      assert.equal((await alice.get(`/api/payments/orders/${order.id}`)).data.status, 'pending', 'not asked again within 5 s');
      assert.equal(gets(), n0 + 1);
      // The webhook then credits it once.
      await fake.sendEvent('checkout.session.completed', fake.sessions.get(sessionOf(url)));
      await fake.sendEvent('checkout.session.completed', fake.sessions.get(sessionOf(url)));
      assert.equal((await alice.get(`/api/payments/orders/${order.id}`)).data.status, 'paid');
      assert.equal(await paidBalance(alice), before + order.credits);
    });

    it('shows users only their own orders', async () => {
      const mine = (await alice.get('/api/payments/orders?limit=100')).data.orders;
      assert.ok(mine.length >= 5);
      assert.deepEqual(mine.map((o) => o.id), [...mine.map((o) => o.id)].sort((a, b) => b - a), 'newest first');
      const page = (await alice.get(`/api/payments/orders?limit=2&before=${mine[1].id}`)).data.orders;
      assert.deepEqual(page.map((o) => o.id), mine.slice(2, 4).map((o) => o.id));
      const r = await bob.get(`/api/payments/orders/${mine[0].id}`);
      assert.equal(r.status, 404, r.text);
      assert.ok((await bob.get('/api/payments/orders')).data.orders.every((o) => !mine.some((m) => m.id === o.id)));
      const missing = await alice.get('/api/payments/orders/999999');
      assert.equal(missing.status, 404);
      const anon = await new Client(plaza.url).get('/api/payments/orders');
      assert.equal(anon.status, 401);
      const adminList = await admin.get(`/api/admin/payments/orders?status=paid&user_id=${(await alice.get('/api/me')).data.user.id}`);
      assert.equal(adminList.status, 200, adminList.text);
      assert.ok(adminList.data.orders.length >= 3);
      assert.ok(adminList.data.orders.every((o) => o.status === 'paid' && o.username === 'alice'));
      assert.equal((await admin.get('/api/admin/payments/orders?status=bogus')).status, 400);
      assert.equal((await alice.get('/api/admin/payments/orders')).status, 403);
    });

    it('answers 502 with a generic message when Stripe fails, and marks the order failed', async () => {
      fake.failNextCreate(401, `Invalid API Key provided: ${SECRET_KEY}`, 'invalid_request_error');
      const r = await alice.post('/api/payments/checkout', { amount: 400 });
      assert.equal(r.status, 502, r.text);
      assert.equal(r.data.error.code, 'upstream_error');
      assert.doesNotMatch(r.text, /Invalid API Key|sk_test/);
      const [latest] = (await alice.get('/api/payments/orders?limit=1')).data.orders;
      assert.equal(latest.status, 'failed');
      assert.equal(latest.amount, 400);
    });

    it('refuses a session page that is not an https address: 502, the order failed', async () => {
      for (const url of ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>']) {
        fake.nextSessionUrl(url);
        const r = await alice.post('/api/payments/checkout', { amount: 450 });
        assert.equal(r.status, 502, r.text);
        assert.equal(r.data.error.code, 'upstream_error');
        assert.ok(!r.text.includes('javascript') && !r.text.includes('data:'), r.text);
        const [latest] = (await alice.get('/api/payments/orders?limit=1')).data.orders;
        assert.equal(latest.amount, 450);
        assert.equal(latest.status, 'failed');
      }
    });

    it('answers a retry of a decided order with 409 naming its state', async () => {
      const r = await alice.post('/api/payments/checkout', { amount: 1000 }, { headers: { 'x-request-id': 'topup-1' } });
      assert.equal(r.status, 409, r.text);
      assert.match(r.data.error.message, /already paid; start a new one/);
    });

    it('does not credit a signed event whose session is not the order\'s own', async () => {
      const { order, url } = await checkout(alice, 950);
      const session = await fake.pay(sessionOf(url), { deliver: false });
      const before = await paidBalance(alice);
      const r = await fake.sendEvent('checkout.session.completed', { ...session, id: 'cs_test_not_this_orders' });
      assert.equal(r.status, 200, r.text);
      assert.equal((await adminOrder(order.id)).status, 'pending');
      assert.equal(await paidBalance(alice), before);
      assert.match(plaza.log(), new RegExp(`order ${order.id} names session cs_test_not_this_orders, not the order's own`));
      assert.equal((await fake.sendEvent('checkout.session.completed', session)).status, 200);
      assert.equal(await paidBalance(alice), before + order.credits);
    });

    it('does not apply another site\'s event to an order whose session is not written yet', async () => {
      // Every endpoint on a Stripe account hears every event. Another site on the same account (a
      // restored backup: the same order ids and users) has its order of this id paid while this
      // site's own checkout is still waiting for Stripe; only the order's nonce tells them apart.
      const aliceId = (await alice.get('/api/me')).data.user.id;
      fake.delayCreates(600);
      let pending;
      try {
        pending = alice.post('/api/payments/checkout', { amount: 700 }, { headers: { 'x-request-id': 'topup-twin' } });
        let order;
        await waitFor(async () => {
          order = (await alice.get('/api/payments/orders?limit=1')).data.orders[0];
          return order?.amount === 700 && order.status === 'pending';
        }, 'the order filed');
        const before = await paidBalance(alice);
        const twin = { id: 'cs_test_other_site', object: 'checkout.session', amount_total: 700, currency: 'cny',
          client_reference_id: String(order.id), metadata: { order_id: String(order.id), user_id: String(aliceId), nonce: 'another-sites-nonce' },
          payment_status: 'paid', status: 'complete' };
        assert.equal((await fake.sendEvent('checkout.session.completed', twin)).status, 200);
        const withoutNonce = { ...twin, metadata: { order_id: String(order.id), user_id: String(aliceId) } };
        assert.equal((await fake.sendEvent('checkout.session.completed', withoutNonce)).status, 200);
        assert.equal((await fake.sendEvent('checkout.session.expired', { ...twin, status: 'expired', payment_status: 'unpaid' })).status, 200);
        const r = await pending;
        assert.equal(r.status, 200, r.text);
        assert.equal((await adminOrder(order.id)).status, 'pending', 'neither paid nor expired by another site');
        assert.equal(await paidBalance(alice), before);
        assert.match(plaza.log(), new RegExp(`order ${order.id} is for another order \\(its nonce differs\\)`));
        // Its own session, paid, is credited.
        assert.equal((await fake.pay(sessionOf(r.data.url))).status, 200);
        assert.equal(await paidBalance(alice), before + r.data.order.credits);
      } finally {
        fake.delayCreates(0);
        await pending?.catch(() => {});
      }
    });

    it('does not credit a signed session whose metadata names another user', async () => {
      const { order, url } = await checkout(alice, 900);
      const session = await fake.pay(sessionOf(url), { deliver: false });
      const bobId = (await bob.get('/api/me')).data.user.id;
      const before = await paidBalance(alice);
      const r = await fake.sendEvent('checkout.session.completed', { ...session, metadata: { ...session.metadata, user_id: String(bobId) } });
      assert.equal(r.status, 200, r.text);
      assert.equal((await adminOrder(order.id)).status, 'pending');
      assert.equal(await paidBalance(alice), before);
      assert.match(plaza.log(), new RegExp(`order ${order.id} names user ${bobId}, not the order's user`));
      // The session as Stripe has it (the right user) is credited.
      assert.equal((await fake.sendEvent('checkout.session.completed', session)).status, 200);
      assert.equal(await paidBalance(alice), before + order.credits);
    });

    it('keeps settling open orders after payments are switched off, and takes no new ones', async () => {
      const byHook = await checkout(bob, 800);
      const byPage = await checkout(bob, 810);
      assert.equal((await admin.put('/api/admin/payments/provider', { kind: '' })).status, 200);
      try {
        assert.equal((await bob.post('/api/payments/checkout', { amount: 1000 })).status, 409, 'no new top-ups');
        const before = await paidBalance(bob);
        // The buyers were on Stripe's page when the operator switched payments off: they paid.
        const delivered = await fake.pay(sessionOf(byHook.url));
        assert.equal(delivered.status, 200, delivered.text);
        assert.equal((await adminOrder(byHook.order.id)).status, 'paid', 'the webhook still settles it');
        await fake.pay(sessionOf(byPage.url), { deliver: false });
        assert.equal((await bob.get(`/api/payments/orders/${byPage.order.id}`)).data.status, 'paid', 'so does the page\'s look-up');
        assert.equal(await paidBalance(bob), before + byHook.order.credits + byPage.order.credits);
      } finally {
        assert.equal((await admin.put('/api/admin/payments/provider', { kind: 'stripe' })).status, 200);
      }
    });

    it('closes a top-up its buyer cancelled: the session at Stripe and the order, which no longer counts as open', async () => {
      const { order, url } = await checkout(bob, 820);
      const closed = await bob.post(`/api/payments/orders/${order.id}/cancel`);
      assert.equal(closed.status, 200, closed.text);
      assert.equal(closed.data.status, 'expired');
      assert.equal(fake.sessions.get(sessionOf(url)).status, 'expired', 'Stripe\'s page takes no payment now');
      assert.equal((await bob.post(`/api/payments/orders/${order.id}/cancel`)).data.status, 'expired', 'again: the same');
      assert.equal((await alice.post(`/api/payments/orders/${order.id}/cancel`)).status, 404, 'not another user\'s');
      // Paid a moment before the cancel reached Stripe: credited, not expired.
      const paid = await checkout(bob, 830);
      await fake.pay(sessionOf(paid.url), { deliver: false });
      const before = await paidBalance(bob);
      const late = await bob.post(`/api/payments/orders/${paid.order.id}/cancel`);
      assert.equal(late.status, 200, late.text);
      assert.equal(late.data.status, 'paid');
      assert.equal(await paidBalance(bob), before + paid.order.credits);
      // Cancelled top-ups do not hold the user's open slots: six in a row, each cancelled, all start.
      for (let i = 0; i < 6; i++) {
        const r = await checkout(bob, 840 + i);
        assert.equal((await bob.post(`/api/payments/orders/${r.order.id}/cancel`)).data.status, 'expired');
      }
    });

    it('lets a user have at most 5 open top-ups: 409 until one ends', async () => {
      const open = async () => (await bob.get('/api/payments/orders?limit=200')).data.orders.filter((o) => o.status === 'pending');
      const made = [];
      while ((await open()).length < 5) made.push(await checkout(bob, 200));
      const n = fake.creations().length;
      const sixth = await bob.post('/api/payments/checkout', { amount: 200 });
      assert.equal(sixth.status, 409, sixth.text);
      assert.equal(sixth.data.error.code, 'conflict');
      assert.match(sixth.data.error.message, /finish or wait for your open top-ups/);
      assert.equal(fake.creations().length, n, 'no session for a refused order');
      assert.equal((await open()).length, 5);
      // A retry of an open one is still answered; another user is not affected.
      const [first] = made;
      const mine = (await bob.get(`/api/payments/orders/${first.order.id}`)).data;
      assert.equal(mine.status, 'pending');
      assert.equal((await alice.post('/api/payments/checkout', { amount: 200 })).status, 200);
      // One ends (Stripe expires it): a new one may start.
      assert.equal((await fake.expire(sessionOf(first.url))).status, 200);
      assert.equal((await bob.post('/api/payments/checkout', { amount: 200 })).status, 200);
      // Eight at once from a new user: five orders.
      const carol = new Client(plaza.url);
      await carol.register('carol', 'password-1');
      const burst = await Promise.all(Array.from({ length: 8 }, () => carol.post('/api/payments/checkout', { amount: 200 })));
      assert.deepEqual(burst.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 409, 409, 409], burst.map((r) => r.text).join('\n'));
    });

    it('lets a user whose API calls run from a lease spend a top-up at once: the lease gives back first', async () => {
      const upstream = await startFake();
      try {
        await addChannel(admin, { base_url: `${upstream.url}/v1`, keys: ['sk-up'], models: ['pay-cheap', 'pay-dear'] });
        for (const [model, perCall] of [['pay-cheap', 1000], ['pay-dear', 50_000_000]])
          assert.equal((await admin.put(`/api/admin/prices/${model}`, { mode: 'per_call', per_call: perCall })).status, 200);
        const { user: lessee, key } = await userWithKey(plaza, 'lessee');
        const userId = (await lessee.get('/api/me')).data.user.id;
        const g = await admin.post(`/api/admin/users/${userId}/credits`, { source: 'paid', amount: 100_000, reason: 'test funds' });
        assert.equal(g.status, 200, g.text);
        const call = (model) => chatCompletion(plaza, key, { model, messages: [{ role: 'user', content: 'hi' }] });
        // The channel and the price reach the relay's directory through a reload.
        await waitFor(async () => (await call('pay-cheap')).status === 200, 'the channel and price loaded');
        const lease = () => sql(plaza, `SELECT status FROM holds WHERE user_id = ${userId} AND request_id LIKE 'lease:%' ORDER BY id DESC LIMIT 1`)[0]?.[0];
        assert.equal(lease(), 'pending', 'the call runs from a lease on the credits');
        const { order, url } = await checkout(lessee, 1000);
        assert.equal((await fake.pay(sessionOf(url))).status, 200);
        // Credited with the lease given back in the same step: nothing of the balance is set aside.
        assert.equal(lease(), 'voided');
        const paid = await waitFor(async () => {
          const w = (await lessee.get('/api/wallet')).data;
          return w.paid === 99_000 + order.credits ? w : null;
        }, 'the call to be settled and the top-up credited');
        assert.equal(paid.paid_held, 0);
        // 50 credits a call: only the top-up pays for it, at once.
        assert.equal((await call('pay-dear')).status, 200);
        assert.match(plaza.cli('doctor'), /zero drift/);
      } finally {
        await upstream.stop();
      }
    });

    it('keeps the ledger exact, reports top-ups as revenue, and never shows the secrets', async () => {
      assert.match(plaza.cli('doctor'), /zero drift/);
      const paid = (await admin.get('/api/admin/payments/orders?status=paid&limit=200')).data.orders;
      const sold = paid.reduce((sum, o) => sum + o.credits, 0);
      const rev = await admin.get('/api/admin/revenue');
      assert.equal(rev.status, 200, rev.text);
      const total = rev.data.days.reduce((sum, d) => sum + (d.top_ups ?? 0), 0);
      assert.equal(total, sold);
      assert.ok(rev.data.days.every((d) => 'usage_paid' in d && 'plan_sales' in d), 'existing fields stay');
      for (const text of texts) {
        assert.ok(!text.includes(SECRET_KEY), `the Stripe key in a response: ${text.slice(0, 200)}`);
        assert.ok(!text.includes(WEBHOOK_SECRET), `the webhook secret in a response: ${text.slice(0, 200)}`);
      }
      for (const d of fake.deliveries) assert.ok(!d.text.includes(SECRET_KEY));
      assert.ok(!plaza.log().includes(SECRET_KEY), 'the Stripe key in the server log');
      assert.ok(!plaza.log().includes(WEBHOOK_SECRET), 'the webhook secret in the server log');
    });
  });
}

for (const backend of backends) {
  describe(`payments reconciler on ${backend}`, () => {
    let plaza, fake, alice;
    before(async () => {
      fake = await startFakeStripe({ secretKey: SECRET_KEY });
      plaza = await startPlaza({ backend, settings: { 'api-rate-per-minute': 1000000, 'payment-reconcile-interval-seconds': 1 } });
      const admin = await adminClient(plaza);
      // No webhook secret: only the reconciler (and the page) can learn of a payment.
      const r = await admin.put('/api/admin/payments/provider', { kind: 'stripe', api_base: fake.url, secret_key: SECRET_KEY });
      assert.equal(r.status, 200, r.text);
      alice = new Client(plaza.url);
      await alice.register('alice', 'password-1');
    });
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    it('credits a paid order without a webhook and without its page asking', async () => {
      const r = await alice.post('/api/payments/checkout', { amount: 1000 });
      assert.equal(r.status, 200, r.text);
      await fake.pay(new URL(r.data.url).pathname.split('/pay/')[1], { deliver: false });  // Stripe's page URLs carry a fragment
      // The scheduler's job runs every second; the order's first look-up is not spaced.
      const paid = await waitFor(async () => (await alice.get('/api/wallet')).data.paid, 'the reconciler to credit the order');
      assert.equal(paid, r.data.order.credits);
      const [o] = (await alice.get('/api/payments/orders?limit=1')).data.orders;
      assert.equal(o.status, 'paid');
    });
  });
}
