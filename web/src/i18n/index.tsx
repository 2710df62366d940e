import { createContext, Fragment, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey, type Messages } from './en';
import { zh } from './zh';

export type Lang = 'en' | 'zh';
export const dictionaries: Record<Lang, Messages> = { en, zh };
/** BCP 47 tags for <html lang> and Intl formatting. */
export const langTags: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };

const storageKey = 'plaza.lang';

export function detectLang(stored: string | null, navigatorLanguages: readonly string[]): Lang {
  if (stored === 'en' || stored === 'zh') return stored;
  for (const l of navigatorLanguages) {
    const lower = l.toLowerCase();
    if (lower.startsWith('zh')) return 'zh';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export type Params = Record<string, string | number>;

/**
 * A count's wording in languages that change a word with its number (English "1 second", "2
 * seconds"): `{n, plural, one {# second} other {# seconds}}`, a subset of ICU's message format,
 * where `#` is the count as given. Languages without plurals (Chinese) just write `{n}`.
 */
const pluralPattern = /\{(\w+), plural, one \{([^{}]*)\} other \{([^{}]*)\}\}/g;

/** The number a count stands for: callers often pass it formatted already ("1,234"). */
const countOf = (v: string | number) => (typeof v === 'number' ? v : Number(v.replace(/[^\d.-]/g, '')));

/** The text with each count's plural form chosen (counts are text or numbers, never nodes). */
function withPlurals(lang: Lang, text: string, params: Record<string, unknown>): string {
  const rules = new Intl.PluralRules(langTags[lang]);
  return text.replace(pluralPattern, (m, name: string, one: string, other: string) => {
    const v = params[name];
    if (typeof v !== 'string' && typeof v !== 'number') return m;
    return (rules.select(countOf(v)) === 'one' ? one : other).replace(/#/g, String(v));
  });
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  if (!params) return text;
  return withPlurals(lang, text, params).replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export type TFunction = (key: MessageKey, params?: Params) => string;

/** Like translate, but placeholders may be React nodes (a <code> inside a sentence). */
export function translateNodes(lang: Lang, key: MessageKey, params: Record<string, ReactNode>): ReactNode {
  const parts = withPlurals(lang, dictionaries[lang][key] ?? en[key], params).split(/\{(\w+)\}/);
  return parts.map((p, i) => <Fragment key={i}>{i % 2 === 1 ? (p in params ? params[p] : `{${p}}`) : p}</Fragment>);
}

interface I18nValue {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: TFunction;
  tn: (key: MessageKey, params: Record<string, ReactNode>) => ReactNode;
  formatDate: (unixSeconds: number | null | undefined, withTime?: boolean) => string;
}

const I18nContext = createContext<I18nValue | null>(null);

function readStored(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() =>
    detectLang(readStored(), navigator.languages?.length ? navigator.languages : [navigator.language]),
  );

  useEffect(() => {
    document.documentElement.lang = langTags[lang];
  }, [lang]);

  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(storageKey, l);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  }, []);

  const value = useMemo<I18nValue>(() => {
    const dateFmt = new Intl.DateTimeFormat(langTags[lang], { dateStyle: 'medium' });
    const dateTimeFmt = new Intl.DateTimeFormat(langTags[lang], { dateStyle: 'medium', timeStyle: 'short' });
    return {
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      tn: (key, params) => translateNodes(lang, key, params),
      formatDate: (s, withTime = false) =>
        s == null ? '' : (withTime ? dateTimeFmt : dateFmt).format(new Date(s * 1000)),
    };
  }, [lang, setLang]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

/** `t` from the provider, or English when rendered without one (unit tests, server rendering). */
export function useT(): TFunction {
  const v = useContext(I18nContext);
  return v ? v.t : (key, params) => translate('en', key, params);
}

export type { MessageKey };

/** Sets the tab title for a page, in the current language. */
export function useTitle(key: MessageKey) {
  const { t } = useI18n();
  const title = t(key);
  useEffect(() => {
    document.title = `${title} · Plaza`;
  }, [title]);
}
