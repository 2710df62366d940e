import { expect, test } from 'vitest';
import type { Conversation } from './api';
import { withFirstPage, withNextPage } from './conversationPages';

const conv = (id: number, updated_at: number): Conversation => ({ id, title: `c${id}`, model: 'm', created_at: 1, updated_at });
const ids = (list: Conversation[]) => list.map((c) => c.id);

// Loaded: two pages of two, and more on the server.
const loaded = { list: [conv(6, 60), conv(5, 50), conv(4, 40), conv(3, 30)], next: '30.3' };

test('reading the first page again keeps the older pages loaded below it', () => {
  // Conversation 4 was used: it moved to the top, and the first page now ends at 5.
  const first = { list: [conv(4, 70), conv(6, 60)], next: '60.6' };
  const after = withFirstPage(loaded, first);
  expect(ids(after.list)).toEqual([4, 6, 5, 3]);
  expect(after.next).toBe('30.3');
});

test('a first page with nothing after it is the whole list', () => {
  const after = withFirstPage(loaded, { list: [conv(7, 80), conv(6, 60)], next: null });
  expect(ids(after.list)).toEqual([7, 6]);
  expect(after.next).toBeNull();
});

test('a conversation pushed off the first page stays, and so does the cursor after it', () => {
  const after = withFirstPage({ list: [conv(6, 60), conv(5, 50)], next: '50.5' }, { list: [conv(7, 80), conv(6, 60)], next: '60.6' });
  expect(ids(after.list)).toEqual([7, 6, 5]);
  expect(after.next).toBe('50.5');
});

test('with nothing loaded below the first page, its own cursor goes on', () => {
  const after = withFirstPage({ list: [conv(6, 60), conv(5, 50)], next: '50.5' }, { list: [conv(5, 90), conv(6, 60)], next: '60.6' });
  expect(ids(after.list)).toEqual([5, 6]);
  expect(after.next).toBe('60.6');
});

test('ties of updated_at go by id, as on the server', () => {
  const after = withFirstPage({ list: [conv(9, 50), conv(8, 50), conv(7, 50)], next: '50.7' }, { list: [conv(10, 60), conv(9, 50)], next: '50.9' });
  expect(ids(after.list)).toEqual([10, 9, 8, 7]);
});

test('a next page adds what is not shown yet', () => {
  const after = withNextPage(loaded, { list: [conv(3, 30), conv(2, 20)], next: null });
  expect(ids(after.list)).toEqual([6, 5, 4, 3, 2]);
  expect(after.next).toBeNull();
});
