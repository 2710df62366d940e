import { describe, expect, test } from 'vitest';
import type { ModerationProvider } from './apps';
import {
  isProviderKind,
  keysFromOtherService,
  providerBody,
  providerChecks,
  providerForm,
  providerFormAfterSave,
  type ProviderForm,
} from './moderationProvider';

const none: ModerationProvider = { kind: '', base_url: '', model: '', has_api_key: false, has_secret_key: false };
const openai: ModerationProvider = { kind: 'openai', base_url: 'https://api.openai.com/v1', model: '', has_api_key: true, has_secret_key: false };
const baidu: ModerationProvider = { kind: 'baidu', base_url: '', model: '', has_api_key: true, has_secret_key: true };

const edit = (form: ProviderForm, change: Partial<ProviderForm>): ProviderForm => ({ ...form, ...change });
const withUrl = (form: ProviderForm, base_url: string, model = ''): ProviderForm => {
  if (form.kind === '') return form;
  return { ...form, urls: { ...form.urls, [form.kind]: { base_url, model } } };
};

test('the form holds the stored service’s address and no keys', () => {
  const f = providerForm(openai);
  expect(f.kind).toBe('openai');
  expect(f.urls.openai).toEqual({ base_url: 'https://api.openai.com/v1', model: '' });
  expect(f.urls.baidu).toEqual({ base_url: '', model: '' });
  expect(f.api_key).toBe('');
  expect(f.secret_key).toBe('');
  expect(isProviderKind('baidu')).toBe(true);
  expect(isProviderKind('')).toBe(true);
  expect(isProviderKind('magic')).toBe(false);
});

describe('providerChecks', () => {
  test('none needs nothing', () => {
    expect(providerChecks(providerForm(none), none)).toEqual({});
    expect(providerChecks(edit(providerForm(openai), { kind: '' }), openai)).toEqual({});
  });
  test('openai needs an http(s) address; the key and model are optional', () => {
    const f = edit(providerForm(none), { kind: 'openai' });
    expect(providerChecks(f, none)).toEqual({ base_url: 'validate.required' });
    expect(providerChecks(withUrl(f, 'api.openai.com'), none)).toEqual({ base_url: 'validate.url' });
    expect(providerChecks(withUrl(f, 'http://127.0.0.1:9/v1'), none)).toEqual({});
    expect(providerChecks(withUrl(f, 'http://127.0.0.1:9/v1', 'omni moderation'), none)).toEqual({ model: 'validate.models' });
    expect(providerChecks(edit(withUrl(f, 'http://h/v1'), { api_key: 'k'.repeat(501) }), none)).toEqual({ api_key: 'validate.tooLong' });
  });
  test('baidu needs both keys, typed or stored for Baidu; its address is optional', () => {
    const f = edit(providerForm(none), { kind: 'baidu' });
    expect(providerChecks(f, none)).toEqual({ api_key: 'validate.required', secret_key: 'validate.required' });
    expect(providerChecks(edit(f, { api_key: 'a', secret_key: 's' }), none)).toEqual({});
    expect(providerChecks(withUrl(edit(f, { api_key: 'a', secret_key: 's' }), 'aip.baidubce.com'), none)).toEqual({ base_url: 'validate.url' });
    expect(providerChecks(providerForm(baidu), baidu)).toEqual({});
    // A key stored for OpenAI is no Baidu key.
    const switched = edit(providerForm(openai), { kind: 'baidu' });
    expect(keysFromOtherService(switched, openai)).toBe(true);
    expect(providerChecks(switched, openai)).toEqual({ api_key: 'validate.required', secret_key: 'validate.required' });
  });
});

describe('providerBody', () => {
  test('untyped keys are left out, so the stored ones stay', () => {
    expect(providerBody(providerForm(openai), openai)).toEqual({ kind: 'openai', base_url: 'https://api.openai.com/v1', model: '' });
    const typed = edit(withUrl(providerForm(openai), ' http://127.0.0.1:9/v1/ ', ' omni-moderation-latest '), { api_key: ' sk-mod ', secret_key: 'ignored' });
    expect(providerBody(typed, openai)).toEqual({ kind: 'openai', base_url: 'http://127.0.0.1:9/v1', model: 'omni-moderation-latest', api_key: 'sk-mod' });
  });
  test('baidu sends its keys and no model', () => {
    const f = edit(providerForm(none), { kind: 'baidu', api_key: 'bd-key', secret_key: 'bd-secret' });
    expect(providerBody(f, none)).toEqual({ kind: 'baidu', base_url: '', model: '', api_key: 'bd-key', secret_key: 'bd-secret' });
  });
  test('none keeps the stored address and model', () => {
    expect(providerBody(edit(providerForm(openai), { kind: '', api_key: 'x' }), openai)).toEqual({ kind: '', base_url: 'https://api.openai.com/v1', model: '' });
  });
  test('each service keeps what was typed for it', () => {
    const f = withUrl(edit(providerForm(openai), { kind: 'baidu' }), 'https://aip.example.com');
    expect(providerBody(edit(f, { kind: 'openai' }), openai).base_url).toBe('https://api.openai.com/v1');
    expect(providerBody(f, openai).base_url).toBe('https://aip.example.com');
  });
});

test('after a save the keys are cleared and the saved address is the stored one', () => {
  const typed = edit(withUrl(edit(providerForm(none), { kind: 'openai' }), 'http://127.0.0.1:9/v1/'), { api_key: 'sk-mod' });
  const stored: ModerationProvider = { ...openai, base_url: 'http://127.0.0.1:9/v1' };
  const after = providerFormAfterSave(typed, stored);
  expect(after).toEqual({ kind: 'openai', urls: { openai: { base_url: 'http://127.0.0.1:9/v1', model: '' }, baidu: { base_url: '', model: '' } }, api_key: '', secret_key: '' });
  // Turning the service off keeps what was typed, for turning it on again.
  const off = providerFormAfterSave(edit(after, { kind: '' }), { ...stored, kind: '' });
  expect(off.kind).toBe('');
  expect(off.urls.openai.base_url).toBe('http://127.0.0.1:9/v1');
});
