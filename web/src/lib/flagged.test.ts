import { expect, test } from 'vitest';
import { markWords } from './flagged';

test('markWords splits around every hit, ignoring case', () => {
  expect(markWords('Play at the Casino, casino!', ['casino'])).toEqual([
    { text: 'Play at the ', hit: false },
    { text: 'Casino', hit: true },
    { text: ', ', hit: false },
    { text: 'casino', hit: true },
    { text: '!', hit: false },
  ]);
});

test('markWords handles Chinese, prefers the longer word and ignores empty words', () => {
  expect(markWords('网络赌博平台', ['赌博', '网络赌博', ' '])).toEqual([
    { text: '网络赌博', hit: true },
    { text: '平台', hit: false },
  ]);
  expect(markWords('clean', [])).toEqual([{ text: 'clean', hit: false }]);
  expect(markWords('', ['x'])).toEqual([]);
});
