// The review queue's field-by-field comparison of a submitted draft with the live version: each
// field as text, and the fields that differ (every filled field for a first submission).
import type { AppContent, ModerationFlag } from './apps';
import { formatCredits } from './money';
import { ppmToPercent } from './pricing';

export const diffFields = [
  'title',
  'avatar',
  'tags',
  'category',
  'description',
  'instructions',
  'opening_message',
  'suggested_questions',
  'default_model',
  'allowed_models',
  'parameters',
  'visibility',
  'hide_preset',
  'min_plan_level',
  'pricing.mode',
  'pricing.price',
  'pricing.surcharge_ppm',
  'pricing.paying_only',
  'preset.system_prompt',
  'preset.prefix_messages',
  'preset.suffix',
] as const;

export type DiffField = (typeof diffFields)[number];

export interface FieldChange {
  field: DiffField;
  /** The live text, or null when there is no live version. */
  before: string | null;
  after: string;
}

/** One field of a version as the text a reviewer reads. */
export function fieldText(v: AppContent, field: DiffField): string {
  switch (field) {
    case 'tags':
    case 'allowed_models':
      return (v[field] ?? []).join(', ');
    case 'suggested_questions':
      return (v.suggested_questions ?? []).join('\n');
    case 'parameters':
      return v.parameters && Object.keys(v.parameters).length > 0 ? JSON.stringify(v.parameters) : '';
    case 'hide_preset':
      return v.hide_preset ? 'true' : 'false';
    case 'min_plan_level':
      return String(v.min_plan_level ?? 0);
    // A version from before pricing existed has none: nothing to compare. Amounts the mode does
    // not use are 0 and read as empty, so a first submission of a free app lists just its mode.
    case 'pricing.mode':
      return v.pricing?.mode ?? '';
    case 'pricing.price':
      return v.pricing?.price ? formatCredits(v.pricing.price) : '';
    case 'pricing.surcharge_ppm':
      return v.pricing?.surcharge_ppm ? `${ppmToPercent(v.pricing.surcharge_ppm)}%` : '';
    case 'pricing.paying_only':
      return v.pricing ? (v.pricing.paying_only ? 'true' : 'false') : '';
    case 'preset.system_prompt':
      return v.preset?.system_prompt ?? '';
    case 'preset.suffix':
      return v.preset?.suffix ?? '';
    case 'preset.prefix_messages':
      return (v.preset?.prefix_messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n');
    default:
      return String(v[field] ?? '');
  }
}

/** The fields whose text differs between the draft and the live version, in form order. */
export function diffVersions(draft: AppContent, live: AppContent | null): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of diffFields) {
    const after = fieldText(draft, field);
    if (live === null) {
      if (after !== '') out.push({ field, before: null, after });
      continue;
    }
    const before = fieldText(live, field);
    if (before !== after) out.push({ field, before, after });
  }
  return out;
}

/** A flag's field may name the preset part with or without "preset." in front. */
const bare = (field: string) => field.replace(/^preset\./, '');

/** The flagged words of one field. */
export function flaggedWords(field: string, flags: ModerationFlag[]): string[] {
  return flags.filter((f) => bare(f.field) === bare(field)).map((f) => f.word);
}
