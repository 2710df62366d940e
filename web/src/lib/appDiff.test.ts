import { describe, expect, test } from 'vitest';
import type { AppContent } from './apps';
import { diffVersions, fieldText, flaggedWords } from './appDiff';

const base: AppContent = {
  title: 'Translator',
  avatar: '🈯',
  tags: ['a', 'b'],
  category: '',
  description: 'Old',
  instructions: '',
  opening_message: '',
  suggested_questions: [],
  default_model: 'm',
  allowed_models: [],
  parameters: {},
  visibility: 'public',
  hide_preset: true,
  min_plan_level: 0,
  preset: { system_prompt: 'be brief', prefix_messages: [], suffix: '' },
};

describe('diffVersions', () => {
  test('a first submission lists every filled field, with no before', () => {
    const d = diffVersions(base, null);
    expect(d.map((c) => c.field)).toEqual(['title', 'avatar', 'tags', 'description', 'default_model', 'visibility', 'hide_preset', 'min_plan_level', 'preset.system_prompt']);
    expect(d.every((c) => c.before === null)).toBe(true);
    expect(d.find((c) => c.field === 'tags')?.after).toBe('a, b');
  });

  test('an edit lists only what changed, preset included', () => {
    const draft: AppContent = {
      ...base,
      description: 'New',
      hide_preset: false,
      preset: { system_prompt: 'be brief', prefix_messages: [{ role: 'user', content: 'hi' }], suffix: '' },
    };
    expect(diffVersions(draft, base)).toEqual([
      { field: 'description', before: 'Old', after: 'New' },
      { field: 'hide_preset', before: 'true', after: 'false' },
      { field: 'preset.prefix_messages', before: '', after: 'user: hi' },
    ]);
    expect(diffVersions(base, base)).toEqual([]);
  });

  test('pricing is reviewed with the content: mode, price, surcharge and paying-only', () => {
    const free: AppContent = { ...base, pricing: { mode: 'free', price: 0, surcharge_ppm: 0, paying_only: false } };
    // A first submission of a free app shows its mode and switch, not amounts it does not have.
    const first = diffVersions(free, null).filter((c) => c.field.startsWith('pricing.'));
    expect(first).toEqual([
      { field: 'pricing.mode', before: null, after: 'free' },
      { field: 'pricing.paying_only', before: null, after: 'false' },
    ]);
    const priced: AppContent = { ...base, pricing: { mode: 'per_message', price: 500_000, surcharge_ppm: 0, paying_only: true } };
    expect(diffVersions(priced, free)).toEqual([
      { field: 'pricing.mode', before: 'free', after: 'per_message' },
      { field: 'pricing.price', before: '', after: '0.5' },
      { field: 'pricing.paying_only', before: 'false', after: 'true' },
    ]);
    const percent: AppContent = { ...base, pricing: { mode: 'per_token', price: 0, surcharge_ppm: 200_000, paying_only: true } };
    expect(diffVersions(percent, priced)).toEqual([
      { field: 'pricing.mode', before: 'per_message', after: 'per_token' },
      { field: 'pricing.price', before: '0.5', after: '' },
      { field: 'pricing.surcharge_ppm', before: '', after: '20%' },
    ]);
    // A live version from before pricing existed has none to compare with.
    expect(fieldText(base, 'pricing.mode')).toBe('');
    expect(fieldText(base, 'pricing.paying_only')).toBe('');
  });

  test('missing presets and parameters read as empty', () => {
    const bare = { ...base, preset: undefined, parameters: undefined as unknown as Record<string, unknown> };
    expect(fieldText(bare, 'preset.system_prompt')).toBe('');
    expect(fieldText(bare, 'parameters')).toBe('');
    expect(fieldText({ ...base, parameters: { t: 1 } }, 'parameters')).toBe('{"t":1}');
  });
});

test('flaggedWords matches a field with or without the preset prefix', () => {
  const flags = [
    { field: 'description', word: 'casino' },
    { field: 'system_prompt', word: 'bet' },
    { field: 'preset.suffix', word: 'odds' },
  ];
  expect(flaggedWords('description', flags)).toEqual(['casino']);
  expect(flaggedWords('preset.system_prompt', flags)).toEqual(['bet']);
  expect(flaggedWords('preset.suffix', flags)).toEqual(['odds']);
  expect(flaggedWords('title', flags)).toEqual([]);
});
