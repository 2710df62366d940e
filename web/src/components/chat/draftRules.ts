// The drafts the chat page writes itself (the composer keeps the rest): which key a chat's draft has, and when a dropped question becomes one.
import type { Id } from '../../lib/api';
import { draftKey, type DraftStore } from '../../lib/chatDrafts';

/** The key of a chat's draft: a conversation's (`conversation` not null), else the new chat's with `app`. */
export const chatDraftKey = (user: Id, conversation: Id | null, app: string | null) =>
  draftKey(user, conversation !== null ? { conversation } : { app });

/** Keeps a question the server dropped as the chat's draft, unless something was written there since. */
export function keepUnsent(drafts: DraftStore, key: string, text: string) {
  if (drafts.read(key).trim() === '') drafts.write(key, text);
}
