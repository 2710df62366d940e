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
