// Splits a text into plain and flagged pieces so moderation hits can be highlighted as elements
// (never as HTML). Matching ignores case; longer words win where two overlap.

export interface Piece {
  text: string;
  hit: boolean;
}

export function markWords(text: string, words: string[]): Piece[] {
  const list = [...new Set(words.map((w) => w.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  if (list.length === 0 || !text) return text ? [{ text, hit: false }] : [];
  const lower = text.toLowerCase();
  const lowered = list.map((w) => w.toLowerCase());
  const out: Piece[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const at = lowered.findIndex((w) => lower.startsWith(w, i));
    if (at < 0) {
      plain += text[i];
      i += 1;
      continue;
    }
    if (plain) out.push({ text: plain, hit: false });
    plain = '';
    const len = lowered[at].length;
    out.push({ text: text.slice(i, i + len), hit: true });
    i += len;
  }
  if (plain) out.push({ text: plain, hit: false });
  return out;
}
