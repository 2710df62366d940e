// Shared setup for the browser tests: a real plaza server (or PLAZA_URL, to point the tests
// at one you already run) and Debian's Chromium driven by playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
// Loaded with the file (not with server.mjs, which startSite imports when it first runs): its
// after-the-file hook must be registered at the file's top level, not inside a test or a hook.
import '../lib/leftovers.mjs';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export async function startSite() {
  if (process.env.PLAZA_URL) {
    return {
      url: process.env.PLAZA_URL.replace(/\/$/, ''),
      setupToken: process.env.PLAZA_SETUP_TOKEN,
      stop: async () => {},
    };
  }
  const { startPlaza } = await import('../lib/server.mjs');
  return startPlaza({ backend: 'sqlite' });
}

/**
 * playwright-core gives chromium.launch() a fresh temporary profile and removes it on close;
 * each test then works in its own incognito-like context.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: chromiumArgs,
    headless: true,
  });
  return { browser, close: () => browser.close() };
}

/**
 * Records console errors and page errors. A 401 from the first /api/me probe is expected for
 * a signed-out visitor (Chromium logs every failed response), so responses with a status are
 * ignored; CSP violations and script errors are not.
 */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/Failed to load resource: the server responded with a status of \d+/.test(text)) return;
    errors.push(`console: ${text}`);
  });
  return errors;
}

/** Saves a screenshot when E2E_SCREENSHOTS names a folder (for people to look at). */
export async function shot(page, name) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

let counter = 0;
export function uniqueName(prefix) {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`.slice(0, 32);
}

/** The first-admin setup token, from what the server helper exposes (token, link or its log). */
export function setupTokenOf(site) {
  if (site.setupToken) return site.setupToken;
  if (site.setupUrl) return new URL(site.setupUrl).searchParams.get('token');
  // The server logs "open http://.../setup?token=... to create one" while it has no admin.
  const m = typeof site.log === 'function' ? /\/setup\?token=([A-Za-z0-9_%-]+)/.exec(site.log()) : null;
  return m ? decodeURIComponent(m[1]) : null;
}

/**
 * A page in a fresh context (English, light, desktop size unless `options` say otherwise) and the
 * errors it logs. `timeout` is each action's default timeout; with `dismissDialogs` a dialog is
 * dismissed and counted as an error (a script injected through content would most likely show one).
 */
export async function openPage(chrome, options = {}, { timeout = 15_000, dismissDialogs = false } = {}) {
  const context = await chrome.browser.newContext({ locale: 'en-US', colorScheme: 'light', viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const errors = watchErrors(page);
  if (dismissDialogs)
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  return { context, page, errors };
}

/** Registers `username` through the form; the site lands on the chat. */
export async function signUp(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/register`);
  await page.getByTestId('field-username').fill(username);
  await page.getByTestId('field-password').fill(password);
  await page.getByTestId('field-confirm').fill(password);
  await page.getByTestId('register-submit').click();
  await page.waitForURL(`${baseUrl}/chat`);
}

/** Signs `username` in through the form; the site lands on the chat. */
export async function signIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('field-username').fill(username);
  await page.getByTestId('field-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${baseUrl}/chat`);
}
