// A small Markdown parser for chat answers. It builds a tree that is rendered as React elements
// (never as HTML strings), so any HTML in the text is shown as text. Supported: paragraphs
// (single newlines are line breaks, as chat users expect), ATX and setext headings, bullet and
// numbered lists (nested by indentation), block quotes, fenced code (an unclosed fence runs to
// the end, which is what a half-streamed answer looks like), rules, pipe tables, and inline code,
// strong, emphasis, strikethrough, links and bare URLs. Links are kept only for http(s) URLs.

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong' | 'em' | 'del'; c: Inline[] }
  | { t: 'link'; href: string; title?: string; c: Inline[] }
  | { t: 'br' };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'code'; lang: string; v: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'list'; ordered: boolean; start: number; tight: boolean; items: Block[][] }
  | { t: 'hr' }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] };

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

// ---------------------------------------------------------------- blocks

const fenceRe = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const headingRe = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const hrRe = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const quoteRe = /^ {0,3}> ?/;
const listRe = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const delimRe = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;
const setext1Re = /^ {0,3}=+[ \t]*$/;
const setext2Re = /^ {0,3}-+[ \t]*$/;

function indentOf(line: string): number {
  let n = 0;
  while (n < line.length && line[n] === ' ') n++;
  return n;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cur += c;
    } else if (c === '|' && !inCode) {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
  }
  cells.push(cur.trim());
  return cells;
}

function isTableStart(lines: string[], i: number): boolean {
  if (i + 1 >= lines.length || !lines[i].includes('|')) return false;
  if (!delimRe.test(lines[i + 1]) || !lines[i + 1].includes('-')) return false;
  // A lone "---" under text is a setext heading, not a one-column table.
  if (!lines[i + 1].includes('|') && !lines[i].trim().startsWith('|')) return false;
  return splitRow(lines[i]).length === splitRow(lines[i + 1]).length;
}

/** True when `line` starts a block that ends a paragraph. */
function interrupts(line: string): boolean {
  if (fenceRe.test(line) || headingRe.test(line) || hrRe.test(line) || quoteRe.test(line)) return true;
  const m = listRe.exec(line);
  // Only "1." may start a numbered list inside a paragraph ("2019. was a year" stays text).
  return !!m && m[3] !== '' && (!/^\d/.test(m[2]) || /^1[.)]$/.test(m[2]));
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }

    const fence = fenceRe.exec(line);
    if (fence) {
      const indent = fence[1].length;
      const marker = fence[2];
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const l = lines[i];
        const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
        if (close.test(l)) {
          i++;
          break;
        }
        body.push(l.slice(Math.min(indent, indentOf(l))));
        i++;
      }
      out.push({ t: 'code', lang: fence[3].toLowerCase(), v: body.join('\n') });
      continue;
    }

    const heading = headingRe.exec(line);
    if (heading) {
      out.push({ t: 'h', level: heading[1].length, c: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }

    if (hrRe.test(line)) {
      out.push({ t: 'hr' });
      i++;
      continue;
    }

    if (quoteRe.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const l = lines[i];
        if (quoteRe.test(l)) inner.push(l.replace(quoteRe, ''));
        else if (inner.length && !interrupts(l)) inner.push(l); // lazy continuation
        else break;
        i++;
      }
      out.push({ t: 'quote', c: depth < 20 ? parseBlocks(inner, depth + 1) : [{ t: 'p', c: parseInline(inner.join('\n')) }] });
      continue;
    }

    const item = listRe.exec(line);
    if (item) {
      const ordered = /^\d/.test(item[2]);
      const kind = ordered ? item[2].slice(-1) : item[2];
      const start = ordered ? parseInt(item[2], 10) : 1;
      const items: string[][] = [];
      const indents: { marker: number; content: number }[] = [];
      let tight = true;
      let sawBlank = false;
      while (i < lines.length) {
        const l = lines[i];
        const m = listRe.exec(l);
        const mOrdered = m ? /^\d/.test(m[2]) : false;
        const sameKind = m && mOrdered === ordered && (ordered ? m[2].slice(-1) : m[2]) === kind;
        const cur = indents[indents.length - 1];
        if (m && sameKind && (!cur || m[1].length < Math.min(cur.content, cur.marker + 2))) {
          // A new item of this list (markers of nested lists are indented further).
          if (sawBlank && items.length) tight = false;
          sawBlank = false;
          const marker = m[1].length;
          const content = marker + m[2].length + Math.min(m[3].length || 1, 4);
          items.push([l.slice(Math.min(l.length, content))]);
          indents.push({ marker, content });
          i++;
          continue;
        }
        const lines_ = items[items.length - 1];
        if (isBlank(l)) {
          sawBlank = true;
          lines_.push('');
          i++;
          continue;
        }
        const indent = indentOf(l);
        if (indent > cur.marker && indent >= Math.min(cur.content, cur.marker + 2)) {
          // A blank line between two paragraphs of one item makes the list loose.
          if (sawBlank && !listRe.test(l.slice(indent))) tight = false;
          sawBlank = false;
          lines_.push(l.slice(Math.min(indent, cur.content)));
          i++;
          continue;
        }
        if (!sawBlank && !interrupts(l) && !m) {
          lines_.push(l.trimStart()); // lazy paragraph continuation
          i++;
          continue;
        }
        break;
      }
      for (const it of items) while (it.length && it[it.length - 1] === '') it.pop();
      out.push({
        t: 'list',
        ordered,
        start,
        tight,
        items: items.map((it) => (depth < 20 ? parseBlocks(it, depth + 1) : [{ t: 'p', c: parseInline(it.join('\n')) }])),
      });
      continue;
    }

    if (isTableStart(lines, i)) {
      const head = splitRow(lines[i]);
      const align: Align[] = splitRow(lines[i + 1]).map((c) => {
        const l = c.startsWith(':');
        const r = c.endsWith(':');
        return l && r ? 'center' : r ? 'right' : l ? 'left' : null;
      });
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && !isBlank(lines[i]) && lines[i].includes('|')) {
        const cells = splitRow(lines[i]);
        rows.push(head.map((_, k) => parseInline(cells[k] ?? '')));
        i++;
      }
      out.push({ t: 'table', align, head: head.map((h) => parseInline(h)), rows });
      continue;
    }

    // A paragraph: up to a blank line or the start of another block.
    const para: string[] = [line.trim()];
    i++;
    let setext = 0;
    while (i < lines.length && !isBlank(lines[i])) {
      const l = lines[i];
      if (setext1Re.test(l)) {
        setext = 1;
        i++;
        break;
      }
      if (setext2Re.test(l)) {
        setext = 2;
        i++;
        break;
      }
      if (interrupts(l) || isTableStart(lines, i)) break;
      para.push(l.trim());
      i++;
    }
    const text = para.join('\n');
    out.push(setext ? { t: 'h', level: setext, c: parseInline(text) } : { t: 'p', c: parseInline(text) });
  }
  return out;
}

export function parseMarkdown(src: string): Block[] {
  const lines = src
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/^\t+/, (tabs) => '    '.repeat(tabs.length)));
  return parseBlocks(lines, 0);
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
  let depth = 0;
  let j = i;
  for (; j < s.length; j++) {
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
  if (j >= s.length || s[j + 1] !== '(') return null;
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
        if (href) out.push({ t: 'link', href, title: link.title, c: nested(link.label) });
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
