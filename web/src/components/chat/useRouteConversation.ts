// The address decides which conversation is shown, and with which draft in the composer and which model.
import { useEffect, useRef, type MutableRefObject, type RefObject } from 'react';
import type { ChatModel, Conversation } from '../../lib/api';
import { idFromRoute, sameId } from './chatMessages';
import type { ComposerHandle } from './Composer';
import type { ConversationView } from './useConversationView';

interface Options {
  /** The {id} of /chat/{id}, or null on /chat. */
  routeId: string | null;
  /** The ?app= of /chat (null on /chat/{id}). */
  newApp: string | null;
  /** The draft of the chat the address names. */
  routeDraft: string;
  composer: RefObject<ComposerHandle | null>;
  view: Pick<ConversationView, 'currentRef' | 'messagesRef' | 'open' | 'reset'>;
  conversationsRef: MutableRefObject<Conversation[] | undefined>;
  models: ChatModel[] | undefined;
  /** Stops the answer streaming, if any. */
  stop: () => void;
  pickModel: (id: string | undefined) => void;
  /** Runs once for each new address, before it is shown. */
  onNewAddress: () => void;
}

export function useRouteConversation({
  routeId,
  newApp,
  routeDraft,
  composer,
  view: { currentRef, messagesRef, open, reset },
  conversationsRef,
  models,
  stop,
  pickModel,
  onNewAddress,
}: Options) {
  // The URL decides which conversation is shown. Navigations we make ourselves (a new chat
  // getting its id, or adopting the one a refused first message started) find the conversation
  // already shown and change nothing: its composer keeps what was given back or attached since,
  // as the draft of the conversation's id.
  const routeSeen = useRef<string | null | undefined>(undefined);
  const routeKey = routeId ?? `new:${newApp ?? ''}`;
  useEffect(() => {
    if (routeSeen.current === routeKey) return; // only a new URL changes the view
    routeSeen.current = routeKey;
    onNewAddress();
    const target = routeId === null ? null : idFromRoute(routeId);
    if (target !== null && sameId(currentRef.current, target)) {
      composer.current?.adopt(routeDraft);
      return;
    }
    // The composer shows this chat's own draft; images attached in the chat left were meant for it.
    composer.current?.open(routeDraft);
    if (target === null) {
      if (currentRef.current === null && messagesRef.current.length === 0) return;
      stop();
      reset();
      composer.current?.focus();
      return;
    }
    stop();
    open(target);
    // routeKey stands for routeId and newApp, and routeDraft for them and the user.
  }, [routeKey, reset, open]);

  // Once models arrive, a conversation shown before them picks its own model.
  useEffect(() => {
    if (!models || currentRef.current === null) return;
    pickModel(conversationsRef.current?.find((x) => sameId(x.id, currentRef.current))?.model);
  }, [models]);
}
