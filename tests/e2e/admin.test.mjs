// First-admin setup through the link the server prints, then user management.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openPage, setupTokenOf, shot, startSite, uniqueName } from './helpers.mjs';

const password = 'admin password 1';
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

test('first admin sets up the site and manages users', { timeout: 120_000 }, async (t) => {
  const token = setupTokenOf(site);
  if (!token) {
    t.skip('the server helper exposes no setup token (setupToken or setupUrl)');
    return;
  }

  // A plain user exists and cannot see the admin page.
  const bobName = uniqueName('bob');
  const bob = await newPage();
  await bob.page.goto(`${site.url}/register`);
  await bob.page.getByTestId('field-username').fill(bobName);
  await bob.page.getByTestId('field-password').fill(password);
  await bob.page.getByTestId('field-confirm').fill(password);
  await bob.page.getByTestId('register-submit').click();
  await bob.page.waitForURL(`${site.url}/chat`);
  await bob.page.goto(`${site.url}/admin/users`);
  await bob.page.getByTestId('admin-forbidden').waitFor();

  // The setup link opens a form without a token field; a wrong token is refused first.
  const { context, page, errors } = await newPage({ colorScheme: 'dark' });
  await page.goto(`${site.url}/login`);
  await page.getByTestId('setup-needed').waitFor();
  await page.goto(`${site.url}/setup?token=wrong-${token}`);
  const adminName = uniqueName('root');
  const fill = async () => {
    await page.getByTestId('field-username').fill(adminName);
    await page.getByTestId('field-password').fill(password);
    await page.getByTestId('field-confirm').fill(password);
  };
  await fill();
  assert.equal(await page.getByTestId('field-token').count(), 0);
  await page.getByTestId('setup-submit').click();
  await page.locator('[data-testid="error-token"], [data-testid="form-error"]').first().waitFor();
  await shot(page, 'setup-bad-token-dark');

  await page.goto(`${site.url}/setup?token=${encodeURIComponent(token)}`);
  await fill();
  await page.getByTestId('setup-submit').click();
  // A new operator's next step is to connect an upstream: setup leads to Channels.
  await page.waitForURL(`${site.url}/admin/channels`);
  await page.getByTestId('channels-empty').waitFor();
  await page.getByTestId('nav-admin').waitFor();
  await page.getByTestId('admin-tab-users').click();
  await page.waitForURL(`${site.url}/admin/users`);

  // The built-in owner of the system apps says what it is, and offers no ban or role change.
  const systemRow = page.locator('[data-testid="user-row"][data-username="plaza"]');
  await systemRow.waitFor();
  assert.match(await systemRow.getByTestId('user-system').getAttribute('title'), /built-in apps/);
  assert.equal(await systemRow.getByTestId('user-ban').count(), 0);
  assert.equal(await systemRow.getByTestId('user-role').isDisabled(), true);

  // Find bob, change his group, ban and unban him, make him an admin.
  await page.getByTestId('user-search').fill(bobName);
  await page.getByTestId('user-search-submit').click();
  const row = page.locator(`[data-testid="user-row"][data-username="${bobName}"]`);
  await row.waitFor();
  // The unfiltered list may still be on screen for a moment: wait for the search to narrow it.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="user-row"]').length === 1);

  await row.getByTestId('user-group').fill('vip');
  await row.getByTestId('user-group-save').click();
  await page.getByTestId('admin-notice').waitFor();
  assert.equal(await row.getByTestId('user-group').inputValue(), 'vip');

  // Banning ends bob's session: his next request sends him to sign in, where he is refused.
  await bob.page.goto(`${site.url}/keys`);
  await bob.page.getByTestId('keys-empty').waitFor();
  await row.getByTestId('user-ban').click();
  await page.getByTestId('confirm-ok').click();
  await row.getByTestId('user-status').filter({ hasText: 'Banned' }).waitFor();
  await shot(page, 'admin-users-dark');
  await bob.page.getByTestId('field-name').fill('after ban');
  await bob.page.getByTestId('key-create').click();
  await bob.page.waitForURL(/\/login\?next=%2Fkeys$/);
  await bob.page.getByText('Your session has ended').waitFor();
  await bob.page.getByTestId('field-username').fill(bobName);
  await bob.page.getByTestId('field-password').fill(password);
  await bob.page.getByTestId('login-submit').click();
  await bob.page.getByTestId('form-error').filter({ hasText: 'banned' }).waitFor();

  await row.getByTestId('user-unban').click();
  await row.getByTestId('user-status').filter({ hasText: 'Active' }).waitFor();
  await bob.page.getByTestId('login-submit').click();
  await bob.page.waitForURL(`${site.url}/keys`);

  await row.getByTestId('user-role').selectOption('admin');
  await page.getByTestId('admin-notice').filter({ hasText: bobName }).waitFor();
  await page.reload();
  await page.getByTestId('user-search').fill(bobName);
  await page.getByTestId('user-search-submit').click();
  await row.waitFor();
  assert.equal(await row.getByTestId('user-role').inputValue(), 'admin');
  assert.equal(await row.getByTestId('user-group').inputValue(), 'vip');

  // The setup link is spent.
  await page.goto(`${site.url}/setup?token=${encodeURIComponent(token)}`);
  await page.getByTestId('setup-done').waitFor();

  assert.deepEqual(errors, []);
  assert.deepEqual(bob.errors, []);
  await bob.context.close();
  await context.close();
});
