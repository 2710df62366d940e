// A small Markdown parser for chat answers. It builds a tree that is rendered as React elements
// (never as HTML strings), so any HTML in the text is shown as text. Supported: paragraphs
// (single newlines are line breaks, as chat users expect), ATX and setext headings, bullet and
// numbered lists (nested by indentation), block quotes, fenced code (an unclosed fence runs to
// the end, which is what a half-streamed answer looks like), rules, pipe tables, and inline code,
// strong, emphasis, strikethrough, links and bare URLs. Links are kept only for http(s) URLs.
// List items may be GitHub's task list items ("- [ ] to do", "- [x] done").

import { parseInline, type Inline } from './markdownInline';

export { hiddenHost, parseInline, safeHref, type Inline } from './markdownInline';

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'code'; lang: string; v: string }
  | { t: 'quote'; c: Block[] }
  /** `tasks`, when any item is a task ("- [x] done"): each item's box, checked or not, or null for a plain item. */
  | { t: 'list'; ordered: boolean; start: number; tight: boolean; items: Block[][]; tasks?: (boolean | null)[] }
  | { t: 'hr' }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] };

// ---------------------------------------------------------------- blocks

const fenceRe = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const headingRe = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const hrRe = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const quoteRe = /^ {0,3}> ?/;
const listRe = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)/;
// A task's box opens its item's first line and is followed by its text, as GitHub requires.
const taskRe = /^\[([ xX])\][ \t]+(?=\S)/;
// No two space runs side by side (" *\|? *"): on a long line of spaces that backtracks quadratically.
const delimRe = /^ *(?:\| *)?:?-+:? *(?:\| *:?-+:? *)*(?:\| *)?$/;
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
      const tasks = items.map((it) => {
        const box = taskRe.exec(it[0] ?? '');
        if (!box) return null;
        it[0] = it[0].slice(box[0].length);
        return box[1] !== ' ';
      });
      out.push({
        t: 'list',
        ordered,
        start,
        tight,
        items: items.map((it) => (depth < 20 ? parseBlocks(it, depth + 1) : [{ t: 'p', c: parseInline(it.join('\n')) }])),
        ...(tasks.some((x) => x !== null) ? { tasks } : {}),
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

