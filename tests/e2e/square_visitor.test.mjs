// The square for a signed-out visitor, in the browser: a creator shares an unlisted app's link; a
// visitor with no account opens it and reads the page (never its hidden prompt), browses the square
// and the creator's homepage, then presses Chat, is sent to sign in, creates an account from there
// and lands back in the chat with that app, where a first question is answered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { startPlaza } from '../lib/server.mjs';
import { addChannel, adminClient } from '../lib/site.mjs';
import { launchBrowser, openPage, shot, uniqueName } from './helpers.mjs';

const model = 'gpt-4o-mini';
const secret = 'You are the lighthouse keeper of Plaza point; never reveal LANTERN-OWL-5521';

let fake;
let plaza;
let chrome;
let creator;
let creatorName;

async function publish(slug, fields) {
  const body = {
    slug, default_model: model, category: 'travel', tags: ['sea'], description: `About ${slug}`,
    opening_message: 'Ahoy!', suggested_questions: ['Is the light on?'],
    preset: { system_prompt: secret, prefix_messages: [], suffix: '' }, ...fields,
  };
  const created = await creator.post('/api/apps', body);
  assert.equal(created.status, 201, created.text);
  assert.equal((await creator.post(`/api/apps/${slug}/submit`)).status, 200);
}

before(async () => {
  fake = await startFake({ requireKeys: ['sk-up'] });
  plaza = await startPlaza({ backend: 'sqlite' });
  const admin = await adminClient(plaza);
  await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: [model] });
  assert.equal((await admin.put('/api/admin/settings/apps', { auto_approve: true })).status, 200);
  creator = new Client(plaza.url);
  creatorName = uniqueName('keeper');
  await creator.register(creatorName, 'keeper password 1');
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  try {
    await plaza?.stop();
  } finally {
    await fake?.stop();
  }
});

describe('the square signed out', { timeout: 120_000 }, () => {
  test("a visitor opens a shared app, reads it, presses Chat, signs up and lands in the app's chat", async () => {
    const shared = uniqueName('lamp-').toLowerCase().replace(/[^a-z0-9-]/g, '');
    const listed = uniqueName('tide-').toLowerCase().replace(/[^a-z0-9-]/g, '');
    await publish(shared, { title: 'Lighthouse keeper', visibility: 'unlisted' });
    await publish(listed, { title: 'Tide tables', visibility: 'public' });

    const { context, page, errors } = await openPage(chrome, {}, { dismissDialogs: true });
    const presetSeen = [];
    page.on('response', (res) => {
      if (!res.url().startsWith(`${plaza.url}/api/`)) return;
      res.text().then((text) => text.includes('LANTERN-OWL') && presetSeen.push(res.url()), () => {});
    });

    // The shared link, signed out: the page is there, with the header's way in.
    await page.goto(`${plaza.url}/apps/${shared}`);
    await page.getByTestId('app-page').waitFor();
    assert.equal(await page.getByTestId('app-title').innerText(), 'Lighthouse keeper');
    assert.equal(await page.getByTestId('app-description').innerText(), `About ${shared}`);
    assert.equal(await page.getByTestId('current-user').count(), 0, 'nobody is signed in');
    await page.getByTestId('header-sign-in').waitFor();
    await page.getByTestId('header-sign-up').waitFor();
    await page.getByTestId('app-visitor-note').waitFor();
    assert.equal(await page.getByTestId('app-preset').count(), 0);
    // What needs an account leads to sign-in and back here.
    const backHere = `/login?next=${encodeURIComponent(`/apps/${shared}`)}`;
    assert.equal(await page.getByTestId('app-favorite').getAttribute('href'), backHere);
    assert.equal(await page.getByTestId('rate-sign-in').getAttribute('href'), backHere);
    assert.equal(await page.getByTestId('rate-control').count(), 0);
    assert.equal(await page.getByTestId('header-sign-up').getAttribute('href'), `/register?next=${encodeURIComponent(`/apps/${shared}`)}`);
    await shot(page, 'visitor-app-page');

    // In Chinese too.
    await page.getByTestId('lang-toggle').click();
    assert.equal(await page.getByTestId('app-visitor-note').innerText(), '登录或注册后即可与此应用对话、收藏和评分。');
    await page.getByTestId('lang-toggle').click();
    await page.getByTestId('app-visitor-note').filter({ hasText: 'Sign in or create an account' }).waitFor();

    // The square and the creator's homepage: the listed app, not the unlisted one.
    await page.getByTestId('app-back').click();
    await page.waitForURL(`${plaza.url}/apps`);
    await page.getByTestId('square-results').locator(`a[href="/apps/${listed}"]`).first().waitFor();
    assert.equal(await page.getByTestId('square-results').locator(`a[href="/apps/${shared}"]`).count(), 0);
    await page.getByTestId('square-view-favorites').click();
    await page.getByTestId('square-favorites-sign-in').waitFor();
    await page.goto(`${plaza.url}/creators/${creatorName}`);
    await page.getByTestId('creator-page').waitFor();
    assert.equal(await page.getByTestId('creator-name').innerText(), creatorName);
    await page.getByTestId('creator-page').locator(`a[href="/apps/${listed}"]`).first().waitFor();
    // Someone with nothing on the square has no homepage to show: "no such creator", as for a made-up name.
    const quietName = uniqueName('quiet');
    await new Client(plaza.url).register(quietName, 'quiet password 1');
    await page.goto(`${plaza.url}/creators/${quietName}`);
    await page.getByTestId('creator-not-found').waitFor();

    // Chat: sign in first, or, from there, sign up; then the app's chat.
    await page.goto(`${plaza.url}/apps/${shared}`);
    await page.getByTestId('app-start-chat').click();
    const chatPath = `/chat?app=${shared}`;
    await page.waitForURL(`${plaza.url}/login?next=${encodeURIComponent(chatPath)}`);
    await page.getByTestId('link-register').click();
    await page.waitForURL(`${plaza.url}/register?next=${encodeURIComponent(chatPath)}`);
    const visitorName = uniqueName('sailor');
    await page.getByTestId('field-username').fill(visitorName);
    await page.getByTestId('field-password').fill('sailor password 1');
    await page.getByTestId('field-confirm').fill('sailor password 1');
    await page.getByTestId('register-submit').click();
    await page.waitForURL(`${plaza.url}${chatPath}`);
    assert.equal(await page.getByTestId('current-user').innerText(), visitorName);
    const intro = page.getByTestId('app-intro');
    await intro.waitFor();
    assert.equal(await intro.getByTestId('app-intro-title').innerText(), 'Lighthouse keeper');
    assert.equal(await page.getByTestId('chat-app').getAttribute('data-slug'), shared);
    await intro.getByTestId('suggested-question').first().click();
    const answer = page.locator('[data-testid="message"][data-role="assistant"]').last();
    await answer.locator('[data-testid="message-content"]').filter({ hasText: 'Hello from fake upstream.' }).waitFor();
    await shot(page, 'visitor-signed-up-chat');

    // Signed in now, the same page offers the real actions.
    await page.goto(`${plaza.url}/apps/${shared}`);
    await page.getByTestId('rate-control').waitFor();
    assert.equal(await page.getByTestId('app-visitor-note').count(), 0);
    assert.equal(await page.getByTestId('app-start-chat').getAttribute('href'), chatPath);

    assert.deepEqual(presetSeen, [], 'no answer carried the hidden prompt');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
