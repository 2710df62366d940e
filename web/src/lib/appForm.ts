// The studio's app form: what an app's editable version looks like as form values (strings for
// useForm, plus the model choices, the hide switch, the prefix messages and the paying-only switch;
// the price itself is in lib/pricing.ts), and back as the body
// of POST /api/apps or PATCH /api/apps/{slug}.
import type { App, AppContent, AppInput, PrefixMessage, Visibility } from './apps';
import { hasPrice, hasSurcharge, pricingBody, pricingFormValues, pricingOf } from './pricing';
import type { Check, FieldCheck } from './validation';
import { parseKeyLines, parseList, validateInt } from './validation';

export type AppFormKey =
  | 'slug'
  | 'title'
  | 'avatar'
  | 'tags'
  | 'category'
  | 'description'
  | 'instructions'
  | 'opening_message'
  | 'suggested_questions'
  | 'default_model'
  | 'visibility'
  | 'min_plan_level'
  | 'parameters'
  | 'pricing_mode'
  | 'pricing_price'
  | 'pricing_ppm'
  | 'system_prompt'
  | 'suffix';

export type AppFormValues = Record<AppFormKey, string>;

/** The parts of the form that are not plain strings. */
export interface AppFormExtras {
  allowed_models: string[];
  hide_preset: boolean;
  prefix_messages: PrefixMessage[];
  /** pricing.paying_only */
  paying_only: boolean;
}

export const visibilities: Visibility[] = ['public', 'unlisted', 'private'];

/** The version the owner edits: the draft when there is one, else the live content. */
export function editableContent(app: App): AppContent {
  const d = app.draft;
  if (!d) return app;
  // A draft may leave the preset out when it did not change it.
  return { ...d, preset: d.preset ?? app.preset };
}

export function formOf(app: App | null): { values: AppFormValues; extras: AppFormExtras } {
  const c = app ? editableContent(app) : null;
  const params = c?.parameters && Object.keys(c.parameters).length > 0 ? JSON.stringify(c.parameters, null, 2) : '';
  return {
    values: {
      slug: app?.slug ?? '',
      title: c?.title ?? '',
      avatar: c?.avatar ?? '',
      tags: (c?.tags ?? []).join(', '),
      category: c?.category ?? '',
      description: c?.description ?? '',
      instructions: c?.instructions ?? '',
      opening_message: c?.opening_message ?? '',
      suggested_questions: (c?.suggested_questions ?? []).join('\n'),
      default_model: c?.default_model ?? '',
      visibility: c?.visibility ?? 'public',
      min_plan_level: String(c?.min_plan_level ?? 0),
      parameters: params,
      ...pricingFormValues(pricingOf(c ?? {})),
      system_prompt: c?.preset?.system_prompt ?? '',
      suffix: c?.preset?.suffix ?? '',
    },
    extras: {
      allowed_models: [...(c?.allowed_models ?? [])],
      hide_preset: c?.hide_preset ?? true,
      prefix_messages: (c?.preset?.prefix_messages ?? []).map((m) => ({ ...m })),
      paying_only: pricingOf(c ?? {}).paying_only,
    },
  };
}

/** The JSON object typed in the parameters box ({} when empty), or null when it is not one. */
export function parseParameters(text: string): Record<string, unknown> | null {
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The request body for the form. The slug is sent only when creating (it names the app for
 * good); prefix rows left empty are dropped.
 */
export function bodyOf(v: AppFormValues, x: AppFormExtras, creating: boolean): AppInput {
  const body: AppInput = {
    title: v.title.trim(),
    avatar: v.avatar.trim(),
    tags: parseList(v.tags),
    category: v.category.trim(),
    description: v.description.trim(),
    instructions: v.instructions,
    opening_message: v.opening_message.trim(),
    suggested_questions: parseKeyLines(v.suggested_questions),
    default_model: v.default_model,
    // The default model is always allowed; listing it again would only be noise.
    allowed_models: x.allowed_models.filter((m) => m && m !== v.default_model),
    parameters: parseParameters(v.parameters) ?? {},
    visibility: v.visibility as Visibility,
    hide_preset: x.hide_preset,
    min_plan_level: Number(v.min_plan_level.trim() || '0'),
    pricing: pricingBody(v.pricing_mode, v.pricing_price, v.pricing_ppm, x.paying_only),
    preset: {
      system_prompt: v.system_prompt,
      prefix_messages: x.prefix_messages.filter((m) => m.content.trim() !== ''),
      suffix: v.suffix,
    },
  };
  return creating ? { slug: v.slug.trim(), ...body } : body;
}

/**
 * Where the form shows the server's error about `field`. The server names every pricing problem
 * "pricing": it goes on the amount field the mode uses. Preset fields ("preset.system_prompt") are
 * the form's "system_prompt". "allowed_models" (the model checkboxes, no form field) is kept: the
 * form shows it under them.
 */
export function formFieldOf(field: string | undefined, pricingMode: string): string | undefined {
  if (field === 'pricing.paying_only') return undefined;
  if (field === 'pricing' || field?.startsWith('pricing.'))
    return hasPrice(pricingMode) ? 'pricing_price' : hasSurcharge(pricingMode) ? 'pricing_ppm' : 'pricing_mode';
  return field?.replace(/^preset\./, '');
}

/** Lower-case letters, digits and inner hyphens, 3 to 40 long: the app's address. */
export function validateSlug(v: string): Check {
  const s = v.trim();
  if (!s) return 'validate.required';
  return /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/.test(s) ? null : 'validate.slug';
}

/** The server measures text limits in UTF-8 bytes (a Chinese character is three). */
export const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Optional text of at most `max` UTF-8 bytes. */
export function validateBytes(v: string, max: number): Check {
  return utf8Length(v.trim()) > max ? 'validate.tooLong' : null;
}

export function validateTitle(v: string): Check {
  const s = v.trim();
  if (!s) return 'validate.required';
  return validateBytes(s, 100);
}

/** At most `max` entries of at most `each` bytes (tags, suggested questions). */
export function validateEntries(entries: string[], max: number, each: number): Check {
  if (entries.length > max) return 'validate.tooMany';
  return entries.some((e) => utf8Length(e) > each) ? 'validate.tooLong' : null;
}

export function validateParameters(v: string): Check {
  return parseParameters(v) === null ? 'validate.jsonObject' : null;
}

export function validatePlanLevel(v: string): FieldCheck {
  return validateInt(v, 0, 100);
}
