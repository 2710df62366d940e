import { describe, expect, test } from 'vitest';
import type { Message } from '../../lib/api';
import type { ChatMessage } from './MessageItem';
import { adoptKeys, afterBusyRefusal, afterRefusal, emojiIcon, laterMessages, replacedModel, fromServer, idFromRoute, lastSavedIndex, rereadAfterRefusal, siteImageIcon, withoutUnsaved } from './chatMessages';

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

test('fromServer says what an answer was asked without, and nothing when it went whole', () => {
  const answer = fromServer(message({ role: 'assistant', left_out: 2, images_left_out: 3 }));
  expect([answer.leftOut, answer.imagesLeftOut]).toEqual([2, 3]);
  const whole = fromServer(message({ role: 'assistant', left_out: 0, images_left_out: 0 }));
  expect([whole.leftOut, whole.imagesLeftOut]).toEqual([undefined, undefined]);
});

test('adoptKeys keeps the local key and takes the saved images', () => {
  const local = [{ key: 'local-1', role: 'user' as const, content: '', images: ['/uploads/a.png'], model: 'm', status: 'ok' as const }];
  const [m] = adoptKeys(local, [message({ content: '', images: ['/uploads/a.png'] })]);
  expect(m.key).toBe('local-1');
  expect(m.images).toEqual(['/uploads/a.png']);
});

describe('a request refused before anything was stored', () => {
  const local = (key: string, role: ChatMessage['role'], over: Partial<ChatMessage> = {}): ChatMessage => ({ key, role, content: key, model: 'm', status: 'ok', ...over });
  const saved = [local('q1', 'user', { id: 1 }), local('a1', 'assistant', { id: 2 })];
  const asked = [...saved, local('q2', 'user'), local('a2', 'assistant', { status: 'error', error: 'no credits' })];

  test('the question goes once the composer took it back; the failed answer stays, unsaved', () => {
    const after = afterRefusal(asked, 'q2', 'a2', true);
    expect(after.map((m) => m.key)).toEqual(['q1', 'a1', 'a2']);
    expect(after[2]).toMatchObject({ unsaved: true, status: 'error', error: 'no credits' });
  });

  test('a question the composer did not take back (it held newer text) stays, unsaved', () => {
    const after = afterRefusal(asked, 'q2', 'a2', false);
    expect(after.map((m) => [m.key, !!m.unsaved])).toEqual([['q1', false], ['a1', false], ['q2', true], ['a2', true]]);
  });

  test('a question the server keeps (answered again) is left as it is', () => {
    const again = [...saved.slice(0, 1), local('a3', 'assistant', { status: 'error' })];
    const after = afterRefusal(again, 'q1', 'a3', false);
    expect(after[0]).toBe(again[0]);
    expect(after[1].unsaved).toBe(true);
  });

  test('the next message drops what the refusal left', () => {
    expect(withoutUnsaved(afterRefusal(asked, 'q2', 'a2', false)).map((m) => m.key)).toEqual(['q1', 'a1']);
  });

  test('reading the conversation again keeps its keys and shows the unsaved messages after it', () => {
    const after = afterRefusal(asked, 'q2', 'a2', true);
    const reread = rereadAfterRefusal(after, [message({ id: 1 }), message({ id: 2, role: 'assistant', content: 'answer' })]);
    expect(reread.map((m) => m.key)).toEqual(['q1', 'a1', 'a2']);
    expect(reread[1].content).toBe('answer');
  });

  test('lastSavedIndex passes over the unsaved messages', () => {
    expect(lastSavedIndex(afterRefusal(asked, 'q2', 'a2', false))).toBe(1);
    expect(lastSavedIndex(saved)).toBe(1);
    expect(lastSavedIndex([local('a', 'assistant', { unsaved: true })])).toBe(-1);
    expect(lastSavedIndex([])).toBe(-1);
  });

  test('a question the server stored and then dropped goes too, though it had its id', () => {
    const stopped = [...saved, local('q2', 'user', { id: 3 }), local('a2', 'assistant', { status: 'cancelled' })];
    expect(afterRefusal(stopped, 'q2', 'a2', true, true).map((m) => m.key)).toEqual(['q1', 'a1', 'a2']);
    const kept = afterRefusal(stopped, 'q2', 'a2', false, true);
    expect(kept.find((m) => m.key === 'q2')).toMatchObject({ unsaved: true, id: undefined });
    expect(afterRefusal(stopped, 'q2', 'a2', true).map((m) => m.key)).toEqual(['q1', 'a1', 'q2', 'a2']);
  });
});

test('idFromRoute gives the number a request must name, and leaves what no id looks like as text', () => {
  expect(idFromRoute('7')).toBe(7);
  expect(idFromRoute('123456789012345')).toBe(123456789012345);
  expect(idFromRoute('07')).toBe('07');
  expect(idFromRoute('abc')).toBe('abc');
  expect(idFromRoute('1e3')).toBe('1e3');
  expect(idFromRoute('12345678901234567890')).toBe('12345678901234567890');
});

test('a model icon is an emoji, an upload on this site shown as an image, or nothing shown', () => {
  expect(emojiIcon('🤖')).toBe(true);
  expect(siteImageIcon('/uploads/ab12.png')).toBe(true);
  expect(emojiIcon('/uploads/ab12.png')).toBe(false);
  // An address elsewhere is not fetched by readers' browsers on the operator's behalf.
  expect(siteImageIcon('https://example.com/icon.png')).toBe(false);
  expect(emojiIcon('https://example.com/icon.png')).toBe(false);
  expect(emojiIcon('')).toBe(false);
  expect(emojiIcon('👨‍👩‍👧‍👦')).toBe(true); // a family: seven code points
  expect(emojiIcon('🇨🇳')).toBe(true);
  expect(emojiIcon('a b')).toBe(false);
  expect(emojiIcon('a longer word')).toBe(false);
});

describe('a conversation answering in another tab', () => {
  const chat = (key: string, role: ChatMessage['role'], over: Partial<ChatMessage> = {}): ChatMessage => ({ key, role, content: key, model: 'm', status: 'ok', ...over });
  const list = [chat('m-1', 'user', { id: 1 }), chat('m-2', 'assistant', { id: 2 }), chat('q', 'user'), chat('a', 'assistant', { status: 'error', error: 'busy' })];
  test('leaves no answer marked as failed, and the question goes back to the composer', () => {
    expect(afterBusyRefusal(list, 'q', 'a', true).map((m) => m.key)).toEqual(['m-1', 'm-2']);
  });
  test('keeps the question shown, unsaved, when the composer has newer text', () => {
    const after = afterBusyRefusal(list, 'q', 'a', false);
    expect(after.map((m) => [m.key, m.unsaved ?? false, m.status])).toEqual([['m-1', false, 'ok'], ['m-2', false, 'ok'], ['q', true, 'ok']]);
  });
});

describe('laterMessages', () => {
  const chat = (key: string, role: ChatMessage['role'], over: Partial<ChatMessage> = {}): ChatMessage => ({ key, role, content: key, model: 'm', status: 'ok', ...over });
  const list = [chat('q1', 'user'), chat('a1', 'assistant'), chat('q2', 'user'), chat('a2', 'assistant')];
  test('counts what an edit of a question deletes, besides its own answer', () => {
    expect(laterMessages(list, 'q1')).toBe(2);
    expect(laterMessages(list, 'q2')).toBe(0);
    expect(laterMessages([...list, chat('q3', 'user')], 'q2')).toBe(1);
  });
  test('what a refused request left, or an unknown message, counts for nothing', () => {
    expect(laterMessages([...list, chat('q3', 'user', { unsaved: true }), chat('a3', 'assistant', { unsaved: true })], 'q2')).toBe(0);
    expect(laterMessages(list, 'nope')).toBe(0);
  });
});

describe('replacedModel', () => {
  const models = [{ id: 'free', name: 'Free model' }, { id: 'paid', name: '' }];
  test('names the model that answers instead of one no longer offered', () => {
    expect(replacedModel('hidden', models, 'free')).toEqual({ gone: 'hidden', instead: 'Free model' });
    expect(replacedModel('hidden', models, 'paid')).toEqual({ gone: 'hidden', instead: 'paid' });
  });
  test('says nothing of a model still offered, an unknown one, or before the models are known', () => {
    expect(replacedModel('free', models, 'free')).toBeNull();
    expect(replacedModel('', models, 'free')).toBeNull();
    expect(replacedModel('hidden', undefined, 'free')).toBeNull();
    expect(replacedModel('hidden', models, '')).toBeNull();
  });
});
