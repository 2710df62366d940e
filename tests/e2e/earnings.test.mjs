// Creator revenue end to end (docs/earnings-api.md): two creators publish priced apps; a user
// subscribes on the wallet page, sees each app's price, chats with both; the day is settled from the
// admin's settlements page; the creators find their earnings on their dashboard and one converts
// them into credits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { startPlaza } from '../lib/server.mjs';
import { addChannel, adminClient, sql } from '../lib/site.mjs';
import { launchBrowser, openPage, shot, signIn as signInAs } from './helpers.mjs';

const model = 'gpt-4o-mini';
const CREDIT = 1_000_000;
const perCall = 10_000; // µc: the model's price per call
const planPrice = 30 * CREDIT; // daily value 1 credit
const password = 'earnings password 1';

let fake;
let plaza;
let chrome;
let admin;
let plan;

async function call(client, method, path, json) {
  const r = await client.request(method, path, json === undefined ? {} : { json });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.data;
}

async function creatorWithApp(name, slug, pricing) {
  const c = new Client(plaza.url);
  await c.register(name, password);
  await call(c, 'POST', '/api/apps', { slug, title: `App ${slug}`, description: `${slug} helps`, default_model: model, visibility: 'public', pricing, preset: { system_prompt: 'be brief' } });
  await call(c, 'POST', `/api/apps/${slug}/submit`);
  await call(admin, 'POST', `/api/admin/reviews/${slug}/approve`);
  return c;
}

before(async () => {
  fake = await startFake();
  plaza = await startPlaza({ backend: 'sqlite', settings: { 'clearing-days': 0, 'api-rate-per-minute': 100000 } });
  admin = await adminClient(plaza);
  await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: [model] });
  await call(admin, 'PUT', `/api/admin/prices/${model}`, { mode: 'per_call', per_call: perCall });
  plan = await call(admin, 'POST', '/api/admin/plans', { name: 'Member', level: 1, period_days: 30, price: planPrice, allowances: [{ model, per_day: -1 }], enabled: true });
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await plaza?.stop();
  await fake?.stop();
});

const newPage = () => openPage(chrome);

const signIn = (page, username) => signInAs(page, plaza.url, username, password);

async function chatWith(page, slug) {
  await page.goto(`${plaza.url}/apps/${slug}`);
  await page.getByTestId('app-start-chat').click();
  await page.waitForURL(`${plaza.url}/chat?app=${slug}`);
  await page.getByTestId('chat-input').fill('hello there');
  await page.getByTestId('chat-input').press('Enter');
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
    const last = all[all.length - 1];
    return last && last.getAttribute('data-status') === 'ok';
  });
}

test('a subscriber uses two priced apps; the day is settled; a creator converts the earnings', { timeout: 180_000 }, async () => {
  const ann = await creatorWithApp('ann', 'ann-writer', { mode: 'per_message', price: CREDIT / 10 });
  await creatorWithApp('ben', 'ben-coder', { mode: 'per_token', surcharge_ppm: 500_000 });

  // The user: paid credits from the admin, then a subscription on the wallet page.
  const user = new Client(plaza.url);
  await user.register('sub', password);
  const userId = (await user.get('/api/me')).data.user.id;
  await call(admin, 'POST', `/api/admin/users/${userId}/credits`, { source: 'paid', amount: 40 * CREDIT, reason: 'e2e' });
  const { page, errors } = await newPage();
  await signIn(page, 'sub');
  await page.goto(`${plaza.url}/wallet`);
  await page.locator(`[data-testid="plan"][data-plan-id="${plan.id}"]`).getByTestId('plan-choose').click();
  await page.getByTestId('confirm-ok').click();
  await page.getByTestId('wallet-notice').filter({ hasText: 'Member' }).waitFor();

  // Prices show before use, on the square and on the app page.
  await page.goto(`${plaza.url}/apps`);
  const annCard = page.locator('[data-testid="app-card"][data-slug="ann-writer"]');
  assert.equal(await annCard.getByTestId('app-price').getAttribute('data-mode'), 'per_message');
  await page.goto(`${plaza.url}/apps/ben-coder`);
  const benPrice = page.getByTestId('app-price');
  assert.equal(await benPrice.getAttribute('data-mode'), 'per_token');
  assert.match(await benPrice.innerText(), /50\s*%/);

  // A one-time app is locked until it is unlocked: the chat says why and takes no message.
  await call(ann, 'POST', '/api/apps', { slug: 'ann-vault', title: 'Vault', default_model: model, visibility: 'public', pricing: { mode: 'one_time', price: CREDIT } });
  await call(ann, 'POST', '/api/apps/ann-vault/submit');
  await call(admin, 'POST', '/api/admin/reviews/ann-vault/approve');
  await page.goto(`${plaza.url}/chat?app=ann-vault`);
  await page.locator('[data-testid="app-locked-reason"][data-reason="unlock"]').waitFor();
  assert.equal(await page.getByTestId('chat-input').isDisabled(), true);

  // Two chats with one app, one with the other.
  await chatWith(page, 'ann-writer');
  await chatWith(page, 'ann-writer');
  await chatWith(page, 'ben-coder');
  await shot(page, 'earnings-chat');
  const usage = (await user.get('/api/usage')).data.usage;
  assert.equal(usage.length, 3);
  assert.deepEqual(usage.map((u) => u.allowance_uc), [perCall, perCall, perCall], 'the plan paid the model');
  assert.deepEqual(usage.map((u) => u.surcharge_paid_uc).sort((a, b) => a - b), [perCall / 2, CREDIT / 10, CREDIT / 10]);

  // The day is over: the calls move to yesterday (the tests cannot wait for midnight), and the admin
  // settles it from the settlements page.
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  sql(plaza, `UPDATE usage_events SET day = '${day}'`);
  sql(plaza, `UPDATE earnings SET day = '${day}'`);
  const adminPage = await newPage();
  await adminPage.page.goto(`${plaza.url}/login`);
  await adminPage.page.getByTestId('field-username').fill('admin');
  await adminPage.page.getByTestId('field-password').fill('admin-password');
  await adminPage.page.getByTestId('login-submit').click();
  await adminPage.page.waitForURL(/\/(chat|admin)/);
  await adminPage.page.goto(`${plaza.url}/admin/settlements`);
  await adminPage.page.getByTestId('settle-day').fill(day);
  await adminPage.page.getByTestId('settle-submit').click();
  const row = adminPage.page.locator(`[data-testid="settlement-row"][data-day="${day}"][data-status="done"]`);
  await row.waitFor();
  // Subscription pool: 10% of the daily value (1 credit) split 2:1 by calls; direct: 70% of the
  // surcharges; pack pool: none (the plan paid every model cost).
  const pool = CREDIT / 10;
  const annSub = Math.floor((pool * 2) / 3), benSub = Math.floor(pool / 3);
  assert.equal(Number(await row.getByTestId('settlement-total-subscription').getAttribute('data-uc')), annSub + benSub);
  assert.equal(Number(await row.getByTestId('settlement-total-direct').getAttribute('data-uc')), (2 * CREDIT / 10 + perCall / 2) * 0.7);
  assert.equal(Number(await row.getByTestId('settlement-total-pack').getAttribute('data-uc')), 0);
  await shot(adminPage.page, 'admin-settlements');

  // Each creator sees their earnings; ann converts hers into credits.
  const annTotal = annSub + (2 * CREDIT / 10) * 0.7;
  const creator = await newPage();
  await signIn(creator.page, 'ann');
  await creator.page.goto(`${plaza.url}/earnings`);
  await creator.page.locator(`[data-testid="earnings-available"][data-uc="${annTotal}"]`).waitFor();
  // The terms say what each pool is a share of: plan value of subscribers, paid credits spent on models.
  const terms = await creator.page.getByTestId('earnings-terms').innerText();
  assert.match(terms, /70% · Each subscriber's day: 10% of their plan's daily value/);
  assert.match(terms, /Paid credits users spend on your apps' model costs: 10%/);
  const appRow = creator.page.locator('[data-testid="earnings-app-row"][data-slug="ann-writer"]');
  assert.equal(Number(await appRow.getByTestId('earnings-app-total').getAttribute('data-uc')), annTotal);
  await creator.page.locator(`[data-testid="earnings-bar"][data-day="${day}"]`).waitFor();
  await shot(creator.page, 'earnings-dashboard');
  await creator.page.getByTestId('convert-amount').fill(String(annTotal / CREDIT));
  await creator.page.getByTestId('convert-submit').click();
  await creator.page.getByTestId('earnings-notice').waitFor();
  await creator.page.locator('[data-testid="earnings-available"][data-uc="0"]').waitFor();
  assert.equal((await ann.get('/api/wallet')).data.paid, annTotal);

  // Ben sees his: his share of the pool and of his per-token surcharge.
  const benTotal = benSub + (perCall / 2) * 0.7;
  const other = await newPage();
  await signIn(other.page, 'ben');
  await other.page.goto(`${plaza.url}/earnings`);
  await other.page.locator(`[data-testid="earnings-available"][data-uc="${benTotal}"]`).waitFor();
  const benRow = other.page.locator('[data-testid="earnings-app-row"][data-slug="ben-coder"]');
  assert.equal(Number(await benRow.getByTestId('earnings-app-subscription').getAttribute('data-uc')), benSub);

  // Ben asks for a payout of half of it; the admin marks it paid in the payouts queue.
  const half = Math.floor(benTotal / 2);
  await other.page.getByTestId('payout-amount').fill(String(half / CREDIT));
  await other.page.getByTestId('payout-destination').fill('Alipay ben@example.com');
  await other.page.getByTestId('payout-submit').click();
  await other.page.locator('[data-testid="payout-row"][data-status="requested"]').waitFor();
  await other.page.locator(`[data-testid="earnings-available"][data-uc="${benTotal - half}"]`).waitFor();
  await adminPage.page.goto(`${plaza.url}/admin/payouts`);
  const request = adminPage.page.locator('[data-testid="payout-row"][data-user="ben"][data-status="requested"]');
  await request.getByTestId('payout-reference').fill('ALI-2026-1');
  await request.getByTestId('payout-mark-paid').click();
  await adminPage.page.getByTestId('admin-notice').waitFor();
  await shot(adminPage.page, 'admin-payouts');
  await other.page.reload();
  await other.page.locator('[data-testid="payout-row"][data-status="paid"]').waitFor();

  for (const p of [page, adminPage.page, creator.page, other.page]) await p.close();
  assert.deepEqual([...errors, ...adminPage.errors, ...creator.errors, ...other.errors], []);
});
