// Inline Markdown: code spans, strong, emphasis, strikethrough, links and bare URLs (see markdown.ts).

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong' | 'em' | 'del'; c: Inline[] }
  | { t: 'link'; href: string; title?: string; c: Inline[] }
  | { t: 'br' };

/** The URL when it is an absolute http(s) URL, otherwise null (javascript:, data:, relative…). */
export function safeHref(raw: string): string | null {
  const s = raw.trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s : null;
  } catch {
    return null;
  }
}

/**
 * The host a link really goes to, when its words name another one ("[https://this-site/wallet](https://evil)"):
 * shown next to the words, so a model's answer or an app's text cannot pass one site off as another.
 */
export function hiddenHost(words: string, href: string): string | null {
  // Words that read as an address: a scheme or "www." first ("Node.js" or "README.md" are names).
  const named = /^\s*(?:https?:\/\/|(?=www\.))((?:[\w-]+\.)+[a-z][\w-]*)(?::\d+)?(?:[/?#]\S*)?\s*$/i.exec(words);
  if (!named) return null;
  const bare = (host: string) => host.toLowerCase().replace(/^www\./, '');
  try {
    const real = new URL(href).hostname;
    return bare(named[1]) === bare(real) ? null : real.toLowerCase();
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- inlines

const punct = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
const alnum = /[\p{L}\p{N}]/u;
const space = /\s/;

/** The index of the closing backtick run of exactly `n`, or -1. */
function closingTicks(s: string, from: number, n: number): number {
  let j = from;
  while (j < s.length) {
    if (s[j] !== '`') {
      j++;
      continue;
    }
    let k = j;
    while (k < s.length && s[k] === '`') k++;
    if (k - j === n) return j;
    j = k;
  }
  return -1;
}

/**
 * Where the emphasis opened at `from` with `delim` closes: skips escapes and code spans, needs
 * a non-space before the closer and, for "_", no letter after it. For a single delimiter,
 * runs of two or more are skipped (they belong to a nested strong).
 */
function findCloser(s: string, from: number, delim: string): number {
  const c = delim[0];
  let j = from;
  while (j < s.length) {
    const ch = s[j];
    if (ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === '`') {
      let k = j;
      while (k < s.length && s[k] === '`') k++;
      const close = closingTicks(s, k, k - j);
      j = close < 0 ? k : close + (k - j);
      continue;
    }
    if (ch === c) {
      let k = j;
      while (k < s.length && s[k] === c) k++;
      const run = k - j;
      const okRun = delim.length === 1 ? run === 1 || run === 3 : run >= delim.length;
      if (okRun && j > from && !space.test(s[j - 1])) {
        const after = k < s.length ? s[k] : '';
        if (c !== '_' || !alnum.test(after)) {
          // In "*a **b***" and "**a *b***" the inner closer comes first, then ours.
          if (run === 3) return j + 3 - delim.length;
          return j;
        }
      }
      j = k;
      continue;
    }
    j++;
  }
  return -1;
}

/** [label](dest "title") starting at `i` (the "["); returns null when it isn't a link. */
function parseLink(s: string, i: number): { label: string; href: string; title?: string; end: number } | null {
  // Labels are at most 1,000 characters (as CommonMark's): scanning to the end from every "[" of a
  // long run of them is quadratic.
  const limit = Math.min(s.length, i + 1000);
  let depth = 0;
  let j = i;
  for (; j < limit; j++) {
    const ch = s[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === '`') {
      let k = j;
      while (k < s.length && s[k] === '`') k++;
      const close = closingTicks(s, k, k - j);
      if (close >= 0) j = close + (k - j) - 1;
      else j = k - 1;
      continue;
    }
    if (ch === '[') depth++;
    else if (ch === ']') {
      depth--;
      if (depth === 0) break;
    }
  }
  if (j >= limit || s[j + 1] !== '(') return null;
  const label = s.slice(i + 1, j);
  let k = j + 2;
  while (k < s.length && (s[k] === ' ' || s[k] === '\n')) k++;
  let href = '';
  if (s[k] === '<') {
    const close = s.indexOf('>', k);
    if (close < 0) return null;
    href = s.slice(k + 1, close);
    k = close + 1;
  } else {
    let parens = 0;
    const startK = k;
    while (k < s.length && !space.test(s[k])) {
      if (s[k] === '\\') {
        k += 2;
        continue;
      }
      if (s[k] === '(') parens++;
      else if (s[k] === ')') {
        if (parens === 0) break;
        parens--;
      }
      k++;
    }
    href = s.slice(startK, k).replace(/\\([!-/:-@[-`{-~])/g, '$1');
  }
  while (k < s.length && (s[k] === ' ' || s[k] === '\n')) k++;
  let title: string | undefined;
  const q = s[k];
  if (q === '"' || q === "'" || q === '(') {
    const endQ = q === '(' ? ')' : q;
    const close = s.indexOf(endQ, k + 1);
    if (close < 0) return null;
    title = s.slice(k + 1, close);
    k = close + 1;
    while (k < s.length && (s[k] === ' ' || s[k] === '\n')) k++;
  }
  if (s[k] !== ')') return null;
  return { label, href, title, end: k + 1 };
}

const bareUrlRe = /https?:\/\/[^\s<>"'`]+/y;

function trimUrl(url: string): string {
  // Trailing punctuation belongs to the sentence; a ")" only when it has no "(" partner.
  for (;;) {
    const last = url[url.length - 1];
    if (/[.,:;!?'"*_~]/.test(last)) url = url.slice(0, -1);
    else if (last === ')' && (url.match(/\(/g)?.length ?? 0) < (url.match(/\)/g)?.length ?? 0)) url = url.slice(0, -1);
    else return url;
  }
}

// A link's words hold no link of their own (as in CommonMark): nested <a>s come apart in the browser,
// and the inner one, say a bare URL, would be where a click goes.
function unlinked(nodes: Inline[]): Inline[] {
  return nodes.flatMap((n): Inline[] =>
    n.t === 'link' ? unlinked(n.c) : 'c' in n ? [{ ...n, c: unlinked(n.c) }] : [n],
  );
}

export function parseInline(s: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ t: 'text', v: text });
    text = '';
  };
  const nested = (inner: string) => (depth < 16 ? parseInline(inner, depth + 1) : [{ t: 'text' as const, v: inner }]);
  let i = 0;
  while (i < s.length) {
    const ch = s[i];

    if (ch === '\\') {
      const next = s[i + 1];
      if (next === '\n') {
        flush();
        out.push({ t: 'br' });
        i += 2;
        continue;
      }
      if (next !== undefined && punct.test(next)) {
        text += next;
        i += 2;
        continue;
      }
      text += ch;
      i++;
      continue;
    }

    if (ch === '\n') {
      text = text.replace(/ +$/, '');
      flush();
      out.push({ t: 'br' });
      i++;
      while (s[i] === ' ') i++;
      continue;
    }

    if (ch === '`') {
      let k = i;
      while (k < s.length && s[k] === '`') k++;
      const n = k - i;
      const close = closingTicks(s, k, n);
      if (close < 0) {
        text += s.slice(i, k);
        i = k;
        continue;
      }
      let code = s.slice(k, close).replace(/\n/g, ' ');
      if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
      flush();
      out.push({ t: 'code', v: code });
      i = close + n;
      continue;
    }

    if (ch === '*' || ch === '_' || ch === '~') {
      let k = i;
      while (k < s.length && s[k] === ch) k++;
      const run = k - i;
      const prev = i > 0 ? s[i - 1] : '';
      const next = k < s.length ? s[k] : '';
      const canOpen = next !== '' && !space.test(next) && !(ch === '_' && alnum.test(prev));
      if (ch === '~') {
        if (run === 2 && canOpen) {
          const close = findCloser(s, k, '~~');
          if (close > 0) {
            flush();
            out.push({ t: 'del', c: nested(s.slice(k, close)) });
            i = close + 2;
            continue;
          }
        }
        text += s.slice(i, k);
        i = k;
        continue;
      }
      if (canOpen && run >= 3) {
        const close = s.indexOf(ch.repeat(3), k);
        if (close > k && !space.test(s[close - 1])) {
          flush();
          out.push({ t: 'strong', c: [{ t: 'em', c: nested(s.slice(k, close)) }] });
          i = close + 3;
          continue;
        }
      }
      if (canOpen && run >= 2) {
        const close = findCloser(s, k, ch + ch);
        if (close > k) {
          text += s.slice(i, k - 2); // extra delimiters stay literal
          flush();
          out.push({ t: 'strong', c: nested(s.slice(k, close)) });
          i = close + 2;
          continue;
        }
      }
      if (canOpen && run === 1) {
        const close = findCloser(s, i + 1, ch);
        if (close > i + 1) {
          flush();
          out.push({ t: 'em', c: nested(s.slice(i + 1, close)) });
          i = close + 1;
          continue;
        }
      }
      text += s.slice(i, k);
      i = k;
      continue;
    }

    if (ch === '!' && s[i + 1] === '[') {
      const link = parseLink(s, i + 1);
      if (link) {
        // Images are shown as links: the CSP allows no outside images, and it avoids tracking pixels.
        const href = safeHref(link.href);
        flush();
        const label = link.label || link.href;
        if (href) out.push({ t: 'link', href, title: link.title, c: [{ t: 'text', v: label }] });
        else out.push({ t: 'text', v: label });
        i = link.end;
        continue;
      }
    }

    if (ch === '[') {
      const link = parseLink(s, i);
      if (link) {
        const href = safeHref(link.href);
        flush();
        if (href) out.push({ t: 'link', href, title: link.title, c: unlinked(nested(link.label)) });
        else out.push(...nested(link.label)); // an unsafe link keeps only its words
        i = link.end;
        continue;
      }
    }

    if (ch === '<') {
      const m = /^<(https?:\/\/[^\s<>]+)>/i.exec(s.slice(i, i + 2100));
      if (m && safeHref(m[1])) {
        flush();
        out.push({ t: 'link', href: m[1], c: [{ t: 'text', v: m[1] }] });
        i += m[0].length;
        continue;
      }
    }

    if ((ch === 'h' || ch === 'H') && !(i > 0 && alnum.test(s[i - 1]))) {
      bareUrlRe.lastIndex = i;
      const m = bareUrlRe.exec(s);
      if (m) {
        const url = trimUrl(m[0]);
        if (safeHref(url) && url.length > 8) {
          flush();
          out.push({ t: 'link', href: url, c: [{ t: 'text', v: url }] });
          i += url.length;
          continue;
        }
      }
    }

    text += ch;
    i++;
  }
  flush();
  return out;
}
