import { describe, expect, test } from 'vitest';
import {
  expiryFromDateInput,
  formatChannelModels,
  parseChannelModels,
  parseKeyLines,
  validateChannelKeys,
  validateChannelModels,
  validateCredits,
  validateHttpUrl,
  validateInt,
  modelsNotOffered,
  parseModelList,
  validateConfirm,
  validateEmail,
  validateExpiry,
  validateKeyName,
  validateModelList,
  validatePassword,
  validateUsername,
} from './validation';

describe('validateUsername', () => {
  test('accepts 3–32 letters, digits, _ and -, starting with a letter', () => {
    for (const ok of ['abc', 'Alice_01', 'a-b_c', 'z'.repeat(32)]) expect(validateUsername(ok)).toBeNull();
  });
  test('names the rule that is broken', () => {
    expect(validateUsername('')).toBe('validate.required');
    expect(validateUsername('ab')).toBe('validate.usernameLength');
    expect(validateUsername('a'.repeat(33))).toBe('validate.usernameLength');
    expect(validateUsername('ab c')).toBe('validate.usernameChars');
    expect(validateUsername('名字abc')).toBe('validate.usernameChars');
    expect(validateUsername('1abc')).toBe('validate.usernameStart');
    expect(validateUsername('_abc')).toBe('validate.usernameStart');
  });
});

describe('passwords', () => {
  test('at least 8 characters, counted as code points', () => {
    expect(validatePassword('')).toBe('validate.required');
    expect(validatePassword('1234567')).toBe('validate.passwordLength');
    expect(validatePassword('12345678')).toBeNull();
    expect(validatePassword('😀😀😀😀')).toBe('validate.passwordLength');
  });
  test('confirmation must match', () => {
    expect(validateConfirm('secret123', '')).toBe('validate.required');
    expect(validateConfirm('secret123', 'secret124')).toBe('validate.passwordMismatch');
    expect(validateConfirm('secret123', 'secret123')).toBeNull();
  });
});

test('email is optional but must look like one', () => {
  expect(validateEmail('')).toBeNull();
  expect(validateEmail('  ')).toBeNull();
  expect(validateEmail('a@b.co')).toBeNull();
  expect(validateEmail('a@b')).toBe('validate.email');
  expect(validateEmail('a b@c.de')).toBe('validate.email');
});

test('key names are required and short', () => {
  expect(validateKeyName(' ')).toBe('validate.keyName');
  expect(validateKeyName('x'.repeat(65))).toBe('validate.keyName');
  expect(validateKeyName('laptop')).toBeNull();
});

describe('model allowlist', () => {
  test('splits on commas (ASCII and full-width) and newlines, trims, drops empties and repeats', () => {
    expect(parseModelList('')).toEqual([]);
    expect(parseModelList(' gpt-4o , gpt-4o-mini,,gpt-4o，claude\n o3 ')).toEqual(['gpt-4o', 'gpt-4o-mini', 'claude', 'o3']);
  });
  test('rejects names with inner spaces', () => {
    expect(validateModelList('gpt 4o, x')).toBe('validate.models');
    expect(validateModelList('gpt-4o, x')).toBeNull();
  });
  test('names the listed models not offered to the user (a typo), leaving apps to be checked when used', () => {
    expect(modelsNotOffered(['gpt-4o-mini', 'gpt-4o-mnii', 'app/writer'], ['gpt-4o-mini', 'gpt-4o'])).toEqual(['gpt-4o-mnii']);
    expect(modelsNotOffered([], ['gpt-4o'])).toEqual([]);
  });
});

describe('expiry dates', () => {
  test('a date means the end of that local day, in unix seconds', () => {
    const at = expiryFromDateInput('2031-02-03')!;
    const d = new Date(at * 1000);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2031, 1, 3, 23, 59]);
    expect(expiryFromDateInput('')).toBeNull();
    expect(expiryFromDateInput('03/02/2031')).toBeNull();
  });
  test('must be in the future', () => {
    const now = Math.floor(new Date(2030, 5, 15, 12).getTime() / 1000);
    expect(validateExpiry('', now)).toBeNull();
    expect(validateExpiry('2030-06-14', now)).toBe('validate.expiryPast');
    expect(validateExpiry('2030-06-15', now)).toBeNull(); // still usable until the day ends
    expect(validateExpiry('2030-06-16', now)).toBeNull();
  });
});

describe('channel form helpers', () => {
  test('keys are one per line', () => {
    expect(parseKeyLines(' sk-a \n\nsk-b\r\nsk-a\n')).toEqual(['sk-a', 'sk-b']);
    expect(validateChannelKeys('', true)).toBe('validate.keysRequired');
    expect(validateChannelKeys('', false)).toBeNull();
    expect(validateChannelKeys('sk a', false)).toBe('validate.keysSpaces');
  });
  test('models, with public=upstream aliases', () => {
    expect(parseChannelModels('gpt-4o\nfast = gpt-4o-mini, claude,gpt-4o\nsame=same')).toEqual([
      'gpt-4o',
      { model: 'fast', upstream: 'gpt-4o-mini' },
      'claude',
      'same',
    ]);
    expect(formatChannelModels([{ model: 'a', upstream: '' }, { model: 'b', upstream: 'c' }])).toBe('a\nb=c');
    expect(validateChannelModels('')).toBe('validate.modelsRequired');
    expect(validateChannelModels(' ,\n, ')).toBe('validate.modelsRequired');
    expect(validateChannelModels('gpt 4')).toBe('validate.models');
    expect(validateChannelModels('fast=gpt 4o')).toBe('validate.models');
    expect(validateChannelModels('x'.repeat(129))).toBe('validate.modelId');
    expect(validateChannelModels('gpt-4o')).toBeNull();
    expect(validateChannelModels('gpt-4o\nfast=gpt-4o-mini, cheap=gpt-4o-mini')).toBeNull();
  });
  test('a mapping without a public name says so, not "spaces"', () => {
    expect(validateChannelModels('= bad')).toBe('validate.modelNameEmpty');
    expect(validateChannelModels('=x')).toBe('validate.modelNameEmpty');
    expect(validateChannelModels('gpt-4o, =x')).toBe('validate.modelNameEmpty');
  });
  test('a public model name may be listed only once', () => {
    const twice = { key: 'validate.modelListedTwice', params: { name: 'gpt-4o' } };
    expect(validateChannelModels('gpt-4o, gpt-4o')).toEqual(twice);
    expect(validateChannelModels('gpt-4o\ngpt-4o=gpt-4o-2024-08-06')).toEqual(twice);
    expect(validateChannelModels('fast=a\nfast=b')).toEqual({ key: 'validate.modelListedTwice', params: { name: 'fast' } });
  });
  test('urls and numbers', () => {
    expect(validateHttpUrl('https://api.openai.com/v1')).toBeNull();
    expect(validateHttpUrl('http://127.0.0.1:9/v1')).toBeNull();
    expect(validateHttpUrl('ftp://x')).toBe('validate.url');
    expect(validateHttpUrl('')).toBe('validate.required');
    expect(validateInt('', 1, 10)).toBeNull();
    expect(validateInt('', 1, 10, true)).toBe('validate.required');
    expect(validateInt('1.5', 1, 10)).toBe('validate.integer');
    expect(validateInt('11', 1, 10)).toEqual({ key: 'validate.range', params: { min: 1, max: 10 } });
    expect(validateInt('0', 1, 10)).toEqual({ key: 'validate.range', params: { min: 1, max: 10 } });
    expect(validateInt('10', 1, 10)).toBeNull();
    expect(validateInt('-3', -5, 10)).toBeNull();
  });
});

describe('validateCredits', () => {
  test('empty passes unless required', () => {
    expect(validateCredits('')).toBeNull();
    expect(validateCredits(' ', { required: true })).toBe('validate.required');
  });
  test('amounts must parse exactly', () => {
    expect(validateCredits('1.5')).toBeNull();
    expect(validateCredits('0')).toBeNull();
    expect(validateCredits('1.1234567')).toBe('validate.credits');
    expect(validateCredits('abc')).toBe('validate.credits');
  });
  test('signs', () => {
    expect(validateCredits('-1')).toBe('validate.positive');
    expect(validateCredits('-1', { signed: true })).toBeNull();
    expect(validateCredits('0', { positive: true })).toBe('validate.positive');
    expect(validateCredits('0.000001', { positive: true })).toBeNull();
  });
});
