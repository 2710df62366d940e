// Sending, regenerating and editing messages: streams answers from POST /api/chat into the
// chat page's message list and keeps it in step with what the server saved.
import { useCallback, useEffect, useRef, useState, type Dispatch, type MutableRefObject, type SetStateAction } from 'react';
import { useI18n } from '../../i18n';
import { api, type Conversation, type Id } from '../../lib/api';
import { streamChat, type ChatRequest } from '../../lib/chat';
import { imagesField } from '../../lib/chatImages';
import { describeError, describeStreamError, isConversationBusy } from '../../lib/errors';
import { useRouter } from '../../lib/router';
import { adoptKeys, afterBusyRefusal, afterRefusal, fromServer, localKey, rereadAfterRefusal, sameId, storeModel, withoutUnsaved } from './chatMessages';
import type { ChatMessage } from './MessageItem';

interface Options {
  currentRef: MutableRefObject<Id | null>;
  conversationsRef: MutableRefObject<Conversation[] | undefined>;
  /** The chosen model; may be empty in a chat with an app (its default model answers). */
  modelRef: MutableRefObject<string>;
  /** The slug of the app the chat in view is with, or null; a new conversation is started with it. */
  appRef: MutableRefObject<string | null>;
  messagesRef: MutableRefObject<ChatMessage[]>;
  /** Whether the view should stay pinned to the bottom. */
  stick: MutableRefObject<boolean>;
  setMessages: Dispatch<SetStateAction<ChatMessage[]>>;
  showConversation: (id: Id | null) => void;
  loadConversations: () => Promise<Conversation[] | undefined>;
  /** The title search the list shows ('' for none): a searched list cannot show which conversation is new. */
  searchRef: MutableRefObject<string>;
  /**
   * Keeps a question the server dropped (its answer stopped before a word) as the draft of the chat
   * it was asked in (`chat` null: a new chat, with `app`), unless that chat has a draft already.
   */
  keepUnsent: (chat: Id | null, app: string | null, text: string) => void;
  /**
   * Says whether the last message was refused because the conversation is answering one asked in
   * another tab or window (a notice for the page, not a failed answer).
   */
  onAnsweringElsewhere: (yes: boolean) => void;
}

export function useChatStream({
  currentRef,
  conversationsRef,
  modelRef,
  appRef,
  messagesRef,
  stick,
  setMessages,
  showConversation,
  loadConversations,
  searchRef,
  keepUnsent,
  onAnsweringElsewhere,
}: Options) {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const [streaming, setStreaming] = useState(false);
  // Refs mirror what async callbacks must read at the time they run, not when they were made.
  const abortRef = useRef<AbortController | null>(null);
  const streamingRef = useRef(false);

  // Abandoning a streaming answer (leaving the page) stops it; the server keeps what arrived.
  useEffect(() => () => abortRef.current?.abort(), []);

  /** Reads the conversation back after an unfinished answer, once the server has saved it. */
  const syncAfter = useCallback((id: Id, tries: number) => {
    setTimeout(async () => {
      if (streamingRef.current || !sameId(currentRef.current, id)) return;
      try {
        const r = await api.getConversation(id);
        if (streamingRef.current || !sameId(currentRef.current, id)) return;
        const last = r.messages[r.messages.length - 1];
        if (last?.role !== 'assistant') {
          if (tries > 1) syncAfter(id, tries - 1);
          return;
        }
        setMessages((local) => adoptKeys(local, r.messages));
      } catch {
        /* the local view stays as it is */
      }
    }, 500);
  }, []);

  // `onRefused` runs if the server refuses the request before storing anything; it says whether
  // the question went back to where it was written (so the list no longer shows it).
  const run = useCallback(
    async (body: ChatRequest, userKey: string, answerKey: string, onRefused?: () => boolean, asked?: string) => {
      const ac = new AbortController();
      abortRef.current = ac;
      onAnsweringElsewhere(false);
      streamingRef.current = true;
      setStreaming(true);
      stick.current = true;
      const startedIn = currentRef.current;
      const known = new Set((conversationsRef.current ?? []).map((c) => String(c.id)));
      const searchedAtStart = searchRef.current;
      const update = (key: string, f: (m: ChatMessage) => ChatMessage) =>
        setMessages((ms) => ms.map((m) => (m.key === key ? f(m) : m)));
      let conversation: Id | null = startedIn;
      const app = appRef.current;
      let said = false;  // a word of the answer arrived
      let answeringElsewhere = false;
      let ending: string;
      // Text pieces are applied at most once a frame: re-rendering the Markdown per piece would
      // cost quadratic time on long answers.
      let pending = '';
      let frame = 0;
      const flush = () => {
        if (frame) cancelAnimationFrame(frame);
        frame = 0;
        if (!pending) return;
        const add = pending;
        pending = '';
        update(answerKey, (a) => ({ ...a, content: a.content + add }));
      };
      try {
        ending = await streamChat(
          body,
          {
            onMeta: (meta) => {
              conversation = meta.conversation_id;
              update(userKey, (u) => ({ ...u, id: meta.user_message_id }));
              if (meta.left_out || meta.images_left_out)
                update(answerKey, (a) => ({ ...a, leftOut: meta.left_out || undefined, imagesLeftOut: meta.images_left_out || undefined }));
              if (startedIn === null && currentRef.current === null && !ac.signal.aborted) {
                showConversation(meta.conversation_id);
                navigate(`/chat/${meta.conversation_id}`, { replace: true });
                void loadConversations();
              }
            },
            onDelta: (text) => {
              said = true;
              pending += text;
              if (!frame) frame = requestAnimationFrame(flush);
            },
            onNotice: (n) => {
              flush();
              update(answerKey, (a) => ({ ...a, notice: n }));
            },
            onError: (e) => {
              flush();
              update(answerKey, (a) => ({ ...a, status: 'error', error: describeStreamError(e, t) }));
            },
            onDone: (m) => {
              pending = '';
              flush();
              update(answerKey, (a) => ({ ...fromServer(m), key: answerKey, notice: a.notice, leftOut: a.leftOut, imagesLeftOut: a.imagesLeftOut }));
            },
          },
          ac.signal,
        );
        flush();
        if (ending === 'aborted') update(answerKey, (a) => ({ ...a, status: 'cancelled' }));
        // Cut on purpose (the notice says why): what arrived is the answer.
        if (ending === 'noticed') update(answerKey, (a) => ({ ...a, status: 'ok' }));
        if (ending === 'cut') update(answerKey, (a) => ({ ...a, status: 'error', error: t('chat.connectionLost') }));
      } catch (e) {
        flush();
        ending = 'refused';
        answeringElsewhere = isConversationBusy(e);
        update(answerKey, (a) => ({ ...a, status: 'error', error: describeError(e, t).message }));
      } finally {
        if (abortRef.current === ac) abortRef.current = null;
        streamingRef.current = false;
        setStreaming(false);
      }
      if (ending === 'refused') {
        // Not after an abort: leaving the conversation stops the request, and what was asked there
        // does not belong to the one now shown.
        const takenBack = !ac.signal.aborted && onRefused?.() === true;
        setMessages((ms) => (answeringElsewhere ? afterBusyRefusal : afterRefusal)(ms, userKey, answerKey, takenBack));
        if (answeringElsewhere && !ac.signal.aborted) onAnsweringElsewhere(true);
      }
      // Stopped or left before the answer's first word: the server keeps the question only in a new
      // conversation the page was told of (its meta arrived); otherwise it is dropped, and comes back
      // to be written again rather than being lost.
      const dropped = ending === 'aborted' && !said && asked !== undefined && (startedIn !== null || conversation === null);
      if (dropped) {
        const stillHere = sameId(currentRef.current, startedIn) || (startedIn === null && currentRef.current === null);
        const takenBack = stillHere && onRefused?.() === true;
        if (stillHere) setMessages((ms) => afterRefusal(ms, userKey, answerKey, takenBack, true));
        else keepUnsent(startedIn, app, asked);
        if (startedIn === null) return;  // nothing of it is left on the server to read back
      }

      const list = await loadConversations();
      const wholeList = searchedAtStart === '' && searchRef.current === '';
      if (ending === 'refused' && conversation === null && startedIn === null && list && wholeList && currentRef.current === null) {
        // The server may have started the conversation before it refused the request
        // without telling us its id: adopt the one that appeared, so nothing is lost.
        const fresh = list.find((c) => !known.has(String(c.id)));
        if (fresh) {
          showConversation(fresh.id);
          navigate(`/chat/${fresh.id}`, { replace: true });
          conversation = fresh.id;
        }
      }
      if (conversation !== null && (ending === 'aborted' || ending === 'error' || ending === 'cut' || ending === 'noticed')) {
        syncAfter(conversation, 4);
      }
      if (ending === 'refused' && conversation !== null && sameId(currentRef.current, conversation)) {
        // Learn the ids of the saved messages (so they can be edited), and get back what an edit
        // or a regeneration would have replaced (and what the other tab asked); keep the failure shown.
        try {
          const r = await api.getConversation(conversation);
          if (!streamingRef.current && sameId(currentRef.current, conversation)) {
            setMessages((ms) => (answeringElsewhere || ms.some((m) => m.key === answerKey) ? rereadAfterRefusal(ms, r.messages) : ms));
          }
        } catch {
          /* keep the local view */
        }
      }
    },
    [keepUnsent, loadConversations, navigate, onAnsweringElsewhere, searchRef, showConversation, syncAfter, t],
  );

  /** A model is needed unless an app picks one. */
  const canAsk = () => (modelRef.current !== '' || appRef.current !== null) && !streamingRef.current;
  const withModel = () => (modelRef.current ? { model: modelRef.current } : {});

  // `onRefused` hands a message the server refused before storing it back to where it was written,
  // and says whether it was taken.
  const send = useCallback(
    (text: string, images: string[] = [], onRefused?: () => boolean) => {
      const m = modelRef.current;
      if (!canAsk() || (!text.trim() && images.length === 0)) return false;
      const userKey = localKey();
      const answerKey = localKey();
      // An app's model is the app's choice, not the reader's preference for plain chats.
      if (m && appRef.current === null) storeModel(m);
      setMessages((ms) => [
        ...withoutUnsaved(ms),
        { key: userKey, role: 'user', content: text, images, model: m, status: 'ok' },
        { key: answerKey, role: 'assistant', content: '', model: m, status: 'streaming' },
      ]);
      const id = currentRef.current;
      const app = appRef.current;
      const asked = { ...withModel(), content: text, ...imagesField(images) };
      void run(
        id === null ? { ...asked, ...(app ? { app } : {}) } : { ...asked, conversation_id: id },
        userKey,
        answerKey,
        onRefused,
        text,
      );
      return true;
    },
    [run],
  );

  const regenerate = useCallback(() => {
    const id = currentRef.current;
    const m = modelRef.current;
    if (id === null || !canAsk()) return;
    const ms = withoutUnsaved(messagesRef.current);
    let lastUser = -1;
    for (let i = ms.length - 1; i >= 0; i--) if (ms[i].role === 'user') { lastUser = i; break; }
    if (lastUser < 0) return;
    const answerKey = localKey();
    setMessages([...ms.slice(0, lastUser + 1), { key: answerKey, role: 'assistant', content: '', model: m, status: 'streaming' }]);
    void run({ ...withModel(), conversation_id: id, regenerate: true }, ms[lastUser].key, answerKey);
  }, [run]);

  const edit = useCallback(
    (target: ChatMessage, content: string) => {
      const id = currentRef.current;
      const m = modelRef.current;
      // The edit box changes the text only: the message's images go with it again.
      const images = target.images ?? [];
      if (id === null || !canAsk() || target.id === undefined || (!content.trim() && images.length === 0)) return;
      const ms = messagesRef.current;
      const at = ms.findIndex((x) => x.key === target.key);
      if (at < 0) return;
      const userKey = localKey();
      const answerKey = localKey();
      setMessages([
        ...ms.slice(0, at),
        { key: userKey, role: 'user', content, images, model: m, status: 'ok' },
        { key: answerKey, role: 'assistant', content: '', model: m, status: 'streaming' },
      ]);
      void run({ ...withModel(), conversation_id: id, edit_message_id: target.id, content, ...imagesField(images) }, userKey, answerKey);
    },
    [run],
  );

  const stop = useCallback(() => abortRef.current?.abort(), []);

  return { streaming, abortRef, send, regenerate, edit, stop };
}
