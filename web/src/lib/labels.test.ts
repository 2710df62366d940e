import { expect, test } from 'vitest';
import { translate } from '../i18n';
import { categoryLabel, statusLabel } from './labels';

const zh = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('zh', key, params);

test('a call\'s known statuses are said in the reader\'s language, others as the server wrote them', () => {
  expect(statusLabel('ok', zh)).toBe('成功');
  expect(statusLabel('error', zh)).toBe('失败');
  expect(statusLabel('cancelled', zh)).toBe('已取消');
  expect(statusLabel('upstream_timeout', zh)).toBe('upstream_timeout');
  expect(statusLabel('constructor', zh)).toBe('constructor'); // not a property of every object
});

test('the starter apps\' categories are translated; a creator\'s own is shown as written', () => {
  expect(categoryLabel('writing', zh)).toBe('写作');
  expect(categoryLabel('programming', zh)).toBe('编程');
  expect(categoryLabel('productivity', zh)).toBe('效率');
  expect(categoryLabel('烹饪', zh)).toBe('烹饪');
  expect(categoryLabel('toString', zh)).toBe('toString');
});
