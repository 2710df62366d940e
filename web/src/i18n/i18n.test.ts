import { describe, expect, test } from 'vitest';
import { en } from './en';
import { zh } from './zh';
import { detectLang, dictionaries, translate } from './index';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

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
