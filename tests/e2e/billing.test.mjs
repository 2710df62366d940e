// Billing end to end (docs/billing-api.md). An admin prices a model served by the fake upstream
// per call, creates a plan and a batch of paid-credit codes through the API; then a new user is
// refused a chat for lack of credits, redeems a code on /wallet, sees the paid balance, subscribes,
// chats, and finds the charge in the usage history, the chart, the CSV export and the
// transactions. A second test drives the admin pages: prices, group multipliers, plans, packs,
// redeem batches, revenue, and a user's wallet on the users page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { startPlaza } from '../lib/server.mjs';
import { addChannel, adminClient, waitFor } from '../lib/site.mjs';
import { launchBrowser, openPage, shot, signIn as signInAs, signUp as signUpAs, uniqueName } from './helpers.mjs';

const model = 'gpt-4o-mini';
const planModel = 'gpt-4o'; // the plan's allowance is for another model, so chats on `model` are paid
const perCall = 20_000; // µc: 0.02 credits a call
const codeValue = 10_000_000; // µc: 10 credits a code
const planPrice = 1_000_000; // µc: 1 credit
const password = 'wallet password 1';

let fake;
let plaza;
let chrome;
let admin;
let plan;
let codes;

/** An admin API call that must succeed (any 2xx); returns the parsed body. */
async function call(client, method, path, json) {
  const r = await client.request(method, path, json === undefined ? {} : { json });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.data;
}

before(async () => {
  fake = await startFake({ requireKeys: ['sk-up'] });
  plaza = await startPlaza({ backend: 'sqlite' });
  admin = await adminClient(plaza);
  await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: [model, planModel] });

  const price = await call(admin, 'PUT', `/api/admin/prices/${model}`, {
    model,
    mode: 'per_call',
    input_per_m: 0,
    output_per_m: 0,
    cached_per_m: 0,
    per_call: perCall,
    web_free: false,
    web_free_daily_cap: 0,
    max_output_tokens: 0,
  });
  assert.equal(price.mode, 'per_call');
  assert.equal(price.per_call, perCall);

  plan = await call(admin, 'POST', '/api/admin/plans', {
    name: 'Starter',
    level: 1,
    period_days: 30,
    price: planPrice,
    allowances: [{ model: planModel, per_day: -1 }],
    enabled: true,
  });
  assert.ok(plan.id, JSON.stringify(plan));

  const batch = await call(admin, 'POST', '/api/admin/redeem-batches', { name: 'E2E paid', kind: 'paid', amount: codeValue, count: 2 });
  codes = batch.codes;
  assert.equal(codes.length, 2);
  assert.equal(batch.batch.count, 2);

  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await plaza?.stop();
  await fake?.stop();
});

const newPage = (options) => openPage(chrome, options);

const signUp = (page, username) => signUpAs(page, plaza.url, username, password);

const signIn = (page, username, pw) => signInAs(page, plaza.url, username, pw);

async function send(page, text) {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

/** Waits for the last answer to end with `status`; returns the answer element. */
async function lastAnswerWith(page, status) {
  await page.waitForFunction((s) => {
    const all = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
    const last = all[all.length - 1];
    return last && last.getAttribute('data-status') === s;
  }, status);
  return page.locator('[data-testid="message"][data-role="assistant"]').last();
}

/** The exact µc a Credits element shows (its data-uc). */
async function uc(locator) {
  return Number(await locator.getAttribute('data-uc'));
}

const noSideScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('billing', { timeout: 240_000 }, () => {
  test('a user redeems a code, subscribes, chats and sees the charge on the wallet page', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, uniqueName('payer'));

    // Without credits the priced model is refused before any answer, in the reader's words.
    const picker = page.getByTestId('model-picker');
    await picker.waitFor();
    await picker.selectOption(model);
    await send(page, 'Hello before paying');
    const refused = await lastAnswerWith(page, 'error');
    assert.match(await refused.getByTestId('message-error').innerText(), /balance is too low/);

    // The wallet starts empty.
    await page.getByTestId('nav-wallet').click();
    await page.waitForURL(`${plaza.url}/wallet`);
    assert.equal(await page.getByTestId('nav-wallet').getAttribute('aria-current'), 'page');
    const paid = page.getByTestId('balance-paid');
    await paid.waitFor();
    assert.equal(await uc(paid), 0);
    await page.getByTestId('subscription-none').waitFor();
    await page.getByTestId('transactions-empty').waitFor();
    const starter = page.locator(`[data-testid="plan"][data-plan-id="${plan.id}"]`);
    assert.equal(await starter.getByTestId('plan-choose').getAttribute('data-action'), 'subscribe');

    // Without paid credits a purchase is refused in its dialog, which says what is needed.
    await starter.getByTestId('plan-choose').click();
    await page.getByTestId('confirm-ok').click();
    const purchaseError = page.getByTestId('confirm-dialog').getByTestId('purchase-error');
    await purchaseError.waitFor();
    assert.match(await purchaseError.innerText(), /paid credits only.*you have 0 paid credits/);
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });

    // A wrong code is refused; a real one adds 10 paid credits.
    await page.getByTestId('field-code').fill('NOT-A-REAL-CODE');
    await page.getByTestId('redeem-submit').click();
    await page.getByTestId('redeem-error').waitFor();
    assert.equal(await uc(paid), 0);
    await page.getByTestId('field-code').fill(codes[0]);
    await page.getByTestId('redeem-submit').click();
    assert.match(await page.getByTestId('redeem-done').innerText(), /10 paid credits/);
    await page.locator(`[data-testid="balance-paid"][data-uc="${codeValue}"]`).waitFor();
    assert.equal(await paid.innerText(), '10');
    // The default site shows CNY at 10 credits per yuan: 10 credits ≈ ¥1.00.
    assert.match(await page.getByTestId('balance-paid-currency').innerText(), /^≈ (CN)?¥1\.00$/);
    assert.equal(await page.getByTestId('field-code').inputValue(), '', 'the form is cleared');
    await page.locator(`[data-testid="transaction-row"][data-kind="redeem"][data-amount="${codeValue}"]`).waitFor();

    // The same code a second time is refused and changes nothing.
    await page.getByTestId('field-code').fill(codes[0]);
    await page.getByTestId('redeem-submit').click();
    await page.getByTestId('redeem-error').waitFor();
    assert.equal(await uc(paid), codeValue);

    // Subscribe (after a cancel): the price comes off the paid balance, the plan and its
    // allowance show, and the plan is now the one to renew.
    await starter.getByTestId('plan-choose').click();
    await page.getByTestId('confirm-dialog').waitFor();
    assert.match(await page.getByTestId('confirm-dialog').innerText(), /Subscribe to “Starter”\?/);
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('subscription-none').waitFor();
    await starter.getByTestId('plan-choose').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('wallet-notice').filter({ hasText: 'Starter' }).waitFor();
    assert.equal(await page.getByTestId('subscription-plan').innerText(), 'Starter');
    await page.locator(`[data-testid="balance-paid"][data-uc="${codeValue - planPrice}"]`).waitFor();
    assert.equal(await paid.innerText(), '9');
    const allowance = page.locator(`[data-testid="allowance-row"][data-model="${planModel}"]`);
    assert.equal(await allowance.getByTestId('allowance-left').innerText(), 'Unlimited');
    assert.equal(await page.getByTestId('subscription-auto-renew').getAttribute('data-on'), 'true');
    assert.equal(await starter.getByTestId('plan-choose').getAttribute('data-action'), 'renew');
    await page.locator(`[data-testid="transaction-row"][data-kind="subscribe"][data-amount="${-planPrice}"]`).waitFor();
    await shot(page, 'wallet-subscribed-light');

    // Chat with the priced model: the answer arrives.
    await page.getByTestId('nav-chat').click();
    await page.waitForURL(`${plaza.url}/chat`);
    await page.getByTestId('model-picker').selectOption(model);
    await send(page, 'Hello after paying');
    const answer = await lastAnswerWith(page, 'ok');
    assert.equal((await answer.getByTestId('message-content').innerText()).trim(), 'Hello from fake upstream.');

    // Back on the wallet: the call's usage row, paid from paid credits, and its charge. Usage
    // is written in group commits, so Refresh until it shows. (Whether the refused chat leaves
    // a row of its own is the server's business; it must not cost anything.)
    await page.getByTestId('nav-wallet').click();
    await page.waitForURL(`${plaza.url}/wallet`);
    const usageRow = page.locator(`[data-testid="usage-row"][data-model="${model}"]:not([data-cost="0"])`);
    await waitFor(async () => {
      if ((await usageRow.count()) > 0) return true;
      await page.getByTestId('wallet-refresh').click();
      await page.waitForTimeout(250); // between refreshes, not a wait for the row itself
      return false;
    }, 'the usage row of the chat');
    assert.equal(await usageRow.count(), 1, 'one charged call: the refused one cost nothing');
    assert.equal(await usageRow.getAttribute('data-surface'), 'web');
    assert.equal(Number(await usageRow.getAttribute('data-cost')), perCall);
    assert.equal(await usageRow.getByTestId('usage-cost').innerText(), '0.02');
    assert.equal(await uc(usageRow.getByTestId('usage-paid')), perCall);
    assert.equal(await usageRow.getByTestId('usage-gift').count(), 0);
    await page.locator(`[data-testid="balance-paid"][data-uc="${codeValue - planPrice - perCall}"]`).waitFor();
    assert.equal(await paid.innerText(), '8.98');
    await page.locator(`[data-testid="transaction-row"][data-kind="charge"][data-amount="${-perCall}"]`).waitFor();
    const kinds = await page.getByTestId('transaction-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    assert.deepEqual(kinds, ['charge', 'subscribe', 'redeem'], 'newest first');

    // The chart has today's spend on the model.
    await page.locator(`[data-testid="spend-total"][data-uc="${perCall}"]`).waitFor();
    await page.locator(`[data-testid="spend-series"][data-model="${model}"]`).waitFor();
    assert.equal(await page.locator(`[data-testid="spend-bar"][data-total="${perCall}"]`).count(), 1);

    // Filters: API calls only (none), then this model only, then back to all.
    await page.getByTestId('field-surface').selectOption('api');
    await page.getByTestId('usage-apply').click();
    await page.getByTestId('usage-empty').waitFor();
    assert.equal(await page.getByTestId('usage-csv').getAttribute('href'), '/api/usage?surface=api&format=csv');
    await page.getByTestId('usage-reset').click();
    await usageRow.waitFor();
    await page.getByTestId('field-model').fill(model);
    await page.getByTestId('usage-apply').click();
    await page.locator(`[data-testid="usage-csv"][href="/api/usage?model=${model}&format=csv"]`).waitFor();
    await usageRow.waitFor();

    // The CSV export has a header row and the same call.
    const csv = await page.request.get(`${plaza.url}${await page.getByTestId('usage-csv').getAttribute('href')}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    assert.match(lines[0], /model/, 'a header row first');
    const charged = lines.slice(1).filter((l) => l.split(',').includes(String(perCall)));
    assert.equal(charged.length, 1, lines.join('\n'));
    assert.ok(charged[0].includes(model), charged[0]);

    // Auto-renew can be turned off; the plan keeps running.
    await page.getByTestId('subscription-cancel').click();
    await page.getByTestId('confirm-ok').click();
    await page.locator('[data-testid="subscription-auto-renew"][data-on="false"]').waitFor();
    assert.equal(await page.getByTestId('subscription-plan').innerText(), 'Starter');
    assert.equal(await page.getByTestId('subscription-cancel').count(), 0);

    // On a phone the page fits the screen; in Chinese it speaks Chinese.
    await page.setViewportSize({ width: 375, height: 760 });
    await page.reload();
    await page.locator(`[data-testid="balance-paid"][data-uc="${codeValue - planPrice - perCall}"]`).waitFor();
    await usageRow.waitFor();
    assert.ok(await noSideScroll(page), 'the wallet fits 375px');
    await shot(page, 'wallet-phone');
    await page.getByTestId('lang-toggle').click();
    assert.equal((await page.getByTestId('redeem-submit').innerText()).trim(), '兑换');
    assert.equal(await page.getByTestId('wallet-refresh').innerText(), '刷新');
    await page.getByTestId('menu-toggle').click();
    assert.equal(await page.getByTestId('nav-wallet').innerText(), '钱包');
    await shot(page, 'wallet-phone-zh');

    assert.deepEqual(errors, []);
    await context.close();
  });

  test('days redeemed from a code show as such, with nothing to renew', async () => {
    const days = await call(admin, 'POST', '/api/admin/redeem-batches', { name: 'E2E days', kind: 'plan_days', plan_id: plan.id, amount: 7, count: 1 });
    const { context, page, errors } = await newPage();
    await signUp(page, uniqueName('coded'));
    await page.getByTestId('nav-wallet').click();
    await page.waitForURL(`${plaza.url}/wallet`);
    await page.getByTestId('subscription-none').waitFor();
    await page.getByTestId('field-code').fill(days.codes[0]);
    await page.getByTestId('redeem-submit').click();
    await page.getByTestId('redeem-done').waitFor();
    const renewal = page.locator('[data-testid="subscription-auto-renew"][data-from-code="true"]');
    await renewal.waitFor();
    assert.equal(await renewal.innerText(), 'Redeemed from a code: ends on its end date and is not renewed');
    assert.equal(await page.getByTestId('subscription-plan').innerText(), 'Starter');
    assert.equal(await page.getByTestId('subscription-renew').count(), 0, 'no renew button');
    const tile = page.locator(`[data-testid="plan"][data-plan-id="${plan.id}"]`).getByTestId('plan-choose');
    assert.equal(await tile.getAttribute('data-action'), 'current');
    assert.ok(await tile.isDisabled(), 'the plan cannot be bought over the code days');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('an admin prices models, edits plans and packs, generates codes, reads revenue and adjusts a wallet', async () => {
    const { context, page, errors } = await newPage();
    await signIn(page, 'admin', 'admin-password');

    // Prices: the per-call price set through the API shows; a per-token price typed in credits
    // reaches the server as exact µc.
    await page.goto(`${plaza.url}/admin/prices`);
    await page.getByTestId('admin-tab-prices').waitFor();
    assert.equal(await page.getByTestId('admin-tab-prices').getAttribute('aria-current'), 'page');
    const priced = page.locator(`[data-testid="price-row"][data-model="${model}"]`);
    assert.equal(await priced.getAttribute('data-mode'), 'per_call');
    assert.match(await priced.getByTestId('price-summary').innerText(), /0\.02 per call/);
    const other = page.locator(`[data-testid="price-row"][data-model="${planModel}"]`);
    assert.equal(await other.getAttribute('data-priced'), 'false');
    await other.getByTestId('price-edit').click();
    await page.getByTestId('field-mode').selectOption('per_token');
    await page.getByTestId('field-input_per_m').fill('0.29');
    await page.getByTestId('field-output_per_m').fill('1.2');
    await page.getByTestId('price-save').click();
    await page.getByTestId('prices-notice').waitFor();
    await page.locator(`[data-testid="price-row"][data-model="${planModel}"][data-mode="per_token"]`).waitFor();
    const prices = (await call(admin, 'GET', '/api/admin/prices')).prices;
    const tokenPrice = prices.find((p) => p.model === planModel);
    assert.equal(tokenPrice.input_per_m, 290_000);
    assert.equal(tokenPrice.output_per_m, 1_200_000);
    assert.equal(tokenPrice.per_call, 0);
    // Removing the price makes the model free again.
    await other.getByTestId('price-remove').click();
    await page.getByTestId('confirm-ok').click();
    await page.locator(`[data-testid="price-row"][data-model="${planModel}"][data-priced="false"]`).waitFor();

    // Group multipliers: a new group at 0.8×.
    await page.getByTestId('group-add-name').fill('vip');
    await page.getByTestId('group-add-multiplier').fill('0.8');
    await page.getByTestId('group-add').click();
    await page.locator('[data-testid="group-row"][data-name="vip"][data-ppm="800000"]').waitFor();
    const groups = (await call(admin, 'GET', '/api/admin/groups')).groups;
    assert.equal(groups.find((g) => g.name === 'vip')?.multiplier_ppm, 800_000);
    await shot(page, 'admin-prices-light');

    // Plans: a second, higher plan with a daily allowance, checked on the client first.
    await page.getByTestId('admin-tab-plans').click();
    await page.waitForURL(`${plaza.url}/admin/plans`);
    await page.locator(`[data-testid="plan-row"][data-plan-id="${plan.id}"]`).waitFor();
    await page.getByTestId('plan-add').click();
    await page.getByTestId('plan-save').click();
    await page.getByTestId('error-name').waitFor();
    await page.getByTestId('error-price').waitFor();
    await page.getByTestId('field-name').fill('Pro');
    await page.getByTestId('field-level').fill('2');
    await page.getByTestId('field-period_days').selectOption('90');
    await page.getByTestId('field-price').fill('5.5');
    await page.getByTestId('allowance-model').first().fill(model);
    await page.getByTestId('allowance-per-day').first().fill('100');
    await page.getByTestId('allowance-add').click();
    await page.getByTestId('allowance-model').nth(1).fill(planModel);
    await page.getByTestId('allowance-unlimited').nth(1).check();
    await page.getByTestId('plan-save').click();
    await page.getByTestId('plans-notice').waitFor();
    await page.locator('[data-testid="plan-row"][data-name="Pro"]').waitFor();
    const pro = (await call(admin, 'GET', '/api/admin/plans')).plans.find((p) => p.name === 'Pro');
    assert.equal(pro.level, 2);
    assert.equal(pro.period_days, 90);
    assert.equal(pro.price, 5_500_000);
    assert.deepEqual(pro.allowances, [
      { model, per_day: 100 },
      { model: planModel, per_day: -1 },
    ]);
    // Taking it off sale.
    const proRow = page.locator('[data-testid="plan-row"][data-name="Pro"]');
    await proRow.getByTestId('plan-toggle').click();
    await proRow.locator('[data-testid="plan-status"][data-enabled="false"]').waitFor();
    await shot(page, 'admin-plans-light');

    // Packs: a count pack.
    await page.getByTestId('admin-tab-packs').click();
    await page.waitForURL(`${plaza.url}/admin/packs`);
    await page.getByTestId('pack-add').click();
    await page.getByTestId('field-name').fill('Ten calls');
    await page.getByTestId('field-kind').selectOption('count');
    await page.getByTestId('field-price').fill('0.15');
    await page.getByTestId('field-calls').fill('10');
    await page.getByTestId('field-models').fill(model);
    await page.getByTestId('pack-save').click();
    await page.locator('[data-testid="pack-row"][data-name="Ten calls"]').waitFor();
    const pack = (await call(admin, 'GET', '/api/admin/packs')).packs.find((p) => p.name === 'Ten calls');
    assert.equal(pack.kind, 'count');
    assert.equal(pack.price, 150_000);
    assert.equal(pack.calls, 10);
    assert.deepEqual(pack.models, [model]);

    // Redeem codes: the API batch is listed; a gift batch made here shows its codes once,
    // each of which works, and disabling the batch stops the rest.
    await page.getByTestId('admin-tab-redeem').click();
    await page.waitForURL(`${plaza.url}/admin/redeem`);
    await page.locator('[data-testid="batch-row"][data-name="E2E paid"]').waitFor();
    await page.getByTestId('batch-add').click();
    await page.getByTestId('field-name').fill('UI gift');
    await page.getByTestId('field-kind').selectOption('gift');
    await page.getByTestId('field-amount').fill('2.5');
    await page.getByTestId('field-count').fill('3');
    await page.getByTestId('batch-save').click();
    const uiCodes = (await page.getByTestId('codes').inputValue()).split('\n').filter(Boolean);
    assert.equal(uiCodes.length, 3);
    const giftRow = page.locator('[data-testid="batch-row"][data-name="UI gift"]');
    assert.equal(await giftRow.getByTestId('batch-redeemed').getAttribute('data-redeemed'), '0');
    assert.match(await giftRow.getByTestId('batch-csv').getAttribute('href'), /^\/api\/admin\/redeem-batches\/[^/]+\/codes\.csv$/);
    await shot(page, 'admin-redeem-codes-light');
    await page.getByTestId('codes-done').click();
    assert.equal(await page.getByTestId('codes-panel').count(), 0, 'the codes are shown once');

    const receiver = new Client(plaza.url);
    const receiverName = uniqueName('gifted');
    await receiver.register(receiverName, password);
    const redeemed = await call(receiver, 'POST', '/api/redeem', { code: uiCodes[0] });
    assert.deepEqual(redeemed.redeemed, { kind: 'gift', amount: 2_500_000 });
    await page.reload();
    await giftRow.locator('[data-testid="batch-redeemed"][data-redeemed="1"]').waitFor();
    await giftRow.getByTestId('batch-disable').click();
    await page.getByTestId('confirm-ok').click();
    await page.locator('[data-testid="batch-row"][data-name="UI gift"][data-status="disabled"]').waitFor();
    const late = await receiver.post('/api/redeem', { code: uiCodes[1] });
    assert.ok(late.status >= 400, `a disabled batch's code is refused: ${late.status}`);

    // Revenue: the table agrees with the API for the last 30 days.
    await page.getByTestId('admin-tab-revenue').click();
    await page.waitForURL(`${plaza.url}/admin/revenue`);
    const from = await page.getByTestId('field-revenue-from').inputValue();
    const to = await page.getByTestId('field-revenue-to').inputValue();
    const revenue = (await call(admin, 'GET', `/api/admin/revenue?from=${from}&to=${to}`)).days;
    const sum = (k) => revenue.reduce((s, d) => s + d[k], 0);
    if (revenue.length > 0) {
      await page.getByTestId('revenue-table').waitFor();
      assert.equal(await page.getByTestId('revenue-row').count(), revenue.length);
      assert.equal(await uc(page.getByTestId('revenue-total-plan-sales')), sum('plan_sales'));
      assert.equal(await uc(page.getByTestId('revenue-total-usage-paid')), sum('usage_paid'));
    } else {
      await page.getByTestId('revenue-empty').waitFor();
    }
    // The first test bought a plan and paid for a call today.
    assert.ok(sum('plan_sales') >= planPrice && sum('usage_paid') >= perCall, JSON.stringify(revenue));
    await shot(page, 'admin-revenue-light');

    // Users: the gifted user's wallet; grant paid credits, deduct gift credits, with reasons.
    await page.getByTestId('admin-tab-users').click();
    await page.getByTestId('user-search').fill(receiverName);
    await page.getByTestId('user-search-submit').click();
    const userRow = page.locator(`[data-testid="user-row"][data-username="${receiverName}"]`);
    await userRow.getByTestId('user-wallet').click();
    const dialog = page.getByTestId('user-wallet-dialog');
    await dialog.locator('[data-testid="balance-gift"][data-uc="2500000"]').waitFor();
    await dialog.getByTestId('adjust-submit').click();
    await dialog.getByTestId('error-amount').waitFor();
    await dialog.getByTestId('error-reason').waitFor();
    await dialog.getByTestId('field-amount').fill('3');
    await dialog.getByTestId('field-reason').fill('support refund');
    await dialog.getByTestId('adjust-submit').click();
    await dialog.getByTestId('adjust-done').filter({ hasText: 'Granted 3 paid credits' }).waitFor();
    await dialog.locator('[data-testid="balance-paid"][data-uc="3000000"]').waitFor();
    await dialog.getByTestId('field-direction').selectOption('deduct');
    await dialog.getByTestId('field-source').selectOption('gift');
    await dialog.getByTestId('field-amount').fill('0.5');
    await dialog.getByTestId('field-reason').fill('correction');
    await dialog.getByTestId('adjust-submit').click();
    await dialog.locator('[data-testid="balance-gift"][data-uc="2000000"]').waitFor();
    await shot(page, 'admin-user-wallet-light');
    // A grant whose answer is lost after it committed (a proxy's 502): sent again from the dialog,
    // with the same request id, it is made once.
    const grantIds = [];
    await page.route('**/api/admin/users/*/credits', async (route) => {
      grantIds.push(route.request().headers()['x-request-id'] ?? null);
      if (grantIds.length === 1) {
        await route.fetch();
        await route.fulfill({ status: 502, contentType: 'text/html', body: '<html>bad gateway</html>' });
      } else {
        await route.continue();
      }
    });
    await dialog.getByTestId('field-direction').selectOption('grant');
    await dialog.getByTestId('field-source').selectOption('paid');
    await dialog.getByTestId('field-amount').fill('1');
    await dialog.getByTestId('field-reason').fill('goodwill');
    await dialog.getByTestId('adjust-submit').click();
    await dialog.getByTestId('adjust-error').waitFor();
    await dialog.getByTestId('adjust-submit').click();
    await dialog.getByTestId('adjust-done').filter({ hasText: 'Granted 1 paid credit' }).waitFor();
    await dialog.locator('[data-testid="balance-paid"][data-uc="4000000"]').waitFor();
    await page.unroute('**/api/admin/users/*/credits');
    assert.equal(grantIds.length, 2);
    assert.ok(grantIds[0], 'the grant carries a request id');
    assert.equal(grantIds[1], grantIds[0], 'its retry the same one');
    await dialog.getByTestId('user-wallet-close').click();
    await dialog.waitFor({ state: 'hidden' });

    const wallet = await call(receiver, 'GET', '/api/wallet');
    assert.equal(wallet.paid, 4_000_000, 'granted 3, then 1 once');
    assert.equal(wallet.gift, 2_000_000);
    const moves = (await call(receiver, 'GET', '/api/wallet/transactions?limit=10')).transactions;
    assert.deepEqual(
      moves.map((m) => [m.kind, m.source, m.amount]),
      [
        ['grant', 'paid', 1_000_000],
        ['deduct', 'gift', -500_000],
        ['grant', 'paid', 3_000_000],
        ['redeem', 'gift', 2_500_000],
      ],
    );
    assert.equal(moves[1].memo, 'correction', 'the reason is the memo the user sees');
    assert.equal(moves[2].memo, 'support refund');

    // The user's group can still be changed from the same row.
    await userRow.getByTestId('user-group').fill('vip');
    await userRow.getByTestId('user-group-save').click();
    await page.getByTestId('admin-notice').waitFor();

    assert.deepEqual(errors, []);
    await context.close();
  });
  test('the wallet shows a pack\'s per-user limit and a "higher" plan worth less than the unused days as no upgrade; a key\'s limit is edited', async () => {
    // The user, their credits and a plan through the API; the pages show what follows.
    const name = uniqueName('limits');
    const user = new Client(plaza.url);
    await user.register(name, password);
    const userId = (await call(user, 'GET', '/api/me')).user.id;
    await call(admin, 'POST', `/api/admin/users/${userId}/credits`, { source: 'paid', amount: 100_000_000, reason: 'e2e' });
    const big = await call(admin, 'POST', '/api/admin/plans', { name: 'Big', level: 5, period_days: 30, price: 60_000_000, allowances: [], enabled: true });
    const cheap = await call(admin, 'POST', '/api/admin/plans', { name: 'Cheap top', level: 6, period_days: 30, price: 500_000, allowances: [], enabled: true });
    const dear = await call(admin, 'POST', '/api/admin/plans', { name: 'Dear top', level: 7, period_days: 30, price: 90_000_000, allowances: [], enabled: true });
    const trial = await call(admin, 'POST', '/api/admin/packs', { name: 'Trial', kind: 'count', price: 0, calls: 3, models: [model], per_user_limit: 1 });
    await call(user, 'POST', '/api/wallet/subscribe', { plan_id: big.id });
    await call(user, 'POST', '/api/keys', { name: 'capped', expires_at: null, models: [] });

    const { context, page, errors } = await newPage();
    await signIn(page, name, password);
    await page.goto(`${plaza.url}/wallet`);
    const cheapTile = page.locator(`[data-testid="plan"][data-plan-id="${cheap.id}"]`);
    await cheapTile.waitFor();
    const cheapChoose = cheapTile.getByTestId('plan-choose');
    assert.equal(await cheapChoose.getAttribute('data-action'), 'worthLess');
    assert.ok(await cheapChoose.isDisabled(), 'not offered as an upgrade');
    assert.equal(await cheapChoose.innerText(), 'Not an upgrade now');
    assert.match(await cheapTile.getByTestId('plan-not-upgrade').innerText(), /unused days of your Big plan are worth 59\.\d+ credits, more than this plan costs \(0\.5\)/);
    const dearTile = page.locator(`[data-testid="plan"][data-plan-id="${dear.id}"]`);
    assert.equal(await dearTile.getByTestId('plan-choose').getAttribute('data-action'), 'upgrade');
    assert.match(await dearTile.getByTestId('plan-upgrade-cost').innerText(), /Upgrading costs 30\.\d+ credits now: the unused days of Big count 59\.\d+/);

    // The trial pack: bought once, then the limit is said and the button is off.
    const pack = page.locator(`[data-testid="pack"][data-pack-id="${trial.id}"]`);
    assert.equal(await pack.getByTestId('pack-limit').innerText(), 'Up to 1 per person · you have bought 0');
    await pack.getByTestId('pack-buy').click();
    await page.getByTestId('confirm-ok').click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="pack"][data-pack-id="${id}"] [data-testid="pack-limit"]`)?.getAttribute('data-bought') === '1', trial.id);
    assert.match(await pack.getByTestId('pack-limit').innerText(), /you have bought 1: that is the limit/);
    assert.ok(await pack.getByTestId('pack-buy').isDisabled());
    assert.equal(await pack.getByTestId('pack-buy').innerText(), 'Limit reached');

    // A key's spending limit, set after the key was made, then removed; the page says what a limit
    // at what the key spent means before it is saved.
    await page.goto(`${plaza.url}/keys`);
    const row = page.getByTestId('key-row').filter({ hasText: 'capped' });
    await row.getByTestId('key-limit').click();
    const input = page.getByTestId('key-limit-input');
    await input.fill('0');
    assert.equal(await page.getByTestId('key-limit-effect').getAttribute('data-effect'), 'stopped');
    assert.match(await page.getByTestId('key-limit-effect').innerText(), /can spend nothing more/);
    await input.fill('5');
    assert.equal(await page.getByTestId('key-limit-effect').innerText(), 'The key may spend 5 credits more.');
    await page.getByTestId('key-limit-save').click();
    await page.getByTestId('keys-notice').waitFor();
    assert.match(await page.getByTestId('keys-notice').innerText(), /^The spending limit of “capped” is now 5 credits\./);
    assert.equal((await call(user, 'GET', '/api/keys')).keys[0].spend_limit, 5_000_000);
    await row.getByTestId('key-limit').click();
    assert.equal(await page.getByTestId('key-limit-input').inputValue(), '5');
    await page.getByTestId('key-limit-input').fill('');
    assert.equal(await page.getByTestId('key-limit-effect').getAttribute('data-effect'), 'none');
    await page.getByTestId('key-limit-save').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="keys-notice"]')?.textContent?.includes('no spending limit'));
    assert.equal((await call(user, 'GET', '/api/keys')).keys[0].spend_limit, null);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a purchase retried from its dialog after its answer was lost is bought once', async () => {
    const name = uniqueName('retry');
    const user = new Client(plaza.url);
    await user.register(name, password);
    const userId = (await call(user, 'GET', '/api/me')).user.id;
    await call(admin, 'POST', `/api/admin/users/${userId}/credits`, { source: 'paid', amount: 10_000_000, reason: 'e2e' });
    const topUp = await call(admin, 'POST', '/api/admin/packs', { name: 'Top-up retry', kind: 'credit', price: 2_000_000, credits: 3_000_000 });

    const { context, page, errors } = await newPage();
    await signIn(page, name, password);
    // The first purchase reaches the server and commits, but its answer is lost on the way back (a
    // proxy's 502); the tries after it pass through.
    const ids = [];
    await page.route(`**/api/packs/${topUp.id}/buy`, async (route) => {
      ids.push(route.request().headers()['x-request-id'] ?? null);
      if (ids.length === 1) {
        await route.fetch();
        await route.fulfill({ status: 502, contentType: 'text/html', body: '<html>bad gateway</html>' });
      } else {
        await route.continue();
      }
    });
    await page.goto(`${plaza.url}/wallet`);
    const pack = page.locator(`[data-testid="pack"][data-pack-id="${topUp.id}"]`);
    await pack.getByTestId('pack-buy').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('purchase-error').waitFor();
    // The dialog is still open: confirming again is a retry of the same purchase.
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
    assert.equal(ids.length, 2);
    assert.ok(ids[0], 'the purchase carries a request id');
    assert.equal(ids[1], ids[0], 'the retry carries the same id');
    const wallet = await call(user, 'GET', '/api/wallet');
    assert.equal(wallet.paid, 10_000_000 - 2_000_000 + 3_000_000, 'bought once');
    const packs = (await call(user, 'GET', '/api/wallet/transactions')).transactions.filter((t) => t.kind === 'pack');
    assert.equal(packs.length, 2, 'one charge and one credit');

    // Another purchase of the same pack is a new one, with a new id.
    await pack.getByTestId('pack-buy').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
    assert.equal(ids.length, 3);
    assert.notEqual(ids[2], ids[0]);
    assert.equal((await call(user, 'GET', '/api/wallet')).paid, 12_000_000);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
