// The chat end to end: an admin adds a channel pointing at the scripted fake upstream through
// the Channels page, tests it, names the model in the catalogue, then chats — streaming, stop
// (the upstream request is cancelled), regenerate, edit and resend, reload, markdown with code
// blocks, HTML that must stay text, an upstream failure, rename, delete, clear all — on a
// desktop and on a phone, in English and Chinese; images attached, pasted or dropped, a question
// the server refuses, drafts kept per conversation, and models that read no images.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { startPlaza } from '../lib/server.mjs';
import { chatCompletion, sql, userWithKey } from '../lib/site.mjs';
import { launchBrowser, openPage, shot, signIn as signInAs, signUp, uniqueName } from './helpers.mjs';

let fake;
let plaza;
let chrome;

before(async () => {
  fake = await startFake({ requireKeys: ['sk-up'] });
  plaza = await startPlaza({ backend: 'sqlite' });
  plaza.cli('admin', 'create', '--username', 'admin', '--password', 'admin-password');
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await plaza?.stop();
  await fake?.stop();
});

const newPage = (options) => openPage(chrome, { viewport: { width: 1280, height: 860 }, ...options }, { dismissDialogs: true });

const signIn = (page, username, password) => signInAs(page, plaza.url, username, password);

const messages = (page) => page.getByTestId('chat-messages').getByTestId('message');
const lastAnswer = (page) => page.locator('[data-testid="message"][data-role="assistant"]').last();

/** A 2x2 PNG of one colour. */
/** A PNG file of 8-bit RGB `rows` (each led by its filter byte). */
function pngOf(width, height, rows) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8 bits a sample, RGB
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

function png(r, g, b) {
  const row = [0, r, g, b, r, g, b];  // filter byte, then two pixels
  return pngOf(2, 2, Buffer.from([...row, ...row]));
}

/** A PNG of random pixels: it compresses to about its raw size, as a photo barely does. */
function noisePng(width, height) {
  const rows = randomBytes((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) rows[y * (width * 3 + 1)] = 0;  // no filter
  return pngOf(width, height, rows);
}

let adminClient;
/** The admin, signed in to the API (once). */
async function adminApi() {
  if (!adminClient) {
    const client = new Client(plaza.url);
    const login = await client.post('/api/auth/login', { username: 'admin', password: 'admin-password' });
    assert.equal(login.status, 200, login.text);
    adminClient = client;
  }
  return adminClient;
}

/** Changes a catalogue entry through the admin API, keeping its other fields (PUT replaces them all). */
async function putModel(id, change) {
  const admin = await adminApi();
  const entry = (await admin.get('/api/admin/models')).data.models.find((m) => m.id === id) ?? { display_name: id };
  const r = await admin.put(`/api/admin/models/${encodeURIComponent(id)}`, { ...entry, ...change });
  assert.equal(r.status, 200, r.text);
}

/** Waits until the message box holds exactly `text`. */
const composerHolds = (page, text) =>
  page.waitForFunction((t) => document.querySelector('[data-testid="chat-input"]')?.value === t, text);

/** The texts of the questions in the list, in order. */
const questionTexts = (page) =>
  page.locator('[data-testid="message"][data-role="user"] [data-testid="message-content"]').allInnerTexts();

/**
 * Fires drag events at the element `selector` finds, carrying files made in the page (a real drag
 * from the desktop cannot be scripted): `files` are {name, type, base64}.
 */
const drag = (page, selector, events, files) =>
  page.evaluate(
    ({ selector, events, files }) => {
      const data = new DataTransfer();
      for (const f of files) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      const target = document.querySelector(selector);
      for (const type of events) target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { selector, events, files },
  );

async function send(page, text) {
  await page.getByTestId('chat-input').fill(text);
  // On a touch screen Enter is a new line: the button sends.
  if (await page.evaluate(() => matchMedia('(pointer: coarse)').matches)) await page.getByTestId('chat-send').click();
  else await page.getByTestId('chat-input').press('Enter');
}

/** The data-testid of the element that has the focus. */
const focused = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);

/** Waits for the last answer to finish with `status` and returns its text. */
async function answer(page, status = 'ok', timeout = 20_000) {
  const a = page.locator(`[data-testid="message"][data-role="assistant"][data-status="${status}"]`).last();
  await page.waitForFunction(
    (s) => {
      const all = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
      const last = all[all.length - 1];
      return last && last.getAttribute('data-status') === s;
    },
    status,
    { timeout },
  );
  return (await a.getByTestId('message-content').innerText()).trim();
}

describe('chat', { timeout: 240_000 }, () => {
  test('an admin adds a channel and chats: stream, stop, regenerate, edit, reload, markdown, rename, delete', async () => {
    const { context, page, errors } = await newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: plaza.url });
    await signIn(page, 'admin', 'admin-password');

    // No channel yet: the chat explains, and offers the admin the channels page.
    await page.getByTestId('no-models').waitFor();
    assert.equal(await page.getByTestId('chat-input').isDisabled(), true);
    await shot(page, 'chat-no-models-light');
    await page.getByTestId('no-models-add-channel').click();
    await page.waitForURL(`${plaza.url}/admin/channels`);
    assert.equal(await page.getByTestId('nav-admin').getAttribute('aria-current'), 'page');
    await page.getByTestId('channels-empty').waitFor();

    // Add the channel; client-side checks first.
    await page.getByTestId('channel-add').click();
    await page.getByTestId('channel-save').click();
    await page.getByTestId('error-name').waitFor();
    await page.getByTestId('error-keys').waitFor();
    await page.getByTestId('error-models').waitFor();
    await page.getByTestId('field-name').fill('Fake upstream');
    await page.getByTestId('field-base_url').fill(`${fake.url}/v1`);
    // Asking the upstream's models with no key: the server's reason goes under the Keys field.
    await page.getByTestId('channel-fetch-models').click();
    await page.getByTestId('error-keys').getByText(/give a key to ask the upstream with/).waitFor();
    await page.getByTestId('field-keys').fill('sk-up');
    await page.getByTestId('field-models').fill('gpt-4o-mini');
    await shot(page, 'admin-channel-form-light');
    await page.getByTestId('channel-save').click();
    const row = page.locator('[data-testid="channel-row"][data-name="Fake upstream"]');
    await row.waitFor();
    await page.getByTestId('channels-notice').waitFor();
    assert.equal(await row.getByTestId('channel-status').getAttribute('data-status'), 'enabled');
    const rowText = await row.innerText();
    assert.match(rowText, /gpt-4o-mini/);
    assert.match(rowText, /…k-up/, 'the key hint is shown');
    assert.ok(!rowText.includes('sk-up'), 'the key itself is never shown');

    await row.getByTestId('channel-test').click();
    const result = row.getByTestId('channel-test-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-ok'), 'true', await result.innerText());
    assert.match(await result.innerText(), /\d+ ms/);
    await shot(page, 'admin-channels-light');

    // A half-typed new channel is not dropped unasked when another form is opened.
    await page.getByTestId('channel-add').click();
    await page.getByTestId('field-name').fill('Half typed');
    await row.getByTestId('channel-edit').click();
    await page.getByTestId('confirm-cancel').click();
    assert.equal(await page.getByTestId('field-name').inputValue(), 'Half typed', 'kept');
    await row.getByTestId('channel-edit').click();
    await page.getByTestId('confirm-ok').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="field-name"]')?.value === 'Fake upstream');
    await page.getByTestId('channel-cancel').click();
    await page.getByTestId('channel-form').waitFor({ state: 'detached' });

    // Editing keeps the keys unless new ones are typed.
    await row.getByTestId('channel-edit').click();
    await page.getByTestId('channel-form').waitFor();
    assert.equal(await page.getByTestId('field-keys').inputValue(), '');
    assert.match(await page.getByTestId('channel-form').innerText(), /Leave empty to keep the current keys/);
    assert.equal(await page.getByTestId('field-models').inputValue(), 'gpt-4o-mini');
    // The upstream's own list is added to the field (with the stored key: none is typed).
    await page.getByTestId('channel-fetch-models').click();
    const fetched = page.getByTestId('channel-fetch-result');
    await fetched.waitFor();
    assert.equal(await fetched.getAttribute('data-ok'), 'true', await fetched.innerText());
    assert.match(await fetched.innerText(), /lists 4 models; 3 added/);
    assert.deepEqual((await page.getByTestId('field-models').inputValue()).split('\n'),
      ['gpt-4o-mini', 'claude-3-5-haiku-latest', 'fake-model', 'gpt-4o']);
    await shot(page, 'admin-channel-fetched-models-light');
    await page.getByTestId('field-models').fill('gpt-4o-mini');
    await page.getByTestId('field-priority').fill('5');
    await page.getByTestId('channel-save').click();
    await page.getByTestId('channel-form').waitFor({ state: 'detached' });
    assert.match(await row.innerText(), /5 \/ 1/);
    await row.getByTestId('channel-test').click();
    await row.locator('[data-testid="channel-test-result"][data-ok="true"]').waitFor();
    assert.equal(await row.getByTestId('channel-health').getAttribute('data-requests'), '0', 'no request has come here yet');

    // A channel with a dead key: the test names it; once a request has switched it off, the list
    // says why and Re-enable switches it on again.
    const admin = await adminApi();
    const twoKeys = await admin.post('/api/admin/channels', { type: 'openai', name: 'Two keys', base_url: `${fake.url}/v1`, keys: ['sk-dead-key', 'sk-up'], models: ['two-keys-model'] });
    assert.equal(twoKeys.status, 201, twoKeys.text);
    await page.reload();
    const twoRow = page.locator('[data-testid="channel-row"][data-name="Two keys"]');
    await twoRow.getByTestId('channel-test').click();
    const twoResult = twoRow.getByTestId('channel-test-result');
    await twoResult.waitFor();
    assert.equal(await twoResult.getAttribute('data-ok'), 'false');
    assert.match(await twoResult.innerText(), /1 of 2 keys does not work/);
    const keyLines = twoResult.getByTestId('channel-test-key');
    assert.deepEqual(await keyLines.evaluateAll((els) => els.map((e) => e.dataset.ok)), ['false', 'true']);
    assert.match(await keyLines.first().innerText(), /…-key.*401/s);
    const { key: apiKey } = await userWithKey(plaza, uniqueName('keys'));
    const served = await chatCompletion(plaza, apiKey, { model: 'two-keys-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(served.status, 200, 'the second key answered');
    await page.reload();
    const deadChip = twoRow.locator('[data-testid="channel-key"][data-enabled="false"]');
    await deadChip.waitFor();
    assert.match(await deadChip.innerText(), /off: .*401/);
    await twoRow.getByTestId('channel-enable').click();
    await page.getByTestId('channels-notice').waitFor();
    await deadChip.waitFor({ state: 'detached' });
    assert.equal(await twoRow.getByTestId('channel-enable').count(), 0, 'every key is on again');
    // The quick switch takes the channel out of rotation and back, without its form.
    await twoRow.getByTestId('channel-switch').click();
    await twoRow.locator('[data-testid="channel-status"][data-status="disabled"]').waitFor();
    const channelOf = async () => (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === twoKeys.data.channel.id);
    assert.equal((await channelOf()).enabled, false);
    await twoRow.getByTestId('channel-switch').click();
    await twoRow.locator('[data-testid="channel-status"][data-status="enabled"]').waitFor();
    assert.equal((await channelOf()).enabled, true);
    assert.equal((await admin.delete(`/api/admin/channels/${twoKeys.data.channel.id}`)).status, 204);
    await page.reload();
    await twoRow.waitFor({ state: 'detached' });

    // The model catalogue: give the model a display name; hiding it hides it from the chat.
    await page.getByTestId('admin-tab-models').click();
    await page.waitForURL(`${plaza.url}/admin/models`);
    const modelRow = page.locator('[data-testid="model-row"][data-id="gpt-4o-mini"]');
    await modelRow.waitFor();
    // Served and without a price: free to everyone, and the list says so, with the way to Prices.
    assert.equal(await modelRow.getByTestId('model-unpriced').getAttribute('href'), '/admin/prices');
    await modelRow.getByTestId('model-edit').click();
    await page.getByTestId('field-display_name').fill('GPT-4o mini');
    await page.getByTestId('field-description').fill('Small and fast.');
    await page.getByTestId('field-context_length').fill('128000');
    await page.getByTestId('model-save').click();
    await page.getByTestId('models-notice').waitFor();
    await modelRow.getByText('GPT-4o mini').waitFor();
    // Marked text-only and given a place in the picker in the form, shown so in the list, and kept
    // by the quick switch below.
    await modelRow.getByTestId('model-edit').click();
    assert.equal(await page.getByTestId('field-reads-images').isChecked(), true, 'a model reads images unless unticked');
    await page.getByTestId('field-reads-images').uncheck();
    await page.getByTestId('field-position').fill('7');
    await page.getByTestId('model-save').click();
    await modelRow.getByTestId('model-text-only').waitFor();
    assert.match(await modelRow.getByTestId('model-position').innerText(), /7/);
    await modelRow.getByTestId('model-toggle').click();
    await modelRow.locator('[data-testid="model-status"][data-enabled="false"]').waitFor();
    await shot(page, 'admin-models-light');
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('no-models').waitFor();
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-models').click();
    await modelRow.getByTestId('model-toggle').click();
    await modelRow.locator('[data-testid="model-status"][data-enabled="true"]').waitFor();
    const entry = async () => (await (await adminApi()).get('/api/admin/models')).data.models.find((m) => m.id === 'gpt-4o-mini');
    assert.deepEqual([(await entry()).reads_images, (await entry()).position], [false, 7], 'switching it off and on kept both');
    await modelRow.getByTestId('model-edit').click();
    assert.equal(await page.getByTestId('field-position').inputValue(), '7');
    await page.getByTestId('field-reads-images').check();
    await page.getByTestId('field-position').fill('');
    await page.getByTestId('model-save').click();
    await modelRow.getByTestId('model-text-only').waitFor({ state: 'detached' });
    await modelRow.getByTestId('model-position').waitFor({ state: 'detached' });
    assert.deepEqual([(await entry()).reads_images, (await entry()).position], [true, 0]);

    // Chat: pick the model, send, watch the answer stream in and its token counts appear.
    await page.getByTestId('nav-chat').click();
    await page.waitForURL(`${plaza.url}/chat`);
    const picker = page.getByTestId('model-picker');
    await picker.waitFor();
    await picker.selectOption('gpt-4o-mini');
    assert.equal(await picker.locator('option:checked').innerText(), 'GPT-4o mini');
    await page.getByTestId('chat-welcome').waitFor();
    // The welcome says what the model is, from the catalogue.
    assert.equal(await page.getByTestId('model-intro-description').innerText(), 'Small and fast.');
    assert.match(await page.getByTestId('model-intro-facts').innerText(), /128,000 tokens of context/);
    await shot(page, 'chat-welcome-light');
    await send(page, 'Hello there');
    assert.equal(await page.getByTestId('chat-input').inputValue(), '', 'the composer is cleared');
    assert.equal(await answer(page), 'Hello from fake upstream.');
    await page.waitForURL(/\/chat\/\d+$/);
    const firstUrl = page.url();
    const tokens = lastAnswer(page).getByTestId('message-tokens');
    await tokens.waitFor();
    assert.match(await tokens.innerText(), /\d+ in · \d+ out/);
    const item = page.locator('[data-testid="conversation-item"][data-title="Hello there"]');
    await item.waitFor();
    assert.equal(await item.getByTestId('conversation-link').getAttribute('aria-current'), 'page');
    assert.equal(await page.evaluate(() => localStorage.getItem('plaza.chat.model')), 'gpt-4o-mini');

    // A slow answer: it streams (the Stop button shows, text grows), the composer can't send,
    // Stop ends it, the partial answer stays, marked stopped, and the upstream is cancelled.
    await send(page, 'Tell me slowly [[fake:slow delay_ms=200 chunks=30]]');
    await page.getByTestId('chat-stop').waitFor();
    const streamingAnswer = page.locator('[data-testid="message"][data-role="assistant"][data-status="streaming"]');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="message"][data-status="streaming"] [data-testid="message-content"]');
      return el && el.textContent.trim().length > 2;
    });
    const partial1 = (await streamingAnswer.getByTestId('message-content').innerText()).trim();
    await page.waitForFunction(
      (before) => {
        const el = document.querySelector('[data-testid="message"][data-status="streaming"] [data-testid="message-content"]');
        return el && el.textContent.trim().length > before;
      },
      partial1.length,
    );
    assert.equal(await page.getByTestId('chat-send').count(), 0, 'no send button while streaming');
    await page.getByTestId('chat-input').fill('typed while streaming');
    await page.getByTestId('chat-input').press('Enter');
    assert.equal(await page.getByTestId('chat-input').inputValue(), 'typed while streaming', 'Enter does not send while streaming');
    await shot(page, 'chat-streaming-light');
    await page.getByTestId('chat-stop').click();
    const stopped = await answer(page, 'cancelled');
    // 30 pieces of "Hello from fake upstream." repeated: stopped early, only the start arrived.
    const slowText = 'Hello from fake upstream. '.repeat(5).trim();
    assert.ok(stopped.length > 0 && stopped.length < slowText.length && slowText.startsWith(stopped), `partial answer: ${stopped}`);
    assert.equal(await lastAnswer(page).getByTestId('message-status').innerText(), 'Stopped');
    await fake.waitForStats((s) => s.streams_client_closed >= 1, { timeout: 10_000 });
    await page.getByTestId('chat-send').waitFor();
    await page.getByTestId('chat-input').fill('');

    // Regenerate the stopped answer: it is replaced by a complete one.
    await lastAnswer(page).getByTestId('message-regenerate').click();
    await page.getByTestId('chat-stop').waitFor();
    assert.equal(await answer(page, 'ok', 30_000), slowText);
    assert.equal(await messages(page).count(), 4);
    assert.equal(await page.locator('[data-testid="message"][data-status="cancelled"]').count(), 0);

    // Edit the first question and resend: everything after it is replaced.
    const firstQuestion = page.locator('[data-testid="message"][data-role="user"]').first();
    await firstQuestion.hover();
    await firstQuestion.getByTestId('message-edit').click();
    await page.getByTestId('message-edit-input').fill('Edited question [[fake:echo]]');
    await page.getByTestId('message-edit-submit').click();
    await page.getByTestId('confirm-ok').click(); // the later turns go: asked first
    assert.equal(await answer(page), 'Edited question [[fake:echo]]', 'the upstream saw only the edited question');
    assert.equal(await messages(page).count(), 2);

    // Reload: the conversation and its messages come back from the server.
    await page.reload();
    assert.equal(page.url(), firstUrl);
    await page.locator('[data-testid="message"][data-role="assistant"][data-status="ok"]').waitFor();
    assert.equal(await messages(page).count(), 2);
    assert.equal(await messages(page).first().getByTestId('message-content').innerText(), 'Edited question [[fake:echo]]');
    await lastAnswer(page).getByTestId('message-tokens').waitFor();
    await item.waitFor();

    // Markdown: headings, emphasis, inline code and a highlighted code block with a copy button.
    await page.getByTestId('chat-new').click();
    await page.waitForURL(`${plaza.url}/chat`);
    await page.getByTestId('chat-welcome').waitFor();
    const md = '# Title\n\n**bold** and `code`\n\n```js\nconst x = 1;\n```';
    await send(page, `Show markdown [[fake:ok text="${md}"]]`);
    await answer(page);
    const content = lastAnswer(page).getByTestId('message-content');
    assert.equal(await content.locator('h1').innerText(), 'Title');
    assert.equal(await content.locator('strong').innerText(), 'bold');
    assert.equal(await content.locator(':not(pre) > code').innerText(), 'code');
    const block = content.getByTestId('code-block');
    assert.equal(await block.getAttribute('data-lang'), 'js');
    assert.equal(await block.locator('pre').innerText(), 'const x = 1;');
    assert.equal(await block.locator('.tok-keyword').innerText(), 'const');
    await block.getByTestId('code-copy').click();
    await block.locator('[data-testid="code-copy"][data-state="copied"]').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'const x = 1;');
    await shot(page, 'chat-markdown-light');

    // HTML in a message or an answer stays text: no element is created and nothing runs.
    const evil = 'Look <img src=x onerror=alert(1)> <script>alert(2)</script> [x](javascript:alert(3))';
    await send(page, `${evil} [[fake:echo]]`);
    const echoed = await answer(page);
    assert.ok(echoed.includes('<img src=x onerror=alert(1)>'), echoed);
    const chat = page.getByTestId('chat-messages');
    assert.equal(await chat.locator('img').count(), 0);
    assert.equal(await chat.locator('script').count(), 0);
    assert.equal(await chat.locator('a[href^="javascript"]').count(), 0);
    assert.ok((await messages(page).nth(2).getByTestId('message-content').innerText()).includes('<script>alert(2)</script>'));

    // An upstream failure is shown inline with an error badge; the conversation goes on.
    await send(page, 'Fail please [[fake:status code=500]]');
    await answer(page, 'error');
    await lastAnswer(page).getByTestId('message-error').waitFor();
    assert.equal(await lastAnswer(page).getByTestId('message-status').innerText(), 'Error');
    await shot(page, 'chat-error-light');

    // Dark theme.
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await messages(page).nth(1).scrollIntoViewIfNeeded();
    await shot(page, 'chat-dark');
    await page.getByTestId('theme-toggle').click();

    // Rename the first conversation (Escape cancels, Enter saves); it stays renamed after a reload.
    await item.hover();
    await item.getByTestId('conversation-rename').click();
    await item.getByTestId('conversation-rename-input').press('Escape');
    await item.getByTestId('conversation-link').waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'conversation-rename'); // the keyboard goes on from there
    // A click elsewhere ends it unsaved.
    await item.getByTestId('conversation-rename').click();
    await item.getByTestId('conversation-rename-input').fill('Not kept');
    await page.getByTestId('chat-messages').click();
    await item.getByTestId('conversation-link').waitFor();
    assert.notEqual(await item.getAttribute('data-title'), 'Not kept');
    await item.hover();
    await item.getByTestId('conversation-rename').click();
    await item.getByTestId('conversation-rename-input').fill('Renamed chat');
    await item.getByTestId('conversation-rename-input').press('Enter');
    const renamed = page.locator('[data-testid="conversation-item"][data-title="Renamed chat"]');
    await renamed.waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'conversation-rename');
    await page.reload();
    await renamed.waitFor();

    // Delete the conversation being shown: back to a new chat.
    await renamed.getByTestId('conversation-link').click();
    await page.waitForURL(firstUrl);
    await renamed.hover();
    await renamed.getByTestId('conversation-delete').click();
    await page.getByTestId('confirm-dialog').waitFor();
    await page.getByTestId('confirm-ok').click();
    await renamed.waitFor({ state: 'detached' });
    await page.waitForURL(`${plaza.url}/chat`);
    // The focus is not lost with the button that opened the dialog: "New chat", or the new chat's message box.
    await page.waitForFunction(() => ['chat-new', 'chat-input'].includes(document.activeElement?.getAttribute('data-testid')));
    // Back to it: gone, and its title with it.
    await page.goBack();
    await page.getByTestId('conversation-not-found').waitFor();
    assert.notEqual(await page.getByTestId('chat-title').innerText(), 'Renamed chat');
    assert.notEqual(await page.title(), 'Renamed chat · Plaza');
    await page.goto(firstUrl);
    await page.getByTestId('conversation-not-found').waitFor();

    // A new chat whose first message fails: the failure shows, and the chat goes on.
    await page.getByTestId('chat-new').click();
    await page.getByTestId('chat-welcome').waitFor();
    await send(page, 'First message fails [[fake:status code=500]]');
    await answer(page, 'error');
    assert.match(await lastAnswer(page).getByTestId('message-error').innerText(), /^The model's service failed \(HTTP 500\)\.$/);
    await send(page, 'Hello again');
    assert.equal(await answer(page), 'Hello from fake upstream.');
    await page.waitForURL(/\/chat\/\d+$/);

    // Clear all, after a cancel.
    assert.ok((await page.getByTestId('conversation-item').count()) >= 1);
    await page.getByTestId('chat-clear-all').click();
    await page.getByTestId('confirm-cancel').click();
    assert.ok((await page.getByTestId('conversation-item').count()) >= 1);
    await page.getByTestId('chat-clear-all').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('conversations-empty').waitFor();
    await page.reload();
    await page.getByTestId('conversations-empty').waitFor();

    // A channel whose key the upstream refuses: its test fails, a chat through it fails, the
    // relay disables it automatically, the page says why, and Re-enable brings it back.
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-channels').click();
    await page.getByTestId('channel-add').click();
    await page.getByTestId('field-name').fill('Bad key');
    await page.getByTestId('field-base_url').fill(`${fake.url}/v1`);
    await page.getByTestId('field-keys').fill('sk-wrong');
    await page.getByTestId('field-models').fill('bad-model=gpt-4o-mini');
    await page.getByTestId('channel-save').click();
    const bad = page.locator('[data-testid="channel-row"][data-name="Bad key"]');
    await bad.waitFor();
    assert.match(await bad.innerText(), /bad-model → gpt-4o-mini/);
    await bad.getByTestId('channel-test').click();
    await bad.locator('[data-testid="channel-test-result"][data-ok="false"]').waitFor();
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('model-picker').selectOption('bad-model');
    await send(page, 'Through the bad key');
    await answer(page, 'error');
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-channels').click();
    await bad.locator('[data-testid="channel-status"][data-status="auto_disabled"]').waitFor();
    // Each channel says how it did in the site's newest requests: the chats above came through the first.
    assert.ok(Number(await row.getByTestId('channel-health').getAttribute('data-requests')) >= 3);
    assert.match(await row.getByTestId('channel-health').innerText(), /answered/);
    assert.match(await bad.getByTestId('channel-reason').innerText(), /refused the key/);
    await shot(page, 'admin-channels-disabled-light');
    await bad.getByTestId('channel-enable').click();
    await bad.locator('[data-testid="channel-status"][data-status="enabled"]').waitFor();
    assert.equal(await bad.getByTestId('channel-enable').count(), 0);
    assert.equal(await bad.locator('.chip-off').count(), 0, 'its key is enabled again');
    await bad.getByTestId('channel-delete').click();
    await page.getByTestId('confirm-ok').click();
    await bad.waitFor({ state: 'detached' });
    await page.reload();
    await row.waitFor();
    assert.equal(await bad.count(), 0);

    // An Anthropic channel with its own answer length: what a chat through it asks the upstream for.
    await page.getByTestId('channel-add').click();
    await page.getByTestId('field-type').selectOption('anthropic');
    await page.getByTestId('field-name').fill('Claude');
    await page.getByTestId('field-base_url').fill(`${fake.url}/v1`);
    await page.getByTestId('field-keys').fill('sk-up');
    await page.getByTestId('field-models').fill('claude-long');
    await page.locator('details.advanced summary').click();
    await page.getByTestId('field-default_max_tokens').fill('2000000');
    await page.getByTestId('channel-save').click();
    await page.getByTestId('error-default_max_tokens').waitFor();
    await page.getByTestId('field-default_max_tokens').fill('64000');
    await page.getByTestId('channel-save').click();
    const claude = page.locator('[data-testid="channel-row"][data-name="Claude"]');
    await claude.waitFor();
    await page.getByTestId('nav-chat').click();
    await page.getByTestId('model-picker').selectOption('claude-long');
    await send(page, 'A long answer, please');
    await answer(page);
    assert.equal(JSON.parse((await fake.requests()).at(-1).body).max_tokens, 64000);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-channels').click();
    await claude.getByTestId('channel-delete').click();
    await page.getByTestId('confirm-ok').click();
    await claude.waitFor({ state: 'detached' });

    // The request log shows the admin's web chats, the failed ones marked, filtered by status.
    await page.getByTestId('admin-tab-requests').click();
    await page.waitForURL(`${plaza.url}/admin/requests`);
    const requests = page.getByTestId('requests-row');
    await requests.first().waitFor();
    assert.ok((await requests.count()) >= 3);
    assert.equal(await requests.first().getByTestId('requests-user').innerText(), 'admin');
    await page.getByTestId('field-status').selectOption('error');
    await page.getByTestId('requests-apply').click();
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="requests-row"]')];
      return rows.length > 0 && rows.every((r) => r.dataset.status === 'error');
    });
    assert.match(await requests.first().getByTestId('requests-status').innerText(), /error/);
    // Each says why: the upstream's answer to 'Fail please [[fake:status code=500]]' among them.
    const details = await page.getByTestId('requests-detail').allInnerTexts();
    assert.equal(details.length, await requests.count(), 'every failed row says why');
    assert.ok(details.some((d) => /^HTTP 500\b/.test(d)), details.join(' | '));
    assert.ok(details.every((d) => !d.includes(fake.url) && !d.includes('sk-up')), 'no URL or key');
    await shot(page, 'admin-requests-light');

    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a new user chats on a phone; the conversation list is a drawer', async () => {
    const { context, page, errors } = await newPage({ viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });
    await signUp(page, plaza.url, uniqueName('mobile'), 'phone password 1');
    const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    // The list is hidden behind the drawer button.
    const sidebar = page.getByTestId('chat-sidebar');
    const toggle = page.getByTestId('chat-drawer-toggle');
    await toggle.waitFor();  // shown once the chat page has rendered, not necessarily as sign-up returns
    assert.ok(!(await sidebar.isVisible()), 'the drawer starts closed');
    await page.getByTestId('model-picker').waitFor();
    // A phone's keyboard has no Shift+Enter: Enter is a new line, the button sends, and the box
    // does not take the focus unasked (its keyboard would cover the page).
    assert.notEqual(await focused(page), 'chat-input');
    assert.equal(await page.locator('.composer-hint').innerText(), 'The button sends · Enter is a new line');
    await page.getByTestId('chat-input').fill('line one');
    await page.getByTestId('chat-input').press('Enter');
    await page.getByTestId('chat-input').pressSequentially('line two');
    assert.equal(await page.getByTestId('chat-input').inputValue(), 'line one\nline two');
    assert.equal(await messages(page).count(), 0, 'Enter sent nothing');
    await send(page, 'Hi from a phone');
    assert.equal(await answer(page), 'Hello from fake upstream.');
    await page.waitForURL(/\/chat\/\d+$/);
    const url = page.url();
    await send(page, 'A table please [[fake:ok text="| a | b |\n|---|---|\n| 1 | 2 |\n\nsome `long_inline_code_that_should_wrap_somewhere_nicely` and a very long line of text that wraps"]]');
    await answer(page);
    await lastAnswer(page).locator('table').waitFor();
    assert.ok(await noSideScroll(), 'the chat fits 375px');
    await shot(page, 'chat-phone');

    // Open the drawer, start a new chat from it, then come back to the first one.
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await sidebar.waitFor({ state: 'visible' });
    await page.locator('[data-testid="conversation-item"][data-title="Hi from a phone"]').waitFor();
    await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-testid="chat-sidebar"]')).transform === 'none');
    await shot(page, 'chat-phone-drawer');
    await page.getByTestId('chat-new').click();
    await page.waitForURL(`${plaza.url}/chat`);
    await sidebar.waitFor({ state: 'hidden' });
    await page.getByTestId('chat-welcome').waitFor();
    await toggle.click();
    await sidebar.waitFor({ state: 'visible' });
    // What the drawer covers takes no focus; Escape closes it, the focus back on its button.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.querySelector('.chat-main').contains(document.activeElement)), false, `tab ${i + 1}`);
    }
    await page.keyboard.press('Escape');
    await sidebar.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'chat-drawer-toggle');
    await toggle.click();
    await sidebar.waitFor({ state: 'visible' });
    // The backdrop closes it too.
    await page.getByTestId('chat-backdrop').click({ position: { x: 360, y: 400 } });
    await sidebar.waitFor({ state: 'hidden' });
    await toggle.click();
    await page.locator('[data-testid="conversation-item"][data-title="Hi from a phone"]').getByTestId('conversation-link').click();
    await page.waitForURL(url);
    await sidebar.waitFor({ state: 'hidden' });
    await messages(page).nth(3).waitFor();
    assert.equal(await messages(page).count(), 4);

    // The site menu still works on the chat page.
    await page.getByTestId('menu-toggle').click();
    await page.getByTestId('nav-keys').click();
    await page.waitForURL(`${plaza.url}/keys`);
    assert.ok(await noSideScroll());

    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a user on a phone sends images with a message and finds them after a reload', async () => {
    const { context, page, errors } = await newPage({ viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });
    await signUp(page, plaza.url, uniqueName('pictures'), 'picture password 1');
    await page.getByTestId('model-picker').waitFor();
    const attach = (files) => page.getByTestId('attach-input').setInputFiles(files);
    const attached = page.getByTestId('attachment');
    const red = png(255, 0, 0), blue = png(0, 0, 255);

    // Refused on the page, before any upload: not an image, too big (a GIF, which may move, is not redrawn smaller).
    await attach([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }]);
    assert.match(await page.getByTestId('attach-error').innerText(), /notes\.txt/);
    await attach([{ name: 'huge.gif', mimeType: 'image/gif', buffer: Buffer.alloc(600 * 1024) }]);
    assert.match(await page.getByTestId('attach-error').innerText(), /huge\.gif/);
    assert.equal(await attached.count(), 0);

    // A question refused before any answer (here the upstream's 400, as a model that reads no images
    // answers) gives its text and images back to the composer.
    await attach([{ name: 'red.png', mimeType: 'image/png', buffer: red }]);
    await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor();
    await send(page, 'refused [[fake:status code=400]]');
    await page.waitForFunction(() => document.querySelector('[data-testid="chat-input"]').value.startsWith('refused'));
    await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor();
    assert.equal(await attached.count(), 1);
    await page.getByTestId('chat-input').fill('');
    await attached.getByTestId('attachment-remove').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="attachment"]').length === 0);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'chat-input', 'removed by keyboard, the message box has the focus');

    // Two attached, one removed again, then another.
    await attach([{ name: 'red.png', mimeType: 'image/png', buffer: red }, { name: 'blue.png', mimeType: 'image/png', buffer: blue }]);
    await page.locator('[data-testid="attachment"][data-state="ready"]').nth(1).waitFor();
    await attached.nth(1).getByTestId('attachment-remove').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="attachment"]').length === 1);
    await attach([{ name: 'blue.png', mimeType: 'image/png', buffer: blue }]);
    await page.locator('[data-testid="attachment"][data-state="ready"]').nth(1).waitFor();
    await shot(page, 'chat-phone-attached');
    const requestsBefore = (await fake.requests()).length;
    await send(page, 'Which colours are these?');
    assert.equal(await answer(page), 'Hello from fake upstream.');
    assert.equal(await attached.count(), 0, 'sent, the attachments are cleared');

    // The upstream got the text and both images, as data URLs of the bytes chosen.
    const sent = (await fake.requests()).slice(requestsBefore).map((r) => JSON.parse(r.body));
    assert.deepEqual(sent.at(-1).messages.at(-1).content, [
      { type: 'text', text: 'Which colours are these?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${red.toString('base64')}` } },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${blue.toString('base64')}` } },
    ]);

    // The question shows its images, drawn from the site's copies, and still does after a reload.
    const shown = async () => {
      const images = page.locator('[data-testid="message"][data-role="user"]').last().getByTestId('message-image');
      await images.nth(1).waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="message-image"]')].every((i) => i.complete));
      return images.evaluateAll((list) => list.map((i) => [i.naturalWidth, i.naturalHeight]));
    };
    assert.deepEqual(await shown(), [[2, 2], [2, 2]]);
    await page.waitForURL(/\/chat\/\d+$/);
    await page.reload();
    assert.deepEqual(await shown(), [[2, 2], [2, 2]]);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the chat fits 375px');
    await shot(page, 'chat-phone-images');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a question the server refuses goes back to the composer, not the list, and is asked once when sent again', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, plaza.url, uniqueName('refused'), 'refused password 1');
    await page.getByTestId('model-picker').waitFor();
    const input = page.getByTestId('chat-input');
    // Switched off after the page read the models: the server refuses the model before storing anything.
    const refusedSend = async (text) => {
      await putModel('gpt-4o-mini', { enabled: false });
      try {
        await send(page, text);
        await composerHolds(page, text);
        await answer(page, 'error');
      } finally {
        await putModel('gpt-4o-mini', { enabled: true });
      }
    };

    // In a new chat: the failed answer says why, the question is back in the box only.
    await refusedSend('Refused at first');
    await lastAnswer(page).getByTestId('message-error').waitFor();
    assert.deepEqual(await questionTexts(page), []);
    assert.equal(await messages(page).count(), 1);
    assert.equal(page.url(), `${plaza.url}/chat`, 'no conversation was started');
    await shot(page, 'chat-refused');
    // Sent again once the model is back: asked once, and the failure it replaces is gone.
    await input.press('Enter');
    assert.equal(await answer(page), 'Hello from fake upstream.');
    await page.waitForURL(/\/chat\/\d+$/);
    const id = page.url().split('/').pop();
    assert.deepEqual(await questionTexts(page), ['Refused at first']);
    assert.equal(await messages(page).count(), 2);
    await composerHolds(page, '');

    // In a conversation (the page reads it again after a refusal): the same.
    const reread = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === `/api/conversations/${id}`);
    await refusedSend('Refused later');
    await (await reread).finished();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="message"]').length === 3);
    assert.deepEqual(await questionTexts(page), ['Refused at first']);
    assert.equal(await lastAnswer(page).getAttribute('data-status'), 'error');
    assert.equal(await input.inputValue(), 'Refused later');
    // The failure is not the conversation's: answering again is offered on its last saved answer.
    assert.equal(await lastAnswer(page).getByTestId('message-regenerate').count(), 0);
    assert.equal(await messages(page).nth(1).getByTestId('message-regenerate').count(), 1);
    await input.press('Enter');
    assert.equal(await answer(page), 'Hello from fake upstream.');
    assert.deepEqual(await questionTexts(page), ['Refused at first', 'Refused later']);
    assert.equal(await messages(page).count(), 4);
    assert.equal(await page.locator('[data-testid="message"][data-status="error"]').count(), 0);

    // The server has the same.
    await page.reload();
    await messages(page).nth(3).waitFor();
    assert.deepEqual(await questionTexts(page), ['Refused at first', 'Refused later']);
    assert.equal(await messages(page).count(), 4);

    // Stopped before the answer's first word, the server drops the question: it comes back to the box.
    const streams = (await fake.stats()).open_streams;
    await send(page, 'Still thinking [[fake:stall after=0]]');
    await fake.waitForStats((st) => st.open_streams > streams, { timeout: 10_000 });
    await page.getByTestId('chat-stop').click();
    await composerHolds(page, 'Still thinking [[fake:stall after=0]]');
    await page.getByTestId('chat-send').waitFor();
    assert.deepEqual(await questionTexts(page), ['Refused at first', 'Refused later']);
    await fake.waitForStats((st) => st.open_streams === streams, { timeout: 10_000 });
    // Left for another chat instead, it waits as that conversation's draft.
    await input.fill('');
    await send(page, 'Thinking again [[fake:stall after=0]]');
    await fake.waitForStats((st) => st.open_streams > streams, { timeout: 10_000 });
    await page.getByTestId('chat-new').click();
    await page.waitForURL(`${plaza.url}/chat`);
    await page.goto(`${plaza.url}/chat/${id}`);
    await composerHolds(page, 'Thinking again [[fake:stall after=0]]');
    await messages(page).nth(3).waitFor();
    assert.deepEqual(await questionTexts(page), ['Refused at first', 'Refused later'], 'not on the server');
    await input.fill('');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('each conversation, and the new chat, keeps its own draft while the tab is open', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, plaza.url, uniqueName('drafts'), 'drafts password 1');
    await page.getByTestId('model-picker').waitFor();
    const input = page.getByTestId('chat-input');
    const conversation = (title) => page.locator(`[data-testid="conversation-item"][data-title="${title}"]`).getByTestId('conversation-link');
    const open = async (title) => {
      await conversation(title).click();
      await page.waitForFunction((t) => document.querySelector('[data-testid="chat-title"]')?.textContent === t, title);
    };
    const newChat = async () => {
      await page.getByTestId('chat-new').click();
      await page.getByTestId('chat-welcome').waitFor();
    };
    await send(page, 'First chat');
    await answer(page);
    await conversation('First chat').waitFor();
    await newChat();
    await send(page, 'Second chat');
    await answer(page);
    await conversation('Second chat').waitFor();

    await input.fill('draft for the second');
    await open('First chat');
    await composerHolds(page, '');
    await input.fill('draft for the first');
    await newChat();
    await composerHolds(page, '');
    await input.fill('draft for a new chat');
    await open('Second chat');
    await composerHolds(page, 'draft for the second');
    await open('First chat');
    await composerHolds(page, 'draft for the first');
    await newChat();
    await composerHolds(page, 'draft for a new chat');

    // Images attached stay with the chat they were attached in: leaving it drops them.
    await page.getByTestId('attach-input').setInputFiles([{ name: 'red.png', mimeType: 'image/png', buffer: png(255, 0, 0) }]);
    await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor();
    await open('First chat');
    await composerHolds(page, 'draft for the first');
    assert.equal(await page.getByTestId('attachment').count(), 0);

    // A reload keeps the drafts; sending one clears it.
    await page.reload();
    await composerHolds(page, 'draft for the first');
    await input.press('Enter');
    await answer(page); // in a conversation opened by its address (its id, from the URL, is sent as a number)
    assert.equal(await input.inputValue(), '');
    await open('Second chat');
    await composerHolds(page, 'draft for the second');
    await open('First chat');
    await composerHolds(page, '');

    // A new chat's draft, sent, starts a conversation; what is typed while its first answer streams
    // is that conversation's draft, and the next new chat starts empty.
    await newChat();
    await composerHolds(page, 'draft for a new chat');
    await input.fill('Slowly [[fake:slow delay_ms=100 chunks=10]]');
    await input.press('Enter');
    await page.getByTestId('chat-stop').waitFor();
    await page.waitForURL(/\/chat\/\d+$/);
    const slowUrl = page.url();
    await input.fill('typed while it answered');
    await answer(page);
    await newChat();
    await composerHolds(page, '');
    await page.getByTestId('conversation-item').first().getByTestId('conversation-link').click();
    await page.waitForURL(slowUrl);
    await composerHolds(page, 'typed while it answered');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('image files dropped on the chat are attached as chosen ones are, with a drop target shown while they are dragged', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, plaza.url, uniqueName('dropper'), 'dropper password 1');
    await page.getByTestId('model-picker').waitFor();
    const red = png(255, 0, 0);
    const redFile = { name: 'red.png', type: 'image/png', base64: red.toString('base64') };
    const target = page.getByTestId('chat-drop-target');

    // Dragged over the messages, the area says a drop attaches; dragged away, it says nothing more.
    await drag(page, '[data-testid="chat-messages"]', ['dragenter', 'dragover'], [redFile]);
    await target.waitFor();
    assert.equal(await target.innerText(), 'Drop images to attach them');
    await shot(page, 'chat-drop-target');
    await drag(page, '[data-testid="chat-messages"]', ['dragleave'], [redFile]);
    await target.waitFor({ state: 'detached' });

    // Dropped: attached, and refused as the attach button refuses (a file that is no image).
    await drag(page, '[data-testid="chat-messages"]', ['dragenter', 'dragover', 'drop'], [redFile]);
    await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor();
    assert.equal(await target.count(), 0);
    await drag(page, '[data-testid="composer"]', ['dragenter', 'dragover', 'drop'], [{ name: 'notes.txt', type: 'text/plain', base64: 'aGVsbG8=' }]);
    assert.match(await page.getByTestId('attach-error').innerText(), /notes\.txt/);
    assert.equal(await page.getByTestId('attachment').count(), 1);

    const requestsBefore = (await fake.requests()).length;
    await send(page, 'A dropped picture');
    await answer(page);
    const sent = (await fake.requests()).slice(requestsBefore).map((r) => JSON.parse(r.body));
    assert.deepEqual(sent.at(-1).messages.at(-1).content, [
      { type: 'text', text: 'A dropped picture' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${red.toString('base64')}` } },
    ]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a photo larger than the server takes is drawn smaller and sent as a JPEG', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, plaza.url, uniqueName('photographer'), 'photographer password 1');
    await page.getByTestId('model-picker').waitFor();
    // A noisy 2,400 × 1,600 picture: several megabytes, as a phone's photo is.
    const photo = noisePng(2400, 1600);
    assert.ok(photo.length > 4 * 512 * 1024);
    await page.getByTestId('attach-input').setInputFiles([{ name: 'photo.png', mimeType: 'image/png', buffer: photo }]);
    await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('attach-error').count(), 0);
    const requestsBefore = (await fake.requests()).length;
    await send(page, 'A big photo');
    await answer(page);
    const sent = (await fake.requests()).slice(requestsBefore).map((r) => JSON.parse(r.body)).at(-1);
    const url = sent.messages.at(-1).content.find((p) => p.type === 'image_url').image_url.url;
    assert.match(url, /^data:image\/jpeg;base64,/);
    const jpeg = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    assert.ok(jpeg.length <= 512 * 1024, `${jpeg.length} bytes`);
    // Its longest side is at most 2,048 pixels (read from the JPEG's frame header).
    const frame = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    assert.ok(frame > 0);
    const [height, width] = [jpeg.readUInt16BE(frame + 5), jpeg.readUInt16BE(frame + 7)];
    assert.ok(width <= 2048 && height <= 2048 && Math.abs(width / height - 1.5) < 0.01, `${width} × ${height}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a model that reads no images takes none: the attach button says so, and images attached before block sending', async () => {
    // A second model through the fake upstream, that the catalogue says reads no images.
    const admin = await adminApi();
    const channel = await admin.post('/api/admin/channels', {
      type: 'openai', name: 'Text only', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: [{ model: 'text-only', upstream: 'gpt-4o-mini' }],
    });
    assert.equal(channel.status, 201, channel.text);
    try {
      await putModel('text-only', { display_name: 'Text only', reads_images: false });
      // On a phone, where no title shows: a tap on the button says why.
      const { context, page, errors } = await newPage({ viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true });
      await signUp(page, plaza.url, uniqueName('textonly'), 'text only password 1');
      const picker = page.getByTestId('model-picker');
      await picker.waitFor();
      await picker.selectOption('gpt-4o-mini');
      const button = page.getByTestId('attach-button');
      assert.equal(await button.getAttribute('aria-disabled'), null);
      await page.getByTestId('attach-input').setInputFiles([{ name: 'red.png', mimeType: 'image/png', buffer: png(255, 0, 0) }]);
      await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor();
      await page.getByTestId('chat-input').fill('What colour is this?');

      // Switched to the model that reads none: the image stays, and says why the message can't go.
      await picker.selectOption('text-only');
      const blocked = page.getByTestId('attach-blocked');
      await blocked.waitFor();
      assert.match(await blocked.innerText(), /^Text only reads no images: remove the images or choose another model/);
      assert.equal(await page.getByTestId('attachment').count(), 1);
      assert.equal(await page.getByTestId('chat-send').isDisabled(), true);
      await page.getByTestId('chat-input').press('Enter');
      assert.equal(await page.getByTestId('attachment').count(), 1, 'Enter sent nothing');
      assert.equal(await button.getAttribute('aria-disabled'), 'true');
      assert.equal(await button.getAttribute('title'), 'Text only reads no images.');
      assert.equal(await page.getByTestId('attach-input').isDisabled(), true);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the message fits 375px');
      await shot(page, 'chat-no-images-blocked');

      // Removed, the message goes. A tap on the button, a drop and a paste each say why nothing
      // attaches (each on a fresh page, the model remembered, so no earlier refusal is still shown).
      await page.getByTestId('attachment-remove').click();
      await blocked.waitFor({ state: 'detached' });
      await page.getByTestId('chat-send').click();
      await answer(page);
      const attachError = page.getByTestId('attach-error');
      await button.click({ force: true }); // Playwright waits for an aria-disabled button to be enabled; a finger does not
      assert.equal(await attachError.innerText(), 'Text only reads no images.');
      await shot(page, 'chat-no-images');
      const redFile = { name: 'red.png', type: 'image/png', base64: png(255, 0, 0).toString('base64') };
      await page.reload();
      await page.locator('[data-testid="attach-button"][aria-disabled="true"]').waitFor();
      assert.equal(await attachError.count(), 0);
      await drag(page, '[data-testid="chat-messages"]', ['dragenter', 'dragover'], [redFile]);
      assert.equal(await page.getByTestId('chat-drop-target').innerText(), 'Text only reads no images.');
      await drag(page, '[data-testid="chat-messages"]', ['drop'], [redFile]);
      await page.getByTestId('chat-drop-target').waitFor({ state: 'detached' });
      assert.equal(await attachError.innerText(), 'Text only reads no images.');
      await page.reload();
      await page.locator('[data-testid="attach-button"][aria-disabled="true"]').waitFor();
      assert.equal(await attachError.count(), 0);
      await page.evaluate(({ base64 }) => {
        const data = new DataTransfer();
        data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'pasted.png', { type: 'image/png' }));
        const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
        document.querySelector('[data-testid="chat-input"]').dispatchEvent(paste);
      }, redFile);
      assert.equal(await attachError.innerText(), 'Text only reads no images.');
      assert.equal(await page.getByTestId('attachment').count(), 0);

      // Back on a model that reads them, what was said of the other goes, and images attach again.
      await picker.selectOption('gpt-4o-mini');
      assert.equal(await button.getAttribute('aria-disabled'), null);
      await attachError.waitFor({ state: 'detached' });
      await drag(page, '[data-testid="chat-messages"]', ['dragenter', 'dragover', 'drop'], [redFile]);
      await page.locator('[data-testid="attachment"][data-state="ready"]').waitFor();

      // Sent with its image, then edited for the model that reads none: the edit box says why it can't go.
      await page.getByTestId('chat-input').fill('And this one?');
      await page.getByTestId('chat-send').click();
      await answer(page);
      await picker.selectOption('text-only');
      const withImage = page.locator('[data-testid="message"][data-role="user"]').last();
      await withImage.getByTestId('message-edit').click();
      await withImage.getByTestId('message-edit-blocked').waitFor();
      assert.match(await withImage.getByTestId('message-edit-blocked').innerText(), /^Text only reads no images: choose another model/);
      assert.equal(await withImage.getByTestId('message-edit-submit').isDisabled(), true);
      await picker.selectOption('gpt-4o-mini');
      await withImage.getByTestId('message-edit-blocked').waitFor({ state: 'detached' });
      assert.equal(await withImage.getByTestId('message-edit-submit').isDisabled(), false);
      await withImage.getByTestId('message-edit-cancel').click();
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await admin.delete(`/api/admin/channels/${channel.data.channel.id}`);
      await admin.delete('/api/admin/models/text-only');
    }
  });

  test('a long conversation list comes a page at a time, keeps its pages, and is searched by title', async () => {
    const { context, page, errors } = await newPage();
    const username = uniqueName('many');
    await signUp(page, plaza.url, username, 'many chats password');
    const [[userId]] = sql(plaza, `SELECT id FROM users WHERE username = '${username}'`);
    // 130 older conversations, half of them about recipes.
    sql(plaza, 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130) ' +
      "INSERT INTO conversations (user_id, title, model, created_at, updated_at) SELECT " +
      `${userId}, CASE WHEN i % 2 = 0 THEN 'Recipe ' || i ELSE 'Trip ' || i END, 'gpt-4o-mini', 1000 + i, 1000 + i FROM n`);
    await page.reload();
    const items = page.getByTestId('conversation-item');
    const more = page.getByTestId('conversations-more');
    await more.waitFor();
    assert.equal(await items.count(), 100, 'the first page');
    assert.equal(await items.first().getAttribute('data-title'), 'Recipe 130', 'most recent first');
    // A conversation past the first page, opened by its address, is named from the server.
    const [[oldest]] = sql(plaza, `SELECT id FROM conversations WHERE user_id = ${userId} AND title = 'Trip 1'`);
    await page.goto(`${plaza.url}/chat/${oldest}`);
    await more.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="chat-title"]')?.textContent === 'Trip 1');
    await more.click();
    await more.waitFor({ state: 'detached' });
    assert.equal(await items.count(), 130);
    assert.equal(await items.last().getAttribute('data-title'), 'Trip 1');
    await shot(page, 'chat-many-conversations');
    await page.getByTestId('chat-new').click();
    await page.waitForURL(`${plaza.url}/chat`);

    // A new chat reads the first page again; the page opened below it stays.
    await page.getByTestId('model-picker').waitFor();
    await send(page, 'Fresh question');
    await answer(page);
    await page.locator('[data-testid="conversation-item"][data-title="Fresh question"]').waitFor();
    assert.equal(await items.count(), 131);
    assert.equal(await items.last().getAttribute('data-title'), 'Trip 1');

    await page.getByTestId('conversation-search').fill('RECIPE 12');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation-item"]').length === 6);
    await shot(page, 'chat-search');
    assert.equal(await page.getByTestId('chat-title').innerText(), 'Fresh question', 'the conversation in view keeps its name');
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.title)),
      ['Recipe 128', 'Recipe 126', 'Recipe 124', 'Recipe 122', 'Recipe 120', 'Recipe 12']);
    assert.equal(await more.count(), 0);
    await page.getByTestId('conversation-search').fill('nothing like this');
    await page.getByTestId('conversations-empty').waitFor();
    await page.getByTestId('conversation-search').fill('');
    await more.waitFor();
    assert.equal(await items.count(), 100, 'back to the first page of all');

    // With little context the oldest turns are left out of a question, and its answer says so.
    const [[contextLength]] = sql(plaza, "SELECT context_length FROM models WHERE id = 'gpt-4o-mini'");
    sql(plaza, "UPDATE models SET context_length = 300 WHERE id = 'gpt-4o-mini'");
    try {
      for (let i = 0; i < 3; i++) {
        await send(page, `${i} ${'word '.repeat(80)}`);
        await answer(page);
        if (i === 0) assert.equal(await lastAnswer(page).getByTestId('message-left-out').count(), 0, 'the first long question went whole');
      }
      const mark = await lastAnswer(page).getByTestId('message-left-out').innerText();
      assert.match(mark, /^Earlier messages not sent: \d+$/);
      await shot(page, 'chat-left-out');
      await page.reload();
      await lastAnswer(page).waitFor();
      assert.equal(await lastAnswer(page).getByTestId('message-left-out').innerText(), mark, 'still said after a reload');
    } finally {
      sql(plaza, `UPDATE models SET context_length = ${Number(contextLength)} WHERE id = 'gpt-4o-mini'`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a page of another site streams an answer from /v1 with its user\'s key', async () => {
    const { key } = await userWithKey(plaza, uniqueName('cors'));
    // Someone's web app, on another origin than Plaza's.
    const app = createServer((req, res) => res.end('<!doctype html><title>Someone else\'s app</title>'));
    await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
    const { context, page } = await newPage();
    await page.goto(`http://127.0.0.1:${app.address().port}/`);
    const result = await page.evaluate(async ({ url, key }) => {
      try {
        const r = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-stainless-os': 'Linux' },
          body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        });
        const reader = r.body.getReader();
        let text = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        return { status: r.status, requestId: r.headers.get('x-request-id'), text };
      } catch (e) {
        return { error: String(e) };
      }
    }, { url: plaza.url, key });
    assert.equal(result.error, undefined, 'the browser let the page read the answer');
    assert.equal(result.status, 200);
    assert.ok(result.requestId, 'the request id is exposed to the page');
    assert.match(result.text, /data: \[DONE\]/);
    const words = result.text.split('\n').filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '').join('');
    assert.ok(words.length > 0, result.text);
    await context.close();
    app.close();
  });

  test('the new pages are translated into Chinese', async () => {
    const { context, page, errors } = await newPage({ locale: 'zh-CN' });
    await signIn(page, 'admin', 'admin-password');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await page.getByTestId('nav-chat').innerText(), '对话');
    assert.equal(await page.getByTestId('nav-admin').innerText(), '管理');
    assert.equal((await page.getByTestId('chat-new').innerText()).trim(), '新对话');
    assert.equal(await page.getByTestId('chat-input').getAttribute('placeholder'), '输入消息…');
    await send(page, '你好');
    await answer(page);
    assert.match(await lastAnswer(page).getByTestId('message-tokens').innerText(), /^输入 \d+ · 输出 \d+$/);
    assert.equal(await lastAnswer(page).getByTestId('message-regenerate').getAttribute('aria-label'), '重新生成');
    const picture = { name: 'red.png', type: 'image/png', base64: png(255, 0, 0).toString('base64') };
    await drag(page, '[data-testid="chat-messages"]', ['dragenter', 'dragover'], [picture]);
    assert.equal(await page.getByTestId('chat-drop-target').innerText(), '松开即可添加图片');
    await drag(page, '[data-testid="chat-messages"]', ['dragleave'], [picture]);
    await page.getByTestId('chat-drop-target').waitFor({ state: 'detached' });
    await shot(page, 'chat-zh');

    await page.getByTestId('nav-admin').click();
    assert.equal(await page.getByTestId('admin-tab-users').innerText(), '用户');
    assert.equal(await page.getByTestId('admin-tab-channels').innerText(), '渠道');
    assert.equal(await page.getByTestId('admin-tab-models').innerText(), '模型');
    assert.equal(await page.getByTestId('admin-tab-requests').innerText(), '请求日志');
    await page.getByTestId('admin-tab-channels').click();
    await page.getByTestId('channel-row').first().waitFor();
    assert.equal(await page.getByTestId('channel-test').first().innerText(), '测试');
    assert.equal(await page.getByTestId('channel-status').first().innerText(), '已启用');
    await page.getByTestId('channel-edit').first().click();
    assert.match(await page.getByTestId('channel-form').innerText(), /留空则保留当前密钥/);
    await shot(page, 'admin-channels-zh');
    await page.getByTestId('admin-tab-models').click();
    await page.getByTestId('model-row').first().waitFor();
    assert.equal(await page.getByTestId('model-edit').first().innerText(), '编辑');

    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a double click sends once; Stop, Regenerate and an edit leave the focus in the message box; an edit that deletes later turns asks first', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, plaza.url, uniqueName('focus'), 'focus password 1');
    await page.getByTestId('model-picker').waitFor();
    const input = page.getByTestId('chat-input');
    // On a desktop the message box has the focus from the start.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'chat-input');

    // The second click of a double click on Send lands on Stop, which took its place: ignored.
    await input.fill('Twice [[fake:slow delay_ms=100 chunks=8]]');
    await page.getByTestId('chat-send').dblclick();
    await answer(page);
    assert.deepEqual(await questionTexts(page), ['Twice [[fake:slow delay_ms=100 chunks=8]]']);
    assert.equal(await messages(page).count(), 2);

    // Stop and Regenerate go away once pressed: the keyboard goes on from the message box.
    await send(page, 'Slowly [[fake:slow delay_ms=300 chunks=6]]');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="message"][data-status="streaming"] [data-testid="message-content"]');
      return el && el.textContent.trim().length > 0;
    });
    await page.getByTestId('chat-stop').click();
    await answer(page, 'cancelled');
    assert.equal(await focused(page), 'chat-input');
    await lastAnswer(page).getByTestId('message-regenerate').click();
    assert.equal(await focused(page), 'chat-input');
    await answer(page, 'ok', 30_000);

    // Editing the first question would delete the turn after it: asked first; cancelled, nothing changes.
    const first = page.locator('[data-testid="message"][data-role="user"]').first();
    await first.hover();
    await first.getByTestId('message-edit').click();
    const box = page.getByTestId('message-edit-input');
    const height = (await box.boundingBox()).height;
    const edited = 'Edited\nover\nseveral\nlines\nof\ntext';
    await box.fill(edited);
    assert.ok((await box.boundingBox()).height > height, 'the edit box grows with its text');
    await page.getByTestId('message-edit-submit').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /the 2 messages after it are deleted/);
    await shot(page, 'chat-edit-confirm');
    await page.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await box.inputValue(), edited, 'the edit is kept');
    assert.equal(await messages(page).count(), 4);
    await page.getByTestId('message-edit-submit').click();
    await page.getByTestId('confirm-ok').click();
    await answer(page);
    assert.equal(await messages(page).count(), 2);
    assert.equal(await focused(page), 'chat-input');
    // The last question has nothing after it but its answer: edited without asking.
    await first.hover();
    await first.getByTestId('message-edit').click();
    await box.fill('Edited again');
    await page.getByTestId('message-edit-submit').click();
    await answer(page);
    assert.deepEqual(await questionTexts(page), ['Edited again']);
    assert.equal(await dialog.isVisible(), false);

    // Buttons repeated for each conversation say which one they act on; the language button's name holds its text.
    const item = page.getByTestId('conversation-item').first();
    const title = await item.getAttribute('data-title');
    assert.equal(await item.getByTestId('conversation-rename').getAttribute('aria-label'), `Rename “${title}”`);
    assert.equal(await item.getByTestId('conversation-delete').getAttribute('aria-label'), `Delete “${title}”`);
    const lang = page.getByTestId('lang-toggle');
    assert.ok((await lang.getAttribute('aria-label')).includes((await lang.innerText()).trim()));
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a message sent while another tab is answering stays in its composer, with a notice and no failed answer', async () => {
    const { context, page, errors } = await newPage();
    await signUp(page, plaza.url, uniqueName('tabs'), 'tabs password 1');
    await page.getByTestId('model-picker').waitFor();
    await send(page, 'First');
    await answer(page);
    await page.waitForURL(/\/chat\/\d+$/);
    const other = await context.newPage();
    await other.setViewportSize({ width: 1280, height: 860 });
    await other.goto(page.url());
    await messages(other).nth(1).waitFor();

    const streams = (await fake.stats()).open_streams;
    await send(page, 'Take your time [[fake:stall after=1]]');
    await fake.waitForStats((st) => st.open_streams > streams, { timeout: 10_000 });
    await send(other, 'Mine');
    await other.getByTestId('chat-answering-elsewhere').waitFor();
    assert.match(await other.getByTestId('chat-answering-elsewhere').innerText(), /answering in another tab or window/);
    await composerHolds(other, 'Mine');
    assert.equal(await other.getByTestId('message-error').count(), 0, 'no answer is marked as failed');
    assert.equal(await other.locator('[data-testid="message"][data-status="error"]').count(), 0);
    assert.ok(!(await questionTexts(other)).includes('Mine'));
    await shot(other, 'chat-answering-elsewhere');

    // Once the first tab's answer is stopped, the second tab's question goes.
    await page.getByTestId('chat-stop').click();
    await answer(page, 'cancelled');
    await fake.waitForStats((st) => st.open_streams === streams, { timeout: 10_000 });
    await other.getByTestId('chat-input').press('Enter');
    await other.getByTestId('chat-answering-elsewhere').waitFor({ state: 'detached' });
    await answer(other);
    assert.equal((await questionTexts(other)).at(-1), 'Mine');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('an answer slow to start says so after ten seconds, under the dots', async () => {
    const { context, page, errors } = await newPage();
    await page.clock.install();  // the page's timers, moved on below instead of waited for
    await signUp(page, plaza.url, uniqueName('slow'), 'slow password 1');
    await page.getByTestId('model-picker').waitFor();
    const streams = (await fake.stats()).open_streams;
    await send(page, 'Slow to start [[fake:stall after=0]]');
    await fake.waitForStats((st) => st.open_streams > streams, { timeout: 10_000 });
    await page.locator('.typing').waitFor();
    await page.clock.runFor(9_000);
    assert.equal(await page.getByTestId('answer-slow').count(), 0, 'not before ten seconds');
    await page.clock.runFor(2_000);
    const slow = page.getByTestId('answer-slow');
    await slow.waitFor();
    assert.equal(await slow.innerText(), 'The model is taking longer than usual to answer. You can wait, or stop it.');
    assert.equal(await page.locator('.typing').count(), 1, 'the dots stay');
    await shot(page, 'chat-answer-slow');
    await page.getByTestId('chat-stop').click();
    await slow.waitFor({ state: 'detached' });
    await fake.waitForStats((st) => st.open_streams === streams, { timeout: 10_000 });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a conversation whose model is no longer offered says which model answers instead', async () => {
    const admin = await adminApi();
    const channel = await admin.post('/api/admin/channels', {
      type: 'openai', name: 'Spare', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: [{ model: 'spare-model', upstream: 'gpt-4o-mini' }],
    });
    assert.equal(channel.status, 201, channel.text);
    try {
      const { context, page, errors } = await newPage();
      await signUp(page, plaza.url, uniqueName('spare'), 'spare password 1');
      const picker = page.getByTestId('model-picker');
      await picker.waitFor();
      await picker.selectOption('spare-model');
      await send(page, 'Hello spare');
      await answer(page);
      await page.waitForURL(/\/chat\/\d+$/);
      assert.equal(await page.getByTestId('chat-model-gone').count(), 0);

      // The operator hides it: the conversation opens with another model, and says so.
      await putModel('spare-model', { enabled: false });
      await page.reload();
      const gone = page.getByTestId('chat-model-gone');
      await gone.waitFor();
      assert.equal(await gone.innerText(), 'This conversation\'s model, spare-model, is no longer available: GPT-4o mini answers from now on.');
      await shot(page, 'chat-model-gone');
      // Answered by the new model, the conversation is its own again.
      await send(page, 'Hello again');
      await answer(page);
      await gone.waitFor({ state: 'detached' });
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await admin.delete(`/api/admin/channels/${channel.data.channel.id}`);
      await admin.delete('/api/admin/models/spare-model');
    }
  });
});

