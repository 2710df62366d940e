import { expect, test } from 'vitest';
import { draftStore } from '../../lib/chatDrafts';
import { chatDraftKey, keepUnsent } from './draftRules';

test('a conversation has one draft whatever its app; each app\'s new chat has its own', () => {
  expect(chatDraftKey(1, 7, 'poet')).toBe(chatDraftKey(1, 7, null));
  expect(chatDraftKey(1, null, 'poet')).not.toBe(chatDraftKey(1, null, null));
  expect(chatDraftKey(1, null, 'poet')).not.toBe(chatDraftKey(2, null, 'poet'));
});

test('a dropped question becomes the chat\'s draft when it has none, or only blanks', () => {
  const drafts = draftStore(null);
  keepUnsent(drafts, 'a', 'what is this?');
  expect(drafts.read('a')).toBe('what is this?');
  drafts.write('b', '  \n');
  keepUnsent(drafts, 'b', 'and that?');
  expect(drafts.read('b')).toBe('and that?');
});

test('a dropped question does not replace what was written in its chat since', () => {
  const drafts = draftStore(null);
  drafts.write('a', 'a newer question');
  keepUnsent(drafts, 'a', 'what is this?');
  expect(drafts.read('a')).toBe('a newer question');
});
