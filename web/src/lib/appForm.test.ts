import { describe, expect, test } from 'vitest';
import type { App } from './apps';
import { bodyOf, editableContent, formFieldOf, formOf, parseParameters, utf8Length, validateBytes, validateEntries, validateParameters, validateSlug, validateTitle } from './appForm';

const live: App = {
  id: 1,
  slug: 'translator',
  kind: 'user',
  status: 'published',
  takedown_reason: '',
  owner: { id: 2, username: 'ann' },
  title: '翻译助手',
  avatar: '🈯',
  tags: ['翻译', 'language'],
  category: '工具',
  description: 'Translates.',
  instructions: '# How',
  opening_message: 'Hi!',
  suggested_questions: ['One?', 'Two?'],
  default_model: 'gpt-4o-mini',
  allowed_models: ['gpt-4o'],
  parameters: { temperature: 0.2 },
  visibility: 'public',
  hide_preset: true,
  min_plan_level: 0,
  pricing: { mode: 'per_message', price: 500_000, surcharge_ppm: 0, paying_only: true },
  preset: { system_prompt: 'secret', prefix_messages: [{ role: 'user', content: 'ex' }], suffix: 'end' },
  stats: { uses: 0, users: 0, favorites: 0, rating_avg: 0, rating_count: 0 },
  favorited: false,
  my_rating: null,
  created_at: 1,
  updated_at: 1,
  published_at: 1,
  draft: null,
};

describe('formOf and bodyOf', () => {
  test('a new app starts empty, public, with its preset hidden', () => {
    const { values, extras } = formOf(null);
    expect(values.title).toBe('');
    expect(values.visibility).toBe('public');
    expect(values.min_plan_level).toBe('0');
    expect(values.pricing_mode).toBe('free');
    expect(extras).toEqual({ allowed_models: [], hide_preset: true, prefix_messages: [], paying_only: false });
    expect(bodyOf(values, extras, true).pricing).toEqual({ mode: 'free', price: 0, surcharge_ppm: 0, paying_only: false });
  });

  test('an app round-trips through the form', () => {
    const { values, extras } = formOf(live);
    expect(values.tags).toBe('翻译, language');
    expect(values.suggested_questions).toBe('One?\nTwo?');
    expect(JSON.parse(values.parameters)).toEqual({ temperature: 0.2 });
    expect(values.pricing_price).toBe('0.5');
    expect(extras.paying_only).toBe(true);
    const body = bodyOf(values, extras, false);
    expect(body.slug).toBeUndefined();
    const { id, slug, kind, status, takedown_reason, owner, stats, favorited, my_rating, created_at, updated_at, published_at, draft, ...content } = live;
    expect(body).toEqual(content);
  });

  test('creating sends the slug; lists are cleaned; empty prefix rows are dropped', () => {
    const { values, extras } = formOf(null);
    const body = bodyOf(
      { ...values, slug: ' my-app ', title: ' T ', tags: 'a，b, a,', suggested_questions: 'q1\n\n q2 \n', min_plan_level: '' },
      { ...extras, prefix_messages: [{ role: 'user', content: ' ' }, { role: 'assistant', content: 'x' }] },
      true,
    );
    expect(body.slug).toBe('my-app');
    expect(body.title).toBe('T');
    expect(body.tags).toEqual(['a', 'b']);
    expect(body.suggested_questions).toEqual(['q1', 'q2']);
    expect(body.min_plan_level).toBe(0);
    expect(body.preset?.prefix_messages).toEqual([{ role: 'assistant', content: 'x' }]);
    expect(body.parameters).toEqual({});
  });

  test('the default model is not listed again among the allowed ones', () => {
    const { values, extras } = formOf(live);
    expect(bodyOf(values, { ...extras, allowed_models: ['gpt-4o-mini', 'gpt-4o', ''] }, false).allowed_models).toEqual(['gpt-4o']);
  });

  test('the owner edits the draft when there is one, keeping the live preset if the draft has none', () => {
    const withDraft: App = {
      ...live,
      draft: { ...live, title: 'New title', preset: undefined, review_status: 'rejected', review_reason: 'no', moderation_flags: [], submitted_at: 5, revision: 'r1' },
    };
    expect(editableContent(withDraft).title).toBe('New title');
    expect(editableContent(withDraft).preset?.system_prompt).toBe('secret');
    expect(formOf(withDraft).values.title).toBe('New title');
    expect(editableContent(live).title).toBe('翻译助手');
  });
});

describe('pricing in the form', () => {
  test('each mode sends only its own amount, the others as 0', () => {
    const { values, extras } = formOf(live);
    const filled = { ...values, pricing_price: '2.5', pricing_ppm: '20' };
    expect(bodyOf({ ...filled, pricing_mode: 'per_message' }, extras, false).pricing).toEqual({ mode: 'per_message', price: 2_500_000, surcharge_ppm: 0, paying_only: true });
    expect(bodyOf({ ...filled, pricing_mode: 'one_time' }, extras, false).pricing).toEqual({ mode: 'one_time', price: 2_500_000, surcharge_ppm: 0, paying_only: true });
    expect(bodyOf({ ...filled, pricing_mode: 'per_token' }, extras, false).pricing).toEqual({ mode: 'per_token', price: 0, surcharge_ppm: 200_000, paying_only: true });
    expect(bodyOf({ ...filled, pricing_mode: 'free' }, { ...extras, paying_only: false }, false).pricing).toEqual({ mode: 'free', price: 0, surcharge_ppm: 0, paying_only: false });
  });

  test('the draft’s pricing is what the owner edits; a surcharge shows as a percentage', () => {
    const withDraft: App = {
      ...live,
      draft: { ...live, pricing: { mode: 'per_token', price: 0, surcharge_ppm: 125_000, paying_only: false }, review_status: 'draft', review_reason: '', moderation_flags: [], submitted_at: null, revision: 'r2' },
    };
    const { values, extras } = formOf(withDraft);
    expect(values.pricing_mode).toBe('per_token');
    expect(values.pricing_ppm).toBe('12.5');
    expect(values.pricing_price).toBe('');
    expect(extras.paying_only).toBe(false);
  });

  test('an app from before pricing existed is free', () => {
    const { pricing: _, ...old } = live;
    expect(formOf(old).values.pricing_mode).toBe('free');
  });
});

describe('checks', () => {
  test('slugs', () => {
    expect(validateSlug('translator-2')).toBeNull();
    expect(validateSlug('')).toBe('validate.required');
    expect(validateSlug('a'.repeat(40))).toBeNull();
    for (const bad of ['ab', 'Upper', '-lead', 'trail-', 'with space', '中文', 'a'.repeat(41)]) expect(validateSlug(bad), bad).toBe('validate.slug');
  });
  test('lengths are UTF-8 bytes, as the server counts them', () => {
    expect(utf8Length('翻译')).toBe(6);
    expect(validateTitle('翻'.repeat(33))).toBeNull();
    expect(validateTitle('翻'.repeat(34))).toBe('validate.tooLong');
    expect(validateTitle('a'.repeat(100))).toBeNull();
    expect(validateTitle('  ')).toBe('validate.required');
    expect(validateBytes('', 10)).toBeNull();
  });
  test('lists have a most entries and a longest entry', () => {
    expect(validateEntries(['a', 'b'], 2, 5)).toBeNull();
    expect(validateEntries(['a', 'b', 'c'], 2, 5)).toBe('validate.tooMany');
    expect(validateEntries(['标签标签'], 2, 10)).toBe('validate.tooLong');
  });
  test('parameters are empty or a JSON object', () => {
    expect(parseParameters('')).toEqual({});
    expect(parseParameters('{"temperature":1}')).toEqual({ temperature: 1 });
    expect(parseParameters('[1]')).toBeNull();
    expect(parseParameters('null')).toBeNull();
    expect(validateParameters('{oops')).toBe('validate.jsonObject');
  });
});

describe('where a server error shows', () => {
  test('a refused model shows on its field, the allowed models under their checkboxes', () => {
    expect(formFieldOf('default_model', 'free')).toBe('default_model');
    expect(formFieldOf('allowed_models', 'free')).toBe('allowed_models');
    expect(formFieldOf('min_plan_level', 'free')).toBe('min_plan_level');
  });
  test('pricing problems go to the amount the mode uses; preset fields lose their prefix', () => {
    expect(formFieldOf('pricing', 'per_message')).toBe('pricing_price');
    expect(formFieldOf('pricing', 'per_token')).toBe('pricing_ppm');
    expect(formFieldOf('pricing', 'free')).toBe('pricing_mode');
    expect(formFieldOf('pricing.paying_only', 'free')).toBeUndefined();
    expect(formFieldOf('preset.system_prompt', 'free')).toBe('system_prompt');
    expect(formFieldOf(undefined, 'free')).toBeUndefined();
  });
});
