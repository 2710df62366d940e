// The conversation in view: which one, its messages as the server keeps them, and whether it could be read.
import { useCallback, useEffect, useRef, useState, type MutableRefObject } from 'react';
import { useI18n } from '../../i18n';
import { api, ApiError, type Conversation, type Id } from '../../lib/api';
import { describeError } from '../../lib/errors';
import { fromServer, sameId } from './chatMessages';
import type { ChatMessage } from './MessageItem';

interface Options {
  /** The sidebar's list: the conversation in view is named from it while it is there. */
  conversations: Conversation[] | undefined;
  /** Whether the message list stays pinned to its bottom: a conversation read is shown from its end. */
  stick: MutableRefObject<boolean>;
  /** Chooses the conversation's own model, once it is read. */
  pickModel: (id: string | undefined) => void;
}

export function useConversationView({ conversations, stick, pickModel }: Options) {
  const { t } = useI18n();
  const [currentId, setCurrentId] = useState<Id | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [loading, setLoading] = useState(false);
  // The conversation in view as the server gave it: it may be past the pages loaded, or not match the search.
  const [opened, setOpened] = useState<Conversation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);

  // Refs mirror what async callbacks must read at the time they run, not when they were made.
  const currentRef = useRef<Id | null>(null);
  const messagesRef = useRef<ChatMessage[]>([]);
  messagesRef.current = messages;

  const showConversation = useCallback((id: Id | null) => {
    currentRef.current = id;
    setCurrentId(id);
  }, []);

  const load = useCallback(
    async (id: Id) => {
      setLoading(true);
      setError(null);
      setNotFound(false);
      try {
        const r = await api.getConversation(id);
        if (!sameId(currentRef.current, id)) return;
        setMessages(r.messages.map(fromServer));
        setOpened(r.conversation);
        stick.current = true;
        pickModel(r.conversation.model);
      } catch (e) {
        if (!sameId(currentRef.current, id)) return;
        setMessages([]);
        if (e instanceof ApiError && e.status === 404) {
          setNotFound(true);
          setOpened((o) => (o && sameId(o.id, id) ? null : o));  // its title is not shown over "not found"
        } else setError(describeError(e, t).message);
      } finally {
        if (sameId(currentRef.current, id)) setLoading(false);
      }
    },
    [t, pickModel],
  );

  /** Shows a conversation, read from the server. */
  const open = useCallback(
    (id: Id) => {
      showConversation(id);
      setMessages([]);
      void load(id);
    },
    [showConversation, load],
  );

  /** Shows no conversation (a new chat), as the New chat button and deleting the one in view do. */
  const close = useCallback(() => {
    showConversation(null);
    setMessages([]);
  }, [showConversation]);

  /** Like close, for an address naming a new chat: what was said of the conversation left (failed, not found, loading) goes too. */
  const reset = useCallback(() => {
    close();
    setError(null);
    setNotFound(false);
    setLoading(false);
  }, [close]);

  const listed = conversations?.find((c) => sameId(c.id, currentId));
  // Remembered while listed, so a search that leaves it out (or a list read again) keeps it named.
  useEffect(() => {
    if (listed) setOpened(listed);
  }, [listed]);
  const current = listed ?? (opened && sameId(opened.id, currentId) ? opened : undefined);

  return { currentId, currentRef, current, messages, messagesRef, setMessages, loading, error, notFound, showConversation, load, open, close, reset };
}

export type ConversationView = ReturnType<typeof useConversationView>;
