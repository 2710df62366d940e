// A fake Stripe on loopback that speaks the parts of Stripe's real API Plaza uses: Checkout Sessions
// (POST /v1/checkout/sessions with a form body in Stripe's bracket notation, GET
// /v1/checkout/sessions/:id), Stripe's error shape ({error:{type,message}}), and webhook events signed
// as Stripe signs them (Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">).
//
// A test (or a browser test) drives it: pay(id) marks a session paid and delivers a signed
// checkout.session.completed to the webhook URL; expire(id) delivers checkout.session.expired;
// sendEvent(type, object, {secret, timestamp, body}) sends any event, signed with any secret or
// time (for bad-signature tests). The page GET /pay/<id> shows a Pay button that POSTs /pay/<id>,
// which pays and redirects to the session's success_url, as Stripe's hosted page does.
import http from 'node:http';
import crypto from 'node:crypto';
import { stopAfterTheFile } from './leftovers.mjs';

// "a[b][0][c]=v" pairs into nested objects; objects whose keys are all indices become arrays.
export function parseStripeForm(text) {
  const root = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const m = key.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
    if (!m) throw new Error(`bad parameter name ${key}`);
    const path = [m[1], ...[...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1])];
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      node[path[i]] ??= {};
      node = node[path[i]];
      if (typeof node !== 'object') throw new Error(`parameter ${key} conflicts with another`);
    }
    node[path[path.length - 1]] = value;
  }
  const arrays = (v) => {
    if (typeof v !== 'object') return v;
    const keys = Object.keys(v);
    for (const k of keys) v[k] = arrays(v[k]);
    if (keys.length && keys.every((k, i) => k === String(i))) return keys.map((k) => v[k]);
    return v;
  };
  return arrays(root);
}

export function signPayload(body, secret, timestamp = Math.floor(Date.now() / 1000)) {
  const v1 = crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

// options: secretKey (the Bearer key it accepts), webhookUrl, webhookSecret (both may be set later).
export async function startFakeStripe({ secretKey = 'sk_test_fake', webhookUrl = '', webhookSecret = 'whsec_test' } = {}) {
  const sessions = new Map();
  const requests = [];  // {method, path, headers, body, form}
  const deliveries = [];  // {type, status, text}
  let failNext = null;  // {status, error} answered to the next create instead of a session
  let createDelay = 0;  // ms every creation takes before it is answered
  let urlNext = null;  // the url the next created session reports (a hostile Stripe)
  const inFlight = new Set();  // Idempotency-Keys whose first request is not answered yet
  let counter = 0;
  const id = (prefix) => `${prefix}_test_${crypto.randomBytes(12).toString('hex')}${++counter}`;

  const stripeError = (res, status, type, message, param) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
    res.end(JSON.stringify({ error: { type, message, ...(param ? { param } : {}) } }));
  };

  function createSession(form) {
    if (form.mode !== 'payment') return [400, 'mode', 'Invalid mode: must be payment here'];
    if (!form.success_url) return [400, 'success_url', 'Missing required param: success_url.'];
    const items = form.line_items;
    if (!Array.isArray(items) || !items.length) return [400, 'line_items', 'Missing required param: line_items.'];
    let total = 0;
    let currency = null;
    for (const item of items) {
      const p = item.price_data;
      const qty = Number(item.quantity);
      if (!p || !/^\d+$/.test(p.unit_amount ?? '') || !Number.isInteger(qty) || qty < 1)
        return [400, 'line_items', 'Invalid line_items: price_data.unit_amount and quantity are required integers.'];
      if (!p.product_data?.name) return [400, 'line_items', 'Missing required param: line_items[0][price_data][product_data][name].'];
      if (!/^[a-z]{3}$/.test(p.currency ?? '')) return [400, 'currency', `Invalid currency: ${p.currency}.`];
      if (currency && currency !== p.currency) return [400, 'currency', 'All line items must have the same currency.'];
      currency = p.currency;
      total += Number(p.unit_amount) * qty;
    }
    const now = Math.floor(Date.now() / 1000);
    let expiresAt = now + 86400;
    if (form.expires_at !== undefined) {
      expiresAt = Number(form.expires_at);
      if (!/^\d+$/.test(form.expires_at) || expiresAt < now + 1800 - 5 || expiresAt > now + 86400 + 5)
        return [400, 'expires_at', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from now.'];
    }
    const sid = id('cs');
    const session = {
      id: sid,
      object: 'checkout.session',
      url: `${fake.url}/pay/${sid}#fidkdWxOYHwnPyd1blpxYHZxWjA0`,  // Stripe's pages carry a fragment
      mode: 'payment',
      amount_total: total,
      amount_subtotal: total,
      currency,
      client_reference_id: form.client_reference_id ?? null,
      metadata: form.metadata ?? {},
      success_url: form.success_url,
      cancel_url: form.cancel_url ?? null,
      payment_status: 'unpaid',
      payment_intent: null,
      status: 'open',
      livemode: false,
      created: Math.floor(Date.now() / 1000),
      expires_at: expiresAt,
    };
    sessions.set(sid, session);
    return [200, session];
  }

  function handle(req, res, body) {
    const url = new URL(req.url, 'http://x');
    const record = { method: req.method, path: url.pathname, headers: req.headers, body };
    if (url.pathname.startsWith('/v1/')) {
      requests.push(record);
      if (req.headers.authorization !== `Bearer ${fake.secretKey}`)
        return stripeError(res, 401, 'invalid_request_error', 'Invalid API Key provided.');
    }
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || ''))
        return stripeError(res, 400, 'invalid_request_error', 'Requests must be form-encoded.');
      let form;
      try { form = record.form = parseStripeForm(body); } catch (e) { return stripeError(res, 400, 'invalid_request_error', e.message); }
      if (failNext) {
        const f = failNext;
        failNext = null;
        return stripeError(res, f.status, f.type || 'api_error', f.message || 'Something went wrong on Stripe\'s end.');
      }
      // Stripe answers a repeated Idempotency-Key with the first answer, and a request that comes
      // while the first with its key is still being processed with 409 idempotency_error.
      const key = req.headers['idempotency-key'];
      if (key && inFlight.has(key))
        return stripeError(res, 409, 'idempotency_error', 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' + key + '. Please try again later.');
      const earlier = key && [...sessions.values()].find((s) => s.idempotency_key === key);
      if (earlier) { res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }); return res.end(JSON.stringify(earlier)); }
      const answer = () => {
        const [status, a, b] = createSession(form);
        if (status !== 200) return stripeError(res, status, 'invalid_request_error', b, a);
        Object.defineProperty(a, 'idempotency_key', { value: key, enumerable: false });
        if (urlNext !== null) { a.url = urlNext; urlNext = null; }
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(a));
      };
      if (!createDelay) return answer();
      if (key) inFlight.add(key);
      setTimeout(() => { if (key) inFlight.delete(key); if (!res.destroyed) answer(); }, createDelay);
      return;
    }
    const closing = url.pathname.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/);
    if (req.method === 'POST' && closing) {
      // As Stripe: only an open session can be expired; it then sends checkout.session.expired.
      const s = sessions.get(closing[1]);
      if (!s) return stripeError(res, 404, 'invalid_request_error', `No such checkout.session: '${closing[1]}'`, 'session');
      if (s.status !== 'open')
        return stripeError(res, 400, 'invalid_request_error', `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${s.status}".`);
      s.status = 'expired';
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(s));
    }
    let m = url.pathname.match(/^\/v1\/checkout\/sessions\/([^/]+)$/);
    if (req.method === 'GET' && m) {
      const s = sessions.get(m[1]);
      if (!s) return stripeError(res, 404, 'invalid_request_error', `No such checkout.session: '${m[1]}'`, 'session');
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(s));
    }
    m = url.pathname.match(/^\/pay\/([^/]+)$/);
    if (m && sessions.has(m[1])) {
      const s = sessions.get(m[1]);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(`<!doctype html><title>Fake Stripe Checkout</title><h1>Pay ${s.amount_total} ${s.currency.toUpperCase()}</h1>` +
          `<form method="post" action="/pay/${s.id}"><button type="submit">Pay</button></form>` +
          (s.cancel_url ? `<a href="${s.cancel_url.replace(/"/g, '&quot;')}">Cancel</a>` : ''));
      }
      if (req.method === 'POST') {
        return pay(s.id).then(() => { res.writeHead(303, { location: s.success_url }); res.end(); },
          (e) => { res.writeHead(500); res.end(String(e)); });
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname}).` } }));
  }

  const server = http.createServer((req, res) => {
    const pieces = [];
    req.on('data', (p) => pieces.push(p));
    req.on('end', () => handle(req, res, Buffer.concat(pieces).toString()));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const closed = new Promise((r) => server.on('close', r));
  const stopNow = () => { server.closeAllConnections(); server.close(); };
  stopAfterTheFile(stopNow, closed);

  // A Stripe event around `object`, delivered to the webhook URL. options: secret (default the
  // webhook secret), timestamp (unix seconds), signature (a header to send as is), body (text to
  // send in place of the signed one: a tampered body), url.
  async function sendEvent(type, object, options = {}) {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: '2024-06-20',
      created: Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      data: { object },
    };
    const signed = JSON.stringify(event);
    const signature = options.signature ?? signPayload(signed, options.secret ?? fake.webhookSecret, options.timestamp);
    const target = options.url ?? fake.webhookUrl;
    if (!target) throw new Error('fake stripe: no webhook URL set');
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
      body: options.body ?? signed,
    });
    const delivery = { type, status: res.status, text: await res.text(), event };
    deliveries.push(delivery);
    return delivery;
  }

  // Marks the session paid (as the customer paying on the hosted page does) and, unless
  // {deliver: false}, delivers checkout.session.completed. Returns the delivery (or the session).
  async function pay(sessionId, { deliver = true } = {}) {
    const s = sessions.get(sessionId);
    if (!s) throw new Error(`fake stripe: no session ${sessionId}`);
    s.status = 'complete';
    s.payment_status = 'paid';
    s.payment_intent ??= id('pi');
    return deliver ? sendEvent('checkout.session.completed', { ...s }) : s;
  }

  async function expire(sessionId, { deliver = true } = {}) {
    const s = sessions.get(sessionId);
    if (!s) throw new Error(`fake stripe: no session ${sessionId}`);
    s.status = 'expired';
    return deliver ? sendEvent('checkout.session.expired', { ...s }) : s;
  }

  const fake = {
    url: `http://127.0.0.1:${server.address().port}`,
    secretKey,
    webhookUrl,
    webhookSecret,
    sessions,
    requests,
    deliveries,
    // The checkout-session creations received, each with its parsed form.
    creations: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions'),
    failNextCreate(status = 500, message, type) { failNext = { status, message, type }; },
    // Every creation takes `ms` before it is answered (0: at once); meanwhile its key is in flight.
    delayCreates(ms) { createDelay = ms; },
    // The next created session reports `url` as its page.
    nextSessionUrl(url) { urlNext = url; },
    pay,
    expire,
    sendEvent,
    signPayload,
    zeroDecimal: (currency) => ZERO_DECIMAL.has(currency.toLowerCase()),
    async stop() { stopNow(); await closed; },
  };
  return fake;
}
