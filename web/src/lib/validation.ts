// Client-side checks mirror the server's rules so people see mistakes before submitting;
// the server still validates everything. Each returns a message key or null.
import type { MessageKey } from '../i18n/en';

export type Check = MessageKey | null;

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
