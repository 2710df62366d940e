import { describe, expect, test } from 'vitest';
import { squareApiQuery } from './apps';
import { defaultSquare, pageCount, squareHref, squareStateOf, withFilter } from './squareUrl';

describe('square addresses', () => {
  test('the bare address is the default state, and back', () => {
    expect(squareStateOf('')).toEqual(defaultSquare);
    expect(squareHref(defaultSquare)).toBe('/apps');
  });

  test('a state survives the round trip, Chinese included', () => {
    const s = { ...defaultSquare, q: '翻译', tag: '语言', sort: 'top_rated' as const, page: 3 };
    const href = squareHref(s);
    expect(href).toBe('/apps?q=%E7%BF%BB%E8%AF%91&tag=%E8%AF%AD%E8%A8%80&sort=top_rated&page=3');
    expect(squareStateOf(href.slice('/apps'.length))).toEqual(s);
    expect(squareStateOf('?view=favorites').favorites).toBe(true);
  });

  test('nonsense falls back to the defaults', () => {
    const s = squareStateOf('?sort=random&page=-2');
    expect(s.sort).toBe('trending');
    expect(s.page).toBe(1);
    expect(squareStateOf('?page=2.5').page).toBe(1);
  });

  test('changing a filter goes back to page 1', () => {
    expect(withFilter({ ...defaultSquare, page: 4 }, { tag: 'x' })).toEqual({ ...defaultSquare, tag: 'x', page: 1 });
  });

  test('the API query keeps sort, page and size, and drops empty filters', () => {
    expect(squareApiQuery({ ...defaultSquare, q: ' hi ' })).toBe('q=hi&sort=trending&page=1&per_page=24');
  });

  test('pageCount', () => {
    expect(pageCount(0, 24)).toBe(1);
    expect(pageCount(24, 24)).toBe(1);
    expect(pageCount(25, 24)).toBe(2);
  });
});
