import { describe, expect, test } from 'vitest';
import { draftKey, draftStore, type DraftStorage } from './chatDrafts';

/** A sessionStorage in a Map; `broken` makes every call throw, as a full or refused storage does. */
function fakeStorage(broken = false): DraftStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  const check = () => {
    if (broken) throw new DOMException('refused', 'SecurityError');
  };
  return {
    items,
    getItem: (k) => (check(), items.get(k) ?? null),
    setItem: (k, v) => (check(), void items.set(k, v)),
    removeItem: (k) => (check(), void items.delete(k)),
    key: (i) => (check(), [...items.keys()][i] ?? null),
    get length() {
      check();
      return items.size;
    },
  };
}

describe('draftKey', () => {
  test('gives each conversation, each app’s new chat and each user its own draft', () => {
    const keys = [
      draftKey(1, { conversation: 5 }),
      draftKey(1, { conversation: '6' }),
      draftKey(1, { app: null }),
      draftKey(1, { app: 'poet' }),
      draftKey(2, { conversation: 5 }),
      draftKey(2, { app: null }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('names a conversation the same whether its id is a number or a string', () => {
    expect(draftKey(1, { conversation: 5 })).toBe(draftKey('1', { conversation: '5' }));
  });
});

describe('draftStore', () => {
  test('keeps a draft per key and forgets one written empty', () => {
    const store = draftStore(fakeStorage());
    store.write('a', 'half a question');
    store.write('b', 'another');
    expect(store.read('a')).toBe('half a question');
    expect(store.read('b')).toBe('another');
    expect(store.read('c')).toBe('');
    store.write('a', '');
    expect(store.read('a')).toBe('');
  });

  test('survives a reload through the storage, and leaves nothing there for a forgotten draft', () => {
    const storage = fakeStorage();
    draftStore(storage).write('a', 'kept');
    draftStore(storage).write('b', 'sent');
    const afterReload = draftStore(storage);
    expect(afterReload.read('a')).toBe('kept');
    afterReload.write('b', '');
    expect(afterReload.read('b')).toBe('');
    expect([...storage.items.keys()]).toEqual(['plaza.chat.draft:a']);
  });

  test('works from memory when the storage refuses every call', () => {
    const store = draftStore(fakeStorage(true));
    store.write('a', 'still here');
    expect(store.read('a')).toBe('still here');
    expect(store.read('b')).toBe('');
  });

  test('works without a storage', () => {
    const store = draftStore(null);
    store.write('a', 'x');
    expect(store.read('a')).toBe('x');
  });
});

test('clear forgets every draft, in memory and in storage, and leaves the rest of storage alone', () => {
  const storage = fakeStorage();
  storage.items.set('plaza.chat.model', 'gpt');
  const drafts = draftStore(storage);
  drafts.write(draftKey(1, { conversation: 5 }), 'half a thought');
  drafts.write(draftKey(1, { app: null }), 'another');
  drafts.clear();
  expect(drafts.read(draftKey(1, { conversation: 5 }))).toBe('');
  expect(drafts.read(draftKey(1, { app: null }))).toBe('');
  expect([...storage.items.keys()]).toEqual(['plaza.chat.model']);
  expect(() => draftStore(fakeStorage(true)).clear()).not.toThrow();
});
