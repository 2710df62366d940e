// Top-ups through Stripe Checkout end to end, with a fake Stripe that speaks Stripe's protocol (its
// hosted page is a form with a Pay button and a Cancel link, and paying sends a signed
// checkout.session.completed to Plaza's webhook, as Stripe does). The admin sets the provider up on
// Admin › Payments; a user tops up from the wallet, pays on the fake's page, comes back to the wallet
// and finds the paid credits; a second top-up is cancelled on the provider's page and nothing is
// added; the admin sees both orders and the day's top-ups in the revenue report.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeStripe } from '../lib/fake_stripe.mjs';
import { startPlaza } from '../lib/server.mjs';
import { adminClient } from '../lib/site.mjs';
import { launchBrowser, openPage, signIn, signUp, uniqueName } from './helpers.mjs';

const password = 'top-up password 1';
const secretKey = 'sk_test_e2e_top_up';
const webhookSecret = 'whsec_e2e_top_up';

let plaza;
let stripe;
let chrome;

before(async () => {
  plaza = await startPlaza({ backend: 'sqlite' });
  stripe = await startFakeStripe({ secretKey, webhookSecret, webhookUrl: `${plaza.url}/api/payments/stripe/webhook` });
  await adminClient(plaza);  // creates the site's administrator, admin / admin-password
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await stripe?.stop();
  await plaza?.stop();
});

/** The exact µc a Credits element shows (its data-uc). */
const uc = async (locator) => Number(await locator.getAttribute('data-uc'));

describe('top-ups through Stripe Checkout', { timeout: 240_000 }, () => {
  test('the admin sets Stripe up; a user pays on its page and gets the credits; a cancelled payment adds nothing', async () => {
    // The admin's page: the provider's settings, the secrets written and never shown again.
    const { page: adminPage } = await openPage(chrome);
    await signIn(adminPage, plaza.url, 'admin', 'admin-password');
    await adminPage.goto(`${plaza.url}/admin/payments`);
    await adminPage.getByTestId('admin-payments-page').waitFor();
    await adminPage.getByTestId('field-payment_kind').selectOption('stripe');
    await adminPage.getByTestId('field-payment_api_base').fill(stripe.url);
    await adminPage.getByTestId('field-payment_secret_key').fill(secretKey);
    await adminPage.getByTestId('field-payment_webhook_secret').fill(webhookSecret);
    await adminPage.getByTestId('payment-provider-save').click();
    await adminPage.getByTestId('payment-provider-saved').waitFor();
    await adminPage.reload();
    await adminPage.getByTestId('admin-payments-page').waitFor();
    assert.equal(await adminPage.getByTestId('payment-secret_key-state').getAttribute('data-state'), 'set');
    assert.equal(await adminPage.getByTestId('payment-webhook_secret-state').getAttribute('data-state'), 'set');
    assert.equal(await adminPage.getByTestId('payment-webhook-url').inputValue(), `${plaza.url}/api/payments/stripe/webhook`);
    const adminHtml = await adminPage.content();
    assert.ok(!adminHtml.includes(secretKey) && !adminHtml.includes(webhookSecret), 'stored secrets are not shown');

    // A user tops up 50 of the site's currency from the wallet.
    const { page, errors } = await openPage(chrome);
    await signUp(page, plaza.url, uniqueName('buyer'), password);
    await page.goto(`${plaza.url}/wallet`);
    const paid = page.getByTestId('balance-paid');
    await paid.waitFor();
    assert.equal(await uc(paid), 0);
    const settings = (await (await page.request.get(`${plaza.url}/api/payments`)).json());
    assert.equal(settings.enabled, true);
    await page.getByTestId('topup-open').click();
    const dialog = page.getByTestId('topup-dialog');
    await dialog.waitFor();
    await dialog.locator('[data-testid="topup-preset"][data-amount="5000"]').click();
    const expected = 50 * settings.credits_per_currency_unit * 1_000_000;
    await page.waitForFunction((want) => document.querySelector('[data-testid="topup-credits"]')?.getAttribute('data-uc') === String(want), expected);
    await dialog.getByTestId('topup-pay').click();

    // Stripe's page (the fake's), then back to the wallet with the order confirmed by the webhook.
    await page.waitForURL(`${stripe.url}/pay/**`);
    const creation = stripe.creations().at(-1);
    assert.equal(creation.headers.authorization, `Bearer ${secretKey}`);
    assert.equal(creation.form.line_items[0].price_data.unit_amount, '5000');
    assert.equal(creation.form.line_items[0].price_data.currency, settings.currency.toLowerCase());
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL((u) => u.origin === plaza.url && u.pathname === '/wallet');
    const state = page.getByTestId('payment-return-state');
    await page.waitForFunction(() => document.querySelector('[data-testid="payment-return-state"]')?.getAttribute('data-state') === 'paid');
    const order = await state.getAttribute('data-order');
    assert.ok(order);
    await page.waitForFunction((want) => document.querySelector('[data-testid="balance-paid"]')?.getAttribute('data-uc') === String(want), expected);
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('payment'), null, { timeout: 10_000 });
    const row = page.locator(`[data-testid="topup-row"][data-id="${order}"]`);
    assert.equal(await row.getAttribute('data-status'), 'paid');
    assert.deepEqual(stripe.deliveries.map((d) => [d.type, d.status]), [['checkout.session.completed', 200]]);

    // A second top-up, cancelled on the provider's page: nothing added, and the wallet says so.
    await page.getByTestId('topup-open').click();
    await dialog.waitFor();
    await dialog.getByTestId('field-topup_amount').fill('12.5');
    await page.waitForFunction((want) => document.querySelector('[data-testid="topup-credits"]')?.getAttribute('data-uc') === String(want),
      12.5 * settings.credits_per_currency_unit * 1_000_000);
    await dialog.getByTestId('topup-pay').click();
    await page.waitForURL(`${stripe.url}/pay/**`);
    assert.equal(stripe.creations().at(-1).form.line_items[0].price_data.unit_amount, '1250');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL((u) => u.origin === plaza.url && u.pathname === '/wallet');
    await page.waitForFunction(() => document.querySelector('[data-testid="payment-return-state"]')?.getAttribute('data-state') === 'cancelled');
    assert.equal(await uc(paid), expected, 'nothing added');
    // The cancelled order is closed, at Stripe too: it no longer counts among the user's open top-ups.
    const cancelled = await state.getAttribute('data-order');
    assert.equal((await (await page.request.get(`${plaza.url}/api/payments/orders/${cancelled}`)).json()).status, 'expired');
    assert.equal([...stripe.sessions.values()].at(-1).status, 'expired', 'its page at Stripe takes no payment now');
    assert.deepEqual(errors, []);

    // The admin sees both orders, and the day's top-ups in the revenue report.
    await adminPage.goto(`${plaza.url}/admin/payments`);
    await adminPage.locator('[data-testid="payment-order-row"][data-status="paid"]').first().waitFor();
    assert.equal(await adminPage.locator('[data-testid="payment-order-row"]').count(), 2);
    await adminPage.goto(`${plaza.url}/admin/revenue`);
    const topUps = adminPage.getByTestId('revenue-total-top-ups');
    await topUps.waitFor();
    assert.equal(await uc(topUps), expected, 'the paid top-up, not the cancelled one');
  });
});
