import { describe, expect, test } from 'vitest';
import { checkText, revealAndFocus, type Focusable } from './useForm';
import { validateInt } from './validation';

// A tiny stand-in for the DOM (the tests run without one): a control, maybe inside nested
// <details>, that records being focused and scrolled to, and that can only take focus when every
// <details> around it is open, as in a browser.
interface FakeDetails {
  open: boolean;
  parentElement: Focusable | null;
}
function control(detailsChain: FakeDetails[]) {
  const log: string[] = [];
  let focused = false;
  const el: Focusable = {
    closest: () => detailsChain[0] ?? null,
    focus: () => {
      focused = detailsChain.every((d) => d.open);
      log.push('focus');
    },
    scrollIntoView: () => log.push('scroll'),
  };
  return { el, log, isFocused: () => focused };
}
/** <details> nested outermost last: each one's parent element finds the next one out. */
function nest(...open: boolean[]): FakeDetails[] {
  const chain: FakeDetails[] = open.map((o) => ({ open: o, parentElement: null }));
  chain.forEach((d, i) => {
    const outer = chain[i + 1] ?? null;
    d.parentElement = { closest: () => outer, focus: () => {} };
  });
  return chain;
}

describe('revealAndFocus', () => {
  test('opens a closed <details> around the field before focusing and scrolling to it', () => {
    const chain = nest(false);
    const c = control(chain);
    expect(revealAndFocus(c.el)).toBe(true);
    expect(chain[0].open).toBe(true);
    expect(c.isFocused()).toBe(true);
    expect(c.log).toEqual(['focus', 'scroll']);
  });
  test('opens every closed ancestor, leaving open ones open', () => {
    const chain = nest(false, true, false);
    const c = control(chain);
    revealAndFocus(c.el);
    expect(chain.map((d) => d.open)).toEqual([true, true, true]);
    expect(c.isFocused()).toBe(true);
  });
  test('a field outside any <details> is just focused; a missing one is reported', () => {
    const c = control([]);
    expect(revealAndFocus(c.el)).toBe(true);
    expect(c.isFocused()).toBe(true);
    expect(revealAndFocus(null)).toBe(false);
  });
});

describe('checkText', () => {
  test('a range error names the range, numbers grouped', () => {
    const c = validateInt('0', 1, 1_000_000);
    expect(c).not.toBeNull();
    expect(typeof c).toBe('object');
    if (!c || typeof c === 'string') return;
    expect(checkText('en', c.key, c.params)).toBe('Enter a whole number from 1 to 1,000,000.');
    expect(checkText('zh', c.key, c.params)).toBe('请输入 1 到 1,000,000 之间的整数。');
    const neg = validateInt('5000000', -1_000_000, 1_000_000);
    if (!neg || typeof neg === 'string') throw new Error('expected a range problem');
    expect(checkText('en', neg.key, neg.params)).toBe('Enter a whole number from -1,000,000 to 1,000,000.');
  });
  test('text values and plain keys pass through', () => {
    expect(checkText('en', 'validate.modelListedTwice', { name: 'gpt-4o' })).toContain('“gpt-4o”');
    expect(checkText('en', 'validate.integer')).toBe('Enter a whole number.');
  });
});
