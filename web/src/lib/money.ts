// Money on the wire is whole micro-credits (µc; 1 credit = 1,000,000 µc). People read and type
// credits, so these two helpers convert between the two with string and integer arithmetic only:
// a binary float would turn "0.1" credits into 99,999 µc now and then.

const microsPerUnit = 1_000_000n;
const decimals = 6;

/** Thousands separators for a string of digits ("1234567" → "1,234,567"). */
function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * µc as credits with up to six decimals, trailing zeros trimmed: 1500000 → "1.5", 1 → "0.000001",
 * -2000000 → "-2", 1234000000 → "1,234". Anything that is not a whole number is shown as given.
 */
export function formatCredits(uc: number | bigint): string {
  if (typeof uc === 'number' && !Number.isSafeInteger(uc)) return String(uc);
  const n = BigInt(uc);
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const whole = groupDigits((abs / microsPerUnit).toString());
  const frac = (abs % microsPerUnit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Like formatCredits, with an explicit + on positive amounts (transactions, grants). */
export function formatSignedCredits(uc: number): string {
  return uc > 0 ? `+${formatCredits(uc)}` : formatCredits(uc);
}

/**
 * A credits string as whole µc: "1.5" → 1500000, "-0.25" → -250000, "1,000" → 1000000000.
 * Returns null for anything else: empty input, more than six decimals, letters, exponents, or a
 * result beyond what a JavaScript number holds exactly.
 */
export function parseCredits(input: string): number | null {
  // Thousands separators are allowed in the whole part, but only where they belong.
  const m = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/.exec(input.trim());
  if (!m) return null;
  const [, sign, grouped, frac = ''] = m;
  const whole = grouped.replace(/,/g, '');
  if (!whole && !frac) return null;
  if (frac.length > decimals) return null;
  const digits = (whole || '0') + frac.padEnd(decimals, '0');
  const n = BigInt(digits) * (sign === '-' ? -1n : 1n);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(n) || 0; // no -0
}

/**
 * µc in a display currency where `creditsPerUnit` credits make one unit, as a decimal string with
 * exactly two decimals, cut toward zero (never shows more than the balance is worth):
 * (12_500_000, 10) → "1.25", (19_999_999, 10) → "1.99", (-5_000_000, 10) → "-0.50".
 * Integer arithmetic only. Returns null for a non-integer amount or a rate that is not a positive
 * whole number.
 */
export function currencyValue(uc: number | bigint, creditsPerUnit: number): string | null {
  if (typeof uc === 'number' && !Number.isSafeInteger(uc)) return null;
  if (!Number.isSafeInteger(creditsPerUnit) || creditsPerUnit <= 0) return null;
  const n = BigInt(uc);
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const cents = (abs * 100n) / (microsPerUnit * BigInt(creditsPerUnit)); // BigInt division truncates
  const text = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  return negative && cents !== 0n ? `-${text}` : text;
}

/**
 * Group price multipliers are parts per million, the same six decimals as credits:
 * 1500000 → "1.5×".
 */
export function formatMultiplier(ppm: number): string {
  return `${formatCredits(ppm)}×`;
}

export function parseMultiplier(input: string): number | null {
  return parseCredits(input.replace(/[×x]\s*$/i, ''));
}
