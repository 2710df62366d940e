import { describe, expect, test } from 'vitest';
import { en } from './en';
import { zh } from './zh';
import { detectLang, dictionaries, translate, translateNodes } from './index';

// A placeholder is `{name}`, or a count's plural forms `{name, plural, …}`; each name counted once.
const pluralForms = /\{(\w+), plural, one \{[^{}]*\} other \{[^{}]*\}\}/g;
const placeholders = (s: string) => {
  const names = [...s.matchAll(pluralForms)].map((m) => m[1]);
  names.push(...[...s.replace(pluralForms, '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
  return [...new Set(names)].sort();
};

describe('dictionaries', () => {
  test('every language has exactly the English keys', () => {
    for (const [lang, dict] of Object.entries(dictionaries)) {
      expect(Object.keys(dict).sort(), lang).toEqual(Object.keys(en).sort());
    }
  });
  test('no message is empty and translations keep the same placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[key].trim(), key).not.toBe('');
      expect(zh[key].trim(), key).not.toBe('');
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });
  test('the language switch keeps one accessible name in every language', () => {
    expect(zh['lang.switch']).toBe(en['lang.switch']);
  });
});

test('translate fills placeholders and leaves unknown ones alone', () => {
  expect(translate('en', 'keys.revoked', { name: 'ci' })).toBe('Key “ci” was revoked.');
  expect(translate('zh', 'keys.revoked', { name: 'ci' })).toBe('密钥“ci”已撤销。');
  expect(translate('en', 'keys.revoked')).toBe('Key “{name}” was revoked.');
});

describe('counts in English', () => {
  test('one and many take their own words', () => {
    expect(translate('en', 'error.upstreamBusy', { seconds: 1 })).toBe("The model's service is busy. Try again in 1 second.");
    expect(translate('en', 'error.upstreamBusy', { seconds: 7 })).toBe("The model's service is busy. Try again in 7 seconds.");
    expect(translate('en', 'apps.rateStars', { count: 1 })).toBe('1 star');
    expect(translate('en', 'apps.ratingLabel', { rating: '4.0', count: 1 })).toBe('Rated 4.0 of 5 by 1 person');
    expect(translate('en', 'apps.ratingLabel', { rating: '4.0', count: '1,204' })).toBe('Rated 4.0 of 5 by 1,204 people');
    expect(translate('en', 'channels.testKeysFailed', { bad: 1, n: 1 })).toBe('1 of 1 key does not work');
    expect(translate('en', 'channels.testKeysFailed', { bad: 2, n: 3 })).toBe('2 of 3 keys do not work');
  });
  test('a sentence with nodes in it chooses its count\'s words too', () => {
    const nodes = translateNodes('en', 'billing.pricePerPeriod', { price: 'P', days: 1 }) as { props: { children: unknown } }[];
    expect(nodes.map((n) => n.props.children).join('')).toBe('P credits / 1 day');
  });
  test('Chinese, which has no plurals, is left as written', () => {
    expect(translate('zh', 'error.upstreamBusy', { seconds: 1 })).toBe(zh['error.upstreamBusy'].replace('{seconds}', '1'));
  });
  test('no English count of things is written without its singular', () => {
    // "{n} seconds" reads "1 seconds": counts of things go through a plural form.
    const bare = /\{\w+\} (seconds|users|tokens|keys|calls|codes|days|stars|people|words|attempts|batches|rows|models)\b/;
    for (const [key, text] of Object.entries(en)) expect(text, key).not.toMatch(bare);
  });
});

describe('detectLang', () => {
  test('a stored choice wins', () => {
    expect(detectLang('zh', ['en-US'])).toBe('zh');
    expect(detectLang('en', ['zh-CN'])).toBe('en');
  });
  test('otherwise the first supported browser language', () => {
    expect(detectLang(null, ['zh-CN', 'en'])).toBe('zh');
    expect(detectLang(null, ['zh-TW'])).toBe('zh');
    expect(detectLang(null, ['fr-FR', 'en-GB', 'zh'])).toBe('en');
    expect(detectLang('klingon', ['de-DE'])).toBe('en');
    expect(detectLang(null, [])).toBe('en');
  });
});
