// Editing an API key's spending limit (PATCH /api/keys/{id}): what the entered limit means for a key
// that has already spent some credits. A limit at or below what it spent is allowed: the key then
// spends nothing more (the page says so before it is saved).
import { parseCredits } from './money';

export type KeyLimitEffect =
  | { kind: 'none' } // no limit: the key spends what the wallet has
  | { kind: 'room'; left: number } // µc it may still spend
  | { kind: 'stopped' } // at or below what it spent: nothing more
  | { kind: 'invalid' };

/** The effect of the limit typed in `text` (credits; empty = no limit) on a key that spent `spent` µc. */
export function keyLimitEffect(text: string, spent: number): KeyLimitEffect {
  if (!text.trim()) return { kind: 'none' };
  const limit = parseCredits(text);
  if (limit === null || limit < 0) return { kind: 'invalid' };
  return limit > spent ? { kind: 'room', left: limit - spent } : { kind: 'stopped' };
}

/** The PATCH body: the limit in µc, or null to remove it. */
export function keyLimitBody(text: string): { spend_limit: number | null } {
  return { spend_limit: text.trim() ? parseCredits(text) : null };
}
