import { describe, expect, test } from 'vitest';
import { enterSends, isStrayStopClick, stopGraceMs } from './composerInput';

const key = (k: Partial<Parameters<typeof enterSends>[0]>) => ({ key: 'Enter', shiftKey: false, isComposing: false, keyCode: 13, ...k });

describe('enterSends', () => {
  test('on a desktop, Enter sends and Shift+Enter is a new line', () => {
    expect(enterSends(key({}), false)).toBe(true);
    expect(enterSends(key({ shiftKey: true }), false)).toBe(false);
    expect(enterSends(key({ key: 'a', keyCode: 65 }), false)).toBe(false);
  });
  test('an input method composing keeps its Enter', () => {
    expect(enterSends(key({ isComposing: true }), false)).toBe(false);
    expect(enterSends(key({ keyCode: 229 }), false)).toBe(false);
  });
  test('on a touch screen Enter is a new line: the button sends', () => {
    expect(enterSends(key({}), true)).toBe(false);
  });
});

describe('isStrayStopClick', () => {
  test('the second click of a double click on Send does not stop the answer', () => {
    expect(isStrayStopClick(2, 600, false)).toBe(true);
    expect(isStrayStopClick(2, 600, true)).toBe(true);
  });
  test('nor does a second tap on a touch screen, just after the button appeared', () => {
    expect(isStrayStopClick(1, stopGraceMs - 1, true)).toBe(true);
    expect(isStrayStopClick(1, stopGraceMs, true)).toBe(false);
  });
  test('a single click, however soon, or a key, stops it', () => {
    expect(isStrayStopClick(1, 10, false)).toBe(false);
    expect(isStrayStopClick(0, 10, true)).toBe(false);
  });
});
