import { describe, expect, test } from 'vitest';
import { actorName, auditText, avatarText, formatRating, isImageAvatar } from './appDisplay';

describe('avatars', () => {
  test('only images from this site are images', () => {
    expect(isImageAvatar('/uploads/a1.png')).toBe(true);
    expect(isImageAvatar('data:image/png;base64,AAA')).toBe(true);
    expect(isImageAvatar('https://evil.example/a.png')).toBe(false);
    expect(isImageAvatar('//evil.example/a.png')).toBe(false);
    expect(isImageAvatar('🦊')).toBe(false);
    expect(isImageAvatar('')).toBe(false);
  });
  test('an emoji shows as itself; otherwise the title’s first letter', () => {
    expect(avatarText('🦊', 'Fox')).toBe('🦊');
    expect(avatarText('', 'translator')).toBe('T');
    expect(avatarText('', '翻译助手')).toBe('翻');
    expect(avatarText('https://x.example/a.png', 'web')).toBe('W');
    expect(avatarText('', '')).toBe('?');
  });
});

test('formatRating', () => {
  expect(formatRating(4.26, 3)).toBe('4.3');
  expect(formatRating(5, 1)).toBe('5.0');
  expect(formatRating(0, 0)).toBe('–');
});

describe('audit fields', () => {
  test('actors', () => {
    expect(actorName('admin')).toBe('admin');
    expect(actorName({ id: 1, username: 'root' })).toBe('root');
    expect(actorName({ id: 7 })).toBe('#7');
    expect(actorName(null)).toBe('');
  });
  test('targets and details', () => {
    expect(auditText('app:translator')).toBe('app:translator');
    expect(auditText({ slug: 'x', reason: 'spam', n: 2 })).toBe('slug: x · reason: spam · n: 2');
    expect(auditText({})).toBe('');
    expect(auditText(undefined)).toBe('');
    expect(auditText(3)).toBe('3');
  });
});
