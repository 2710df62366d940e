// The external moderation provider form (Admin › Moderation): what is typed, what is checked
// before saving, and the body sent. Keys are write-only: the server only says whether one is set,
// and an empty key in the body keeps the stored one.
import type { ModerationProvider, ModerationProviderInput, ModerationProviderKind } from './apps';
import { validateHttpUrl, type Check } from './validation';

export type ProviderService = Exclude<ModerationProviderKind, ''>;
export const providerKinds: ModerationProviderKind[] = ['', 'openai', 'baidu'];

export const providerDefaults = {
  openaiBaseUrl: 'https://api.openai.com/v1',
  openaiModel: 'omni-moderation-latest',
  baiduBaseUrl: 'https://aip.baidubce.com',
} as const;

export interface ProviderForm {
  kind: ModerationProviderKind;
  /** The address and model typed for each service, so switching back and forth loses nothing. */
  urls: Record<ProviderService, { base_url: string; model: string }>;
  api_key: string;
  secret_key: string;
}

export type ProviderField = 'base_url' | 'model' | 'api_key' | 'secret_key';

export function isProviderKind(v: string): v is ModerationProviderKind {
  return (providerKinds as string[]).includes(v);
}

/** The form for what is stored: the stored service's address and model, no keys. */
export function providerForm(saved: ModerationProvider): ProviderForm {
  const urls = { openai: { base_url: '', model: '' }, baidu: { base_url: '', model: '' } };
  if (saved.kind) urls[saved.kind] = { base_url: saved.base_url, model: saved.model };
  return { kind: saved.kind, urls, api_key: '', secret_key: '' };
}

/** The form after a save: the keys cleared, the saved service's address as stored, the rest kept. */
export function providerFormAfterSave(form: ProviderForm, saved: ModerationProvider): ProviderForm {
  const next = providerForm(saved);
  return { ...next, urls: saved.kind ? { ...form.urls, [saved.kind]: next.urls[saved.kind] } : form.urls };
}

/** The stored keys were typed for the other service (switching services keeps the stored keys). */
export function keysFromOtherService(form: ProviderForm, saved: ModerationProvider): boolean {
  return form.kind !== '' && saved.kind !== '' && saved.kind !== form.kind;
}

const tooLong = (s: string): Check => (s.trim().length > 500 ? 'validate.tooLong' : null);

/** Mistakes to fix before saving, by field (empty when the form can be sent). */
export function providerChecks(form: ProviderForm, saved: ModerationProvider): Partial<Record<ProviderField, Check>> {
  if (form.kind === '') return {};
  const { base_url, model } = form.urls[form.kind];
  const out: Partial<Record<ProviderField, Check>> = {};
  const put = (f: ProviderField, c: Check) => {
    if (c) out[f] = c;
  };
  // OpenAI-compatible services need an address; Baidu's has a default.
  put('base_url', form.kind === 'openai' || base_url.trim() ? validateHttpUrl(base_url) ?? tooLong(base_url) : null);
  if (form.kind === 'openai') put('model', /\s/.test(model.trim()) ? 'validate.models' : tooLong(model));
  put('api_key', tooLong(form.api_key));
  if (form.kind === 'baidu') {
    // Baidu needs both keys: typed now, or stored for Baidu before.
    const stored = !keysFromOtherService(form, saved);
    if (!form.api_key.trim() && !(stored && saved.has_api_key)) put('api_key', 'validate.required');
    put('secret_key', !form.secret_key.trim() && !(stored && saved.has_secret_key) ? 'validate.required' : tooLong(form.secret_key));
  }
  return out;
}

/** The PUT body: untyped keys are left out (the stored ones stay); "none" keeps the stored address. */
export function providerBody(form: ProviderForm, saved: ModerationProvider): ModerationProviderInput {
  if (form.kind === '') return { kind: '', base_url: saved.base_url, model: saved.model };
  const { base_url, model } = form.urls[form.kind];
  const body: ModerationProviderInput = {
    kind: form.kind,
    base_url: base_url.trim().replace(/\/+$/, ''),
    model: form.kind === 'openai' ? model.trim() : '',
  };
  const apiKey = form.api_key.trim();
  if (apiKey) body.api_key = apiKey;
  const secretKey = form.secret_key.trim();
  if (form.kind === 'baidu' && secretKey) body.secret_key = secretKey;
  return body;
}
