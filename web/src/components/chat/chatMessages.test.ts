import { expect, test } from 'vitest';
import type { Message } from '../../lib/api';
import { adoptKeys, fromServer } from './chatMessages';

const message = (over: Partial<Message> = {}): Message => ({
  id: 7,
  role: 'user',
  content: 'what is this?',
  model: 'm',
  prompt_tokens: 0,
  completion_tokens: 0,
  status: 'ok',
  created_at: 0,
  ...over,
});

test('fromServer carries a message’s images', () => {
  expect(fromServer(message({ images: ['/uploads/a.png', '/uploads/b.webp'] })).images).toEqual(['/uploads/a.png', '/uploads/b.webp']);
});

test('fromServer reads a message from a server without images as having none', () => {
  expect(fromServer(message()).images).toEqual([]);
});

test('adoptKeys keeps the local key and takes the saved images', () => {
  const local = [{ key: 'local-1', role: 'user' as const, content: '', images: ['/uploads/a.png'], model: 'm', status: 'ok' as const }];
  const [m] = adoptKeys(local, [message({ content: '', images: ['/uploads/a.png'] })]);
  expect(m.key).toBe('local-1');
  expect(m.images).toEqual(['/uploads/a.png']);
});
