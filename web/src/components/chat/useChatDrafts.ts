// The drafts of the chat page's own: the one the address names, a dropped question kept, a deleted conversation's forgotten.
import { useCallback } from 'react';
import type { Id } from '../../lib/api';
import { chatDrafts } from '../../lib/chatDrafts';
import { chatDraftKey, keepUnsent } from './draftRules';

export function useChatDrafts(userId: Id, routeId: string | null, newApp: string | null) {
  /** The draft the composer shows for the chat the address names. */
  const routeDraft = chatDraftKey(userId, routeId, newApp);

  /** Keeps a question the server dropped as the draft of the chat it was asked in (`chat` null: a new chat, with `app`). */
  const keep = useCallback(
    (chat: Id | null, app: string | null, text: string) => keepUnsent(chatDrafts, chatDraftKey(userId, chat, app), text),
    [userId],
  );

  /** Forgets a deleted conversation's draft. */
  const forget = useCallback((conversation: Id) => chatDrafts.write(chatDraftKey(userId, conversation, null), ''), [userId]);

  return { routeDraft, keepUnsent: keep, forget };
}
