import { expect, test } from 'vitest';
import { checkDrafts, draftsOf } from './allowances';

test('drafts round-trip, unlimited as -1', () => {
  const allowances = [
    { model: 'gpt-4o', per_day: 50 },
    { model: 'gpt-4o-mini', per_day: -1 },
  ];
  const drafts = draftsOf(allowances);
  expect(drafts).toEqual([
    { model: 'gpt-4o', perDay: '50', unlimited: false },
    { model: 'gpt-4o-mini', perDay: '', unlimited: true },
  ]);
  expect(checkDrafts(drafts)).toEqual({ allowances });
});

test('blank rows are skipped, names trimmed', () => {
  expect(checkDrafts([{ model: '  ', perDay: '3', unlimited: false }, { model: ' a ', perDay: ' 3 ', unlimited: false }])).toEqual({
    allowances: [{ model: 'a', per_day: 3 }],
  });
  expect(checkDrafts([])).toEqual({ allowances: [] });
});

test('bad rows are named', () => {
  expect(checkDrafts([{ model: 'a', perDay: '0', unlimited: false }])).toEqual({ error: 'validate.perDay', row: 0 });
  expect(checkDrafts([{ model: 'a', perDay: '1.5', unlimited: false }])).toEqual({ error: 'validate.perDay', row: 0 });
  expect(checkDrafts([{ model: 'a', perDay: '', unlimited: false }])).toEqual({ error: 'validate.perDay', row: 0 });
  expect(
    checkDrafts([
      { model: 'a', perDay: '1', unlimited: false },
      { model: 'a', perDay: '', unlimited: true },
    ]),
  ).toEqual({ error: 'validate.duplicateModel', row: 1 });
  expect(checkDrafts([{ model: 'a b', perDay: '1', unlimited: false }])).toEqual({ error: 'validate.modelId', row: 0 });
});
