import { useCallback, useState, type ChangeEvent } from 'react';
import type { MessageKey } from '../i18n/en';
import { langTags, translate, useI18n, type Lang, type Params } from '../i18n';
import type { FieldCheck } from './validation';

export type Validator<V> = (values: V) => FieldCheck;

/** A field error is either a dictionary key, maybe with values (client checks), or the server's text. */
type FieldError = { key: MessageKey; params?: Params } | { text: string };

/** A client check's message in `lang`; numbers in it are grouped the local way (1,000,000). */
export function checkText(lang: Lang, key: MessageKey, params?: Params): string {
  if (!params) return translate(lang, key);
  const nf = new Intl.NumberFormat(langTags[lang]);
  const shown: Params = {};
  for (const [name, v] of Object.entries(params)) shown[name] = typeof v === 'number' ? nf.format(v) : v;
  return translate(lang, key, shown);
}

/** The part of an element revealAndFocus needs (an HTMLElement; narrowed so it can be tested without a DOM). */
export interface Focusable {
  closest(selector: 'details'): { open: boolean; parentElement: Focusable | null } | null;
  focus(options?: FocusOptions): void;
  scrollIntoView?(options?: ScrollIntoViewOptions): void;
}

/**
 * Focuses a form control and scrolls it into view, first opening every closed <details> around it
 * (a folded "advanced" section): a control inside a closed one can't take focus, so a check or
 * server error there would otherwise leave the form doing nothing visible.
 */
export function revealAndFocus(el: Focusable | null): boolean {
  if (!el) return false;
  for (let d = el.closest('details'); d; d = d.parentElement?.closest('details') ?? null) {
    if (!d.open) d.open = true;
  }
  el.focus({ preventScroll: true });
  el.scrollIntoView?.({ block: 'center' });
  return true;
}

/** The control of form field `name` (Field gives it the id `f-<name>`). */
const revealField = (name: string) => revealAndFocus(document.getElementById(`f-${name}`));

/** The part of a form that field components need; narrower key sets accept wider forms. */
export interface FormFields<K extends string> {
  values: Record<K, string>;
  onChange: (k: K) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void;
  onBlur: (k: K) => () => void;
  errorText: (k: K) => string | undefined;
}

export function useForm<K extends string>(
  initial: Record<K, string>,
  validators: Partial<Record<K, Validator<Record<K, string>>>>,
) {
  const { lang } = useI18n();
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Partial<Record<K, FieldError>>>({});
  const [touched, setTouched] = useState<Partial<Record<K, boolean>>>({});

  const check = useCallback(
    (k: K, v: Record<K, string>): FieldError | undefined => {
      const c = validators[k]?.(v);
      if (!c) return undefined;
      return typeof c === 'string' ? { key: c } : c;
    },
    [validators],
  );

  const onChange = (k: K) => (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => {
    const next = { ...values, [k]: e.target.value };
    setValues(next);
    // Once a field was checked, keep its message live so it clears as soon as it's fixed;
    // re-check dependants (confirm password) too.
    setErrors((prev) => {
      const out = { ...prev };
      for (const f of Object.keys(validators) as K[]) {
        const err = prev[f];
        // Server messages stay until their own field is edited.
        if (err && 'text' in err && f !== k) continue;
        if (touched[f] || err) out[f] = check(f, next);
      }
      if (!validators[k]) delete out[k];
      return out;
    });
  };

  const onBlur = (k: K) => () => {
    if (!values[k] && !touched[k]) return; // don't shout at people tabbing through
    setTouched((p) => ({ ...p, [k]: true }));
    setErrors((p) => ({ ...p, [k]: check(k, values) }));
  };

  /** Checks every field; returns true when the form may be submitted. */
  const validateAll = (): boolean => {
    const out: Partial<Record<K, FieldError>> = {};
    const all: Partial<Record<K, boolean>> = {};
    let ok = true;
    for (const f of Object.keys(validators) as K[]) {
      all[f] = true;
      const err = check(f, values);
      if (err) {
        out[f] = err;
        ok = false;
      }
    }
    setTouched(all);
    setErrors(out);
    if (!ok) {
      const first = (Object.keys(validators) as K[]).find((f) => out[f]);
      if (first) revealField(first);
    }
    return ok;
  };

  /** Shows a server error next to its field; returns false when the form has no such field. */
  const setServerError = (field: string | undefined, text: string): boolean => {
    if (!field || !(field in values)) return false;
    setErrors((p) => ({ ...p, [field as K]: { text } }));
    revealField(field);
    return true;
  };

  const errorText = (k: K): string | undefined => {
    const e = errors[k];
    if (!e) return undefined;
    return 'key' in e ? checkText(lang, e.key, e.params) : e.text;
  };

  const reset = (v: Record<K, string> = initial) => {
    setValues(v);
    setErrors({});
    setTouched({});
  };

  return { values, setValues, onChange, onBlur, validateAll, setServerError, errorText, reset };
}
