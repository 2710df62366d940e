// Client-side checks mirror the server's rules so people see mistakes before submitting;
// the server still validates everything. Each returns a message key or null.
import type { Params } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { parseCredits } from './money';

export type Check = MessageKey | null;

/** A message whose placeholders need values, e.g. the range a number must fall in. */
export interface Problem {
  key: MessageKey;
  params: Params;
}

/** What a form field's check finds: nothing, a message key, or a message with values. */
export type FieldCheck = Check | Problem;

export function validateUsername(v: string): Check {
  if (!v) return 'validate.required';
  if (v.length < 3 || v.length > 32) return 'validate.usernameLength';
  if (!/^[A-Za-z0-9_-]+$/.test(v)) return 'validate.usernameChars';
  if (!/^[A-Za-z]/.test(v)) return 'validate.usernameStart';
  return null;
}

export function validatePassword(v: string): Check {
  if (!v) return 'validate.required';
  if ([...v].length < 8) return 'validate.passwordLength';
  return null;
}

export function validateConfirm(password: string, confirm: string): Check {
  if (!confirm) return 'validate.required';
  return password === confirm ? null : 'validate.passwordMismatch';
}

/** Empty is allowed (email is optional); otherwise a loose local@domain.tld shape. */
export function validateEmail(v: string): Check {
  const s = v.trim();
  if (!s) return null;
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) && s.length <= 254 ? null : 'validate.email';
}

export function validateKeyName(v: string): Check {
  const s = v.trim();
  return s && s.length <= 64 ? null : 'validate.keyName';
}

/** "a, b,,c " → ["a","b","c"], order kept, duplicates dropped. */
export function parseModelList(v: string): string[] {
  const out: string[] = [];
  for (const part of v.split(/[,，\n]/)) {
    const s = part.trim();
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

/**
 * The models of a key's list that are not offered to the user now (a typo, most likely): a key kept
 * to them is refused on every call. Apps (`app/<slug>`) are not listed with the models, so not judged.
 */
export function modelsNotOffered(list: string[], offered: string[]): string[] {
  return list.filter((m) => !m.startsWith('app/') && !offered.includes(m));
}

export function validateModelList(v: string): Check {
  return parseModelList(v).some((m) => /\s/.test(m)) ? 'validate.models' : null;
}

/**
 * A date input's "YYYY-MM-DD" as the unix second at the end of that day in local time,
 * or null when empty. The key stays usable through the whole chosen day.
 */
export function expiryFromDateInput(v: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
  return Math.floor(d.getTime() / 1000);
}

export function validateExpiry(v: string, nowSeconds: number): Check {
  if (!v) return null;
  const at = expiryFromDateInput(v);
  if (at === null) return 'validate.required';
  return at > nowSeconds ? null : 'validate.expiryPast';
}

/** One secret per line (blank lines ignored), duplicates dropped. */
export function parseKeyLines(v: string): string[] {
  const out: string[] = [];
  for (const line of v.split(/\r?\n/)) {
    const s = line.trim();
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

export function validateChannelKeys(v: string, required: boolean): Check {
  const keys = parseKeyLines(v);
  if (keys.length === 0) return required ? 'validate.keysRequired' : null;
  if (keys.length > 100) return 'validate.keysTooMany';
  return keys.some((k) => /\s/.test(k) || k.length > 1024) ? 'validate.keysSpaces' : null;
}

export type ChannelModelEntry = string | { model: string; upstream: string };

/**
 * Models a channel serves, one per line or comma separated; "name=upstream" offers the upstream's
 * model under another public name.
 */
export function parseChannelModels(v: string): ChannelModelEntry[] {
  const out: ChannelModelEntry[] = [];
  const seen = new Set<string>();
  for (const part of v.split(/[,，\n]/)) {
    const s = part.trim();
    if (!s) continue;
    const eq = s.indexOf('=');
    const model = (eq < 0 ? s : s.slice(0, eq)).trim();
    const upstream = eq < 0 ? '' : s.slice(eq + 1).trim();
    if (seen.has(model)) continue;
    seen.add(model);
    out.push(upstream && upstream !== model ? { model, upstream } : model);
  }
  return out;
}

export function formatChannelModels(models: { model: string; upstream: string }[]): string {
  return models.map((m) => (m.upstream && m.upstream !== m.model ? `${m.model}=${m.upstream}` : m.model)).join('\n');
}

/**
 * Every entry needs a public name; names and upstreams are single words of at most 128 characters,
 * and a public name may be listed once (parseChannelModels would quietly keep only the first).
 */
export function validateChannelModels(v: string): FieldCheck {
  const seen = new Set<string>();
  for (const part of v.split(/[,，\n]/)) {
    const s = part.trim();
    if (!s) continue;
    const eq = s.indexOf('=');
    const name = (eq < 0 ? s : s.slice(0, eq)).trim();
    const up = eq < 0 ? '' : s.slice(eq + 1).trim();
    if (!name) return 'validate.modelNameEmpty';
    if (/\s/.test(name) || /\s/.test(up)) return 'validate.models';
    if (name.length > 128 || up.length > 128) return 'validate.modelId';
    if (seen.has(name)) return { key: 'validate.modelListedTwice', params: { name } };
    seen.add(name);
  }
  return seen.size === 0 ? 'validate.modelsRequired' : null;
}

export function validateHttpUrl(v: string): Check {
  const s = v.trim();
  if (!s) return 'validate.required';
  if (!/^https?:\/\/[^\s/]+/i.test(s) || /\s/.test(s)) return 'validate.url';
  return null;
}

/** An optional whole number within [min, max]; empty passes unless required. */
export function validateInt(v: string, min: number, max: number, required = false): FieldCheck {
  const s = v.trim();
  if (!s) return required ? 'validate.required' : null;
  if (!/^-?\d+$/.test(s)) return 'validate.integer';
  const n = Number(s);
  return n >= min && n <= max ? null : { key: 'validate.range', params: { min, max } };
}

/** "a, b" → ["a","b"] for groups and tags. */
export function parseList(v: string): string[] {
  return parseModelList(v);
}

/**
 * A credits amount (see money.ts) that parses exactly; empty passes unless required. `positive`
 * refuses zero and below, otherwise only negatives are refused unless `signed`.
 */
export function validateCredits(v: string, opts: { required?: boolean; positive?: boolean; signed?: boolean } = {}): Check {
  if (!v.trim()) return opts.required ? 'validate.required' : null;
  const uc = parseCredits(v);
  if (uc === null) return 'validate.credits';
  if (opts.positive && uc <= 0) return 'validate.positive';
  if (!opts.signed && uc < 0) return 'validate.positive';
  return null;
}
