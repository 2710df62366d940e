import type { Conversation } from './api';

/** A list of conversations loaded a page at a time (most recently used first), and where the next page starts. */
export interface ConversationPages {
  list: Conversation[];
  /** The server's cursor for the next page; null when everything is loaded. */
  next: string | null;
}

/** Whether `a` comes before `b` in the server's order: later `updated_at` first, then the higher id. */
function newer(a: Conversation, b: Conversation): boolean {
  if (a.updated_at !== b.updated_at) return a.updated_at > b.updated_at;
  return Number(a.id) > Number(b.id);
}

/**
 * The list after its first page was read again (a conversation started or used moves to the top):
 * that page, then the older pages already loaded below where it ends, so reading again loses no page
 * the user has opened.
 */
export function withFirstPage(loaded: ConversationPages | undefined, first: ConversationPages): ConversationPages {
  const end = first.list.at(-1);
  if (!loaded || first.next === null || !end) return first;
  const inFirst = new Set(first.list.map((c) => String(c.id)));
  const older = loaded.list.filter((c) => !inFirst.has(String(c.id)) && newer(end, c));
  return older.length ? { list: [...first.list, ...older], next: loaded.next } : first;
}

/** The list with the next page added below it. */
export function withNextPage(loaded: ConversationPages, page: ConversationPages): ConversationPages {
  const have = new Set(loaded.list.map((c) => String(c.id)));
  return { list: [...loaded.list, ...page.list.filter((c) => !have.has(String(c.id)))], next: page.next };
}
