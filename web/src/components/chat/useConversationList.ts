// The sidebar's conversations: read a page at a time, searched by title, kept in step with renames and deletions.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { api, type Conversation, type Id } from '../../lib/api';
import { withFirstPage, withNextPage } from '../../lib/conversationPages';
import { describeError } from '../../lib/errors';
import { sameId } from './chatMessages';

/** `onError` says what failed of an action on the list (loading more, renaming); a failed first page is `loadError`. */
export function useConversationList(onError: (message: string) => void) {
  const { t } = useI18n();
  const [conversations, setConversations] = useState<Conversation[] | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  // Where the next page of the list starts (null: all loaded), and the title search it is for.
  const [next, setNext] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [loadingMore, setLoadingMore] = useState(false);

  // Refs mirror what async callbacks must read at the time they run, not when they were made.
  const conversationsRef = useRef<Conversation[] | undefined>(undefined);
  const nextRef = useRef<string | null>(null);
  const queryRef = useRef('');
  const listQueryRef = useRef<string | null>(null); // the search the loaded list answers
  conversationsRef.current = conversations;
  nextRef.current = next;
  queryRef.current = query;

  // Reads the first page again; the older pages already shown stay below it.
  const load = useCallback(async () => {
    const q = queryRef.current;
    try {
      const r = await api.listConversations({ q });
      if (q !== queryRef.current) return undefined; // the search changed meanwhile: its own load follows
      const first = { list: r.conversations, next: r.next };
      const loaded = listQueryRef.current === q && conversationsRef.current ? { list: conversationsRef.current, next: nextRef.current } : undefined;
      const merged = withFirstPage(loaded, first);
      listQueryRef.current = q;
      conversationsRef.current = merged.list;
      nextRef.current = merged.next;
      setConversations(merged.list);
      setNext(merged.next);
      setLoadError(null);
      return merged.list;
    } catch (e) {
      setLoadError(describeError(e, t).message);
      return undefined;
    }
  }, [t]);

  const loadMore = useCallback(async () => {
    const q = queryRef.current, before = nextRef.current;
    if (!before || !conversationsRef.current || listQueryRef.current !== q) return;
    setLoadingMore(true);
    try {
      const r = await api.listConversations({ q, before });
      // Added to the list as it is now (renamed, deleted or read again meanwhile), unless it no
      // longer ends where this page starts.
      const list = conversationsRef.current;
      if (q !== queryRef.current || before !== nextRef.current || !list) return;
      const merged = withNextPage({ list, next: before }, { list: r.conversations, next: r.next });
      conversationsRef.current = merged.list;
      nextRef.current = merged.next;
      setConversations(merged.list);
      setNext(merged.next);
    } catch (e) {
      onError(describeError(e, t).message);
    } finally {
      setLoadingMore(false);
    }
  }, [t, onError]);

  // The list loads at once, and again a moment after the search is typed.
  useEffect(() => {
    const timer = setTimeout(() => void load(), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [query, load]);

  /** Says whether the new title was taken (the list's edit box stays open otherwise). */
  const rename = useCallback(
    async (c: Conversation, title: string) => {
      try {
        const r = await api.renameConversation(c.id, title);
        setConversations((list) => list?.map((x) => (sameId(x.id, c.id) ? r.conversation : x)));
        return true;
      } catch (e) {
        onError(describeError(e, t).message);
        return false;
      }
    },
    [t, onError],
  );

  /** Takes a deleted conversation out of the list. */
  const remove = useCallback((id: Id) => setConversations((list) => list?.filter((x) => !sameId(x.id, id))), []);

  /** Empties the list: every conversation was deleted. */
  const clear = useCallback(() => {
    setConversations([]);
    setNext(null);
  }, []);

  return {
    conversations,
    conversationsRef,
    loadError,
    hasMore: next !== null,
    loadingMore,
    query,
    queryRef,
    setQuery,
    load,
    loadMore,
    rename,
    remove,
    clear,
  };
}

export type ConversationListState = ReturnType<typeof useConversationList>;
