// An app's price (docs/earnings-api.md): what the studio form holds, the checks the server makes,
// and the badge people read before they chat. Money stays whole µc and the surcharge whole ppm;
// people type credits and percentages, converted with string and integer arithmetic only.
import type { MessageKey } from '../i18n/en';
import type { TFunction } from '../i18n';
import { pricingModes, type AppPricing, type PricingMode } from './apps';
import { formatCredits, parseCredits } from './money';
import type { Check } from './validation';

export const freePricing: AppPricing = { mode: 'free', price: 0, surcharge_ppm: 0, paying_only: false };

/** The limits the server checks (services/apps.cpp check_pricing). */
export const perMessageMaxUc = 100 * 1_000_000;
export const unlockMaxUc = 10_000 * 1_000_000;
export const surchargeMaxPpm = 10_000_000;

/** A version's pricing; free for content from before pricing existed. */
export function pricingOf(c: { pricing?: AppPricing | null }): AppPricing {
  return c.pricing ? { ...freePricing, ...c.pricing } : freePricing;
}

/** Modes whose price is a fixed amount of credits (per message, or the unlock). */
export function hasPrice(mode: string): boolean {
  return mode === 'per_message' || mode === 'one_time';
}

/** The mode charged as a percentage of the model cost. */
export function hasSurcharge(mode: string): boolean {
  return mode === 'per_token';
}

/**
 * A percentage as parts per million: "20" → 200000, "0.5" → 5000, "12.3456%" → 123456.
 * At most four decimals (one ppm); null for anything else. The decimal parsing is parseCredits'
 * (six decimals, exact), and one percent is 10,000 ppm = 1,000,000 / 100.
 */
export function percentToPpm(input: string): number | null {
  const uc = parseCredits(input.trim().replace(/\s*%$/, ''));
  if (uc === null || uc % 100 !== 0) return null;
  return uc / 100 || 0; // exact: a whole multiple of 100; no -0
}

/** Parts per million as a percentage: 200000 → "20", 5000 → "0.5", 10000000 → "1,000". */
export function ppmToPercent(ppm: number): string {
  return Number.isSafeInteger(ppm) ? formatCredits(ppm * 100) : String(ppm);
}

/** The price field: credits within the mode's range; ignored by modes without a price. */
export function validatePrice(mode: string, v: string): Check {
  if (!hasPrice(mode)) return null;
  if (!v.trim()) return 'validate.required';
  const uc = parseCredits(v);
  if (uc === null) return 'validate.credits';
  const max = mode === 'per_message' ? perMessageMaxUc : unlockMaxUc;
  if (uc < 1 || uc > max) return mode === 'per_message' ? 'validate.pricePerMessage' : 'validate.priceUnlock';
  return null;
}

/** The surcharge field: a percentage above 0 and at most 1000; ignored by other modes. */
export function validateSurcharge(mode: string, v: string): Check {
  if (!hasSurcharge(mode)) return null;
  if (!v.trim()) return 'validate.required';
  const ppm = percentToPpm(v);
  if (ppm === null) return 'validate.percent';
  return ppm < 1 || ppm > surchargeMaxPpm ? 'validate.surcharge' : null;
}

/** Form strings for a pricing: the amount fields only hold what the mode uses. */
export function pricingFormValues(p: AppPricing): { pricing_mode: PricingMode; pricing_price: string; pricing_ppm: string } {
  return {
    pricing_mode: p.mode,
    pricing_price: hasPrice(p.mode) && p.price > 0 ? formatCredits(p.price) : '',
    pricing_ppm: hasSurcharge(p.mode) && p.surcharge_ppm > 0 ? ppmToPercent(p.surcharge_ppm) : '',
  };
}

/**
 * The pricing sent in a create or patch. Every field is sent, with the ones the mode does not
 * use as 0: a patch applies onto the draft, and the server refuses e.g. a free app with a price.
 */
export function pricingBody(mode: string, price: string, percent: string, payingOnly: boolean): AppPricing {
  const m = pricingModes.find((x) => x === mode) ?? 'free';
  return {
    mode: m,
    price: hasPrice(m) ? (parseCredits(price) ?? 0) : 0,
    surcharge_ppm: hasSurcharge(m) ? (percentToPpm(percent) ?? 0) : 0,
    paying_only: payingOnly,
  };
}

const modeKeys: Record<PricingMode, MessageKey> = {
  free: 'pricing.free',
  per_message: 'pricing.perMessage',
  per_token: 'pricing.perToken',
  one_time: 'pricing.oneTime',
};

/**
 * What using the app costs, as people read it on cards and the app page:
 * "Free", "+0.5 credits / message", "+20% on model cost", "Unlock 5 credits", each followed by
 * " · Plan level 2 or higher" when it needs a plan (a free app then says only that: "Free" would
 * promise what a user without the plan cannot have) and " · Paying users only" when only paying
 * users may chat with it.
 */
export function priceLabel(p: AppPricing, t: TFunction, minPlanLevel = 0): string {
  const parts: string[] = [];
  const needsPlan = minPlanLevel > 0;
  if (p.mode !== 'free' || !needsPlan) {
    const key = modeKeys[p.mode] ?? 'pricing.free';
    parts.push(t(key, { amount: formatCredits(p.price), percent: ppmToPercent(p.surcharge_ppm) }));
  }
  if (needsPlan) parts.push(t('pricing.planLevel', { level: minPlanLevel }));
  if (p.paying_only) parts.push(t('pricing.payingOnly'));
  return parts.join(' · ');
}
