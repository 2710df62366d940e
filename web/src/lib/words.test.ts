import { expect, test } from 'vitest';
import { parseShare, textFromWords, wordsFromText } from './words';

test('wordsFromText trims, drops blanks and repeats, keeps order', () => {
  expect(wordsFromText(' casino \n\n赌博\r\nCasino\n  \nbet')).toEqual(['casino', '赌博', 'bet']);
  expect(wordsFromText('')).toEqual([]);
  expect(textFromWords(['a', '赌博'])).toBe('a\n赌博');
});

test('parseShare takes decimals from 0 to 1', () => {
  expect(parseShare('0.6')).toBe(0.6);
  expect(parseShare('.25')).toBe(0.25);
  expect(parseShare('1')).toBe(1);
  expect(parseShare('0')).toBe(0);
  for (const bad of ['', '.', '1.5', '-0.1', 'abc', '2']) expect(parseShare(bad), bad).toBeNull();
});
