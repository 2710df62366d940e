import { expect, test } from 'vitest';
import type { TFunction } from '../../i18n';
import { chatTitle } from './chatTitle';

// The message key stands for its text: the rules are what is tested, not the wording.
const t: TFunction = (key) => key;
const newChat = { currentId: null, appSlug: null, appTitle: undefined, conversationTitle: undefined, loading: false };

test('a new chat is called so, and a new chat with an app by the app\'s title once it is read', () => {
  expect(chatTitle(newChat, t)).toBe('chat.newChat');
  expect(chatTitle({ ...newChat, appSlug: 'poet' }, t)).toBe('');
  expect(chatTitle({ ...newChat, appSlug: 'poet', appTitle: 'Poet' }, t)).toBe('Poet');
});

test('a conversation is called by its title, by nothing while it is read, else "Chat"', () => {
  const conversation = { ...newChat, currentId: 7 };
  expect(chatTitle({ ...conversation, conversationTitle: 'Rome', appSlug: 'poet', appTitle: 'Poet' }, t)).toBe('Rome');
  expect(chatTitle({ ...conversation, loading: true }, t)).toBe('');
  expect(chatTitle(conversation, t)).toBe('chat.title');
});
