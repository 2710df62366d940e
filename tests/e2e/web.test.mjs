// The web UI end to end: a person signs up, signs out and in, manages an API key, switches
// language and theme, and uses the navigation on a phone-sized screen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, shot, signUp, startSite, uniqueName } from './helpers.mjs';

const password = 'correct horse 42';
let site;
let chrome;

before(async () => {
  site = await startSite();
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await site?.stop();
});

// Playwright's default viewport (the screenshots' size) unless a test asks for another.
const newPage = (options = {}) => openPage(chrome, { viewport: { width: 1280, height: 720 }, ...options }, { timeout: 10_000 });

describe('web', { timeout: 120_000 }, () => {
  test('sign up, sign in, API key lifecycle, language and theme', async () => {
    const { context, page, errors } = await newPage();
    const username = uniqueName('alice');

    // Signed-out visitors land on the sign-in page. The page runs under the server's strict
    // CSP; a violation would show up in `errors`, checked at the end.
    const first = await page.goto(`${site.url}/`);
    assert.match(first.headers()['content-security-policy'] ?? '', /default-src 'self'/);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-page').waitFor();
    await shot(page, 'login-light');

    // Sign up, with client-side checks first.
    await page.getByTestId('link-register').click();
    await page.waitForURL(`${site.url}/register`);
    await page.getByTestId('field-username').fill('1bad');
    await page.getByTestId('field-password').fill('short');
    await page.getByTestId('field-confirm').fill('different');
    await page.getByTestId('register-submit').click();
    assert.match(await page.getByTestId('error-username').textContent(), /start with a letter/);
    assert.match(await page.getByTestId('error-password').textContent(), /at least 8/);
    assert.match(await page.getByTestId('error-confirm').textContent(), /do not match/);
    assert.equal(page.url(), `${site.url}/register`, 'an invalid form is not submitted');
    await shot(page, 'register-errors');

    await page.getByTestId('field-username').fill(username);
    await page.getByTestId('field-password').fill(password);
    await page.getByTestId('field-confirm').fill(password);
    await page.getByTestId('register-submit').click();
    await page.waitForURL(`${site.url}/chat`);
    assert.equal(await page.getByTestId('current-user').textContent(), username);

    // Every area is in the navigation, the app square first; a plain user has no admin entry.
    // With no channel yet, the chat says so (without the admin's link).
    const navText = await page.getByTestId('main-nav').textContent();
    for (const present of ['App square', 'Chat', 'Studio', 'Wallet']) assert.ok(navText.includes(present), present);
    assert.equal(await page.getByTestId('main-nav').locator('a').first().getAttribute('data-testid'), 'nav-apps');
    assert.equal(await page.getByTestId('nav-admin').count(), 0);
    await page.getByTestId('no-models').waitFor();
    assert.equal(await page.getByTestId('no-models-add-channel').count(), 0);
    await page.getByTestId('nav-keys').click();
    await page.waitForURL(`${site.url}/keys`);

    // Sign out, then back in (a wrong password first).
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${site.url}/login`);
    await page.goto(`${site.url}/keys`);
    await page.waitForURL(/\/login\?next=%2Fkeys$/);
    await page.getByTestId('field-username').fill(username);
    await page.getByTestId('field-password').fill('wrong password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('form-error').waitFor();
    await page.getByTestId('field-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${site.url}/keys`);

    // A second sign-up with the same name is refused by the server; its message is shown.
    {
      const other = await newPage();
      await other.page.goto(`${site.url}/register`);
      await other.page.getByTestId('field-username').fill(username);
      await other.page.getByTestId('field-password').fill(password);
      await other.page.getByTestId('field-confirm').fill(password);
      await other.page.getByTestId('register-submit').click();
      await other.page.locator('[data-testid="error-username"], [data-testid="form-error"]').first().waitFor();
      assert.equal(other.page.url(), `${site.url}/register`);
      await other.context.close();
    }

    // Create a key: the secret is shown once, then only its masked form.
    await page.getByTestId('keys-empty').waitFor();
    await page.getByTestId('field-name').fill('e2e script');
    await page.getByTestId('field-models').fill('gpt-4o-mini, gpt-4o');
    await page.getByTestId('key-create').click();
    const secretBox = page.getByTestId('key-secret');
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    assert.match(secret, /^sk-\S{16,}$/);
    await page.getByTestId('secret-warning').waitFor();
    const row = page.getByTestId('key-row').filter({ hasText: 'e2e script' });
    await row.waitFor();
    const masked = await row.getByTestId('key-masked').textContent();
    assert.ok(!masked.includes(secret) && masked.length < secret.length, `masked ${masked}`);
    assert.ok(masked.startsWith(secret.slice(0, 3)), `masked ${masked} should keep the sk- prefix`);
    assert.equal(await row.getByTestId('key-status').textContent(), 'Active');
    assert.match(await row.textContent(), /gpt-4o-mini/);
    await shot(page, 'keys-secret-light');

    await page.getByTestId('secret-done').click();
    await page.getByTestId('secret-panel').waitFor({ state: 'detached' });
    await page.reload();
    await row.waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
    assert.equal(await page.getByTestId('key-secret').count(), 0);

    // Revoke it, through the confirmation dialog (cancel once first).
    await row.getByTestId('key-revoke').click();
    await page.getByTestId('confirm-dialog').waitFor();
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'hidden' });
    assert.equal(await row.getByTestId('key-status').textContent(), 'Active');
    await row.getByTestId('key-revoke').click();
    await page.getByTestId('confirm-ok').click();
    await row.getByTestId('key-status').filter({ hasText: 'Revoked' }).waitFor();
    assert.equal(await row.getByTestId('key-revoke').count(), 0, 'a revoked key has no revoke button');
    await page.reload();
    await row.getByTestId('key-status').filter({ hasText: 'Revoked' }).waitFor();

    // Language: English → Chinese → reload (kept) → English.
    const html = page.locator('html');
    assert.equal(await html.getAttribute('lang'), 'en');
    assert.equal(await page.getByTestId('nav-keys').textContent(), 'API keys');
    const langButton = page.getByRole('button', { name: 'Language / 语言' });
    await langButton.click();
    await page.getByTestId('nav-keys').filter({ hasText: 'API 密钥' }).waitFor();
    assert.equal(await html.getAttribute('lang'), 'zh-CN');
    assert.equal(await page.getByTestId('nav-account').textContent(), '账户');
    assert.equal(await row.getByTestId('key-status').textContent(), '已撤销');
    await shot(page, 'keys-zh-light');
    await page.reload();
    await page.getByTestId('nav-keys').filter({ hasText: 'API 密钥' }).waitFor();
    assert.equal(await html.getAttribute('lang'), 'zh-CN');
    await page.getByRole('button', { name: 'Language / 语言' }).click();
    await page.getByTestId('nav-keys').filter({ hasText: 'API keys' }).waitFor();
    assert.equal(await html.getAttribute('lang'), 'en');

    // Theme: follows the system (light here), toggles to dark, and the choice is kept.
    assert.equal(await html.getAttribute('data-theme'), 'light');
    const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.getByTestId('theme-toggle').click();
    assert.equal(await html.getAttribute('data-theme'), 'dark');
    const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(lightBg, darkBg);
    await page.reload();
    await row.waitFor();
    assert.equal(await html.getAttribute('data-theme'), 'dark');
    await shot(page, 'keys-dark');

    // The account page: profile, email, and a password change (a wrong current one first:
    // the server's error lands next to its field).
    await page.getByTestId('nav-account').click();
    await page.waitForURL(`${site.url}/account`);
    assert.equal(await page.getByTestId('profile-username').textContent(), username);
    await page.getByTestId('field-email').fill(`${username}@example.com`);
    await page.getByTestId('email-submit').click();
    await page.getByTestId('email-saved').waitFor();
    await page.getByTestId('profile').getByText(`${username}@example.com`).waitFor();
    const newPassword = `${password} v2`;
    await page.getByTestId('field-current_password').fill('not my password');
    await page.getByTestId('field-new_password').fill(newPassword);
    await page.getByTestId('field-confirm').fill(newPassword);
    await page.getByTestId('password-submit').click();
    await page.getByTestId('error-current_password').waitFor();
    await shot(page, 'account-dark');
    await page.getByTestId('field-current_password').fill(password);
    await page.getByTestId('password-submit').click();
    await page.getByTestId('password-changed').waitFor();
    await page.reload();
    await page.getByTestId('profile').waitFor(); // this session survives its own password change
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${site.url}/login`);
    await page.getByTestId('field-username').fill(username);
    await page.getByTestId('field-password').fill(newPassword);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${site.url}/chat`);

    assert.deepEqual(errors, []);
    await context.close();
  });

  test('navigation works on a phone-sized screen', async () => {
    const { context, page, errors } = await newPage({ viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });
    const username = uniqueName('phone');
    await signUp(page, site.url, username, password);

    const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(await noSideScroll(), 'chat page fits 375px');

    // The links collapse into a menu.
    assert.ok(!(await page.getByTestId('nav-account').isVisible()), 'links are hidden behind the menu');
    const menu = page.getByTestId('menu-toggle');
    assert.ok(await menu.isVisible());
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await page.getByTestId('nav-account').waitFor({ state: 'visible' });
    await shot(page, 'phone-menu-open');
    await page.getByTestId('nav-account').click();
    await page.waitForURL(`${site.url}/account`);
    await page.getByTestId('nav-account').waitFor({ state: 'hidden' });
    assert.ok(await noSideScroll(), 'account page fits 375px');

    // Back to keys through the menu; create a key and check the list still fits.
    await menu.click();
    await page.getByTestId('nav-keys').click();
    await page.waitForURL(`${site.url}/keys`);
    await page.getByTestId('field-name').fill('phone key');
    await page.getByTestId('key-create').click();
    await page.getByTestId('key-secret').waitFor();
    await page.getByTestId('key-row').first().waitFor();
    assert.ok(await noSideScroll(), 'keys list fits 375px');
    await shot(page, 'phone-keys');

    // Sign out from the menu.
    await menu.click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${site.url}/login`);
    assert.ok(await noSideScroll(), 'sign-in page fits 375px');

    assert.deepEqual(errors, []);
    await context.close();
  });
});
