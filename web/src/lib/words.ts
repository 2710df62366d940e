// The moderation word list is edited as text, one word per line.

/** Lines → words: trimmed, blank lines dropped, duplicates (ignoring case) kept once, order kept. */
export function wordsFromText(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const w = line.trim();
    if (!w || seen.has(w.toLowerCase())) continue;
    seen.add(w.toLowerCase());
    out.push(w);
  }
  return out;
}

export function textFromWords(words: string[]): string {
  return words.join('\n');
}

/** A share between 0 and 1 typed as a decimal ("0.6", ".6", "1"); null when it is not one. */
export function parseShare(v: string): number | null {
  const s = v.trim();
  if (!/^(?:0|1)?(?:\.\d+)?$/.test(s) || s === '' || s === '.') return null;
  const n = Number(s);
  return n >= 0 && n <= 1 ? n : null;
}
