// Deleting one conversation or all of them once the reader confirms; the one in view closes and the address becomes /chat.
import { useState } from 'react';
import { useI18n } from '../../i18n';
import { api, type Conversation, type Id } from '../../lib/api';
import { describeError } from '../../lib/errors';
import { useRouter } from '../../lib/router';
import { sameId } from './chatMessages';
import type { ConversationListState } from './useConversationList';
import type { ConversationView } from './useConversationView';

interface Options {
  view: Pick<ConversationView, 'currentRef' | 'close'>;
  list: Pick<ConversationListState, 'remove' | 'clear'>;
  /** Stops the answer streaming, if any. */
  stop: () => void;
  forgetDraft: (conversation: Id) => void;
  onError: (message: string) => void;
}

export function useConversationRemoval({ view: { currentRef, close }, list, stop, forgetDraft, onError }: Options) {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const [toDelete, setToDelete] = useState<Conversation | null>(null);
  const [clearing, setClearing] = useState(false);
  const [busy, setBusy] = useState(false);

  const confirmDelete = async () => {
    const c = toDelete;
    if (!c) return;
    setBusy(true);
    try {
      await api.deleteConversation(c.id);
      forgetDraft(c.id);
      list.remove(c.id);
      if (sameId(currentRef.current, c.id)) {
        stop();
        close();
        navigate('/chat');
      }
    } catch (e) {
      onError(describeError(e, t).message);
    } finally {
      setBusy(false);
      setToDelete(null);
    }
  };

  const confirmClear = async () => {
    setBusy(true);
    try {
      stop();
      await api.clearConversations();
      list.clear();
      close();
      navigate('/chat');
    } catch (e) {
      onError(describeError(e, t).message);
    } finally {
      setBusy(false);
      setClearing(false);
    }
  };

  const cancel = () => {
    setToDelete(null);
    setClearing(false);
  };

  return { toDelete, clearing, busy, askDelete: setToDelete, askClear: () => setClearing(true), confirmDelete, confirmClear, cancel };
}

export type ConversationRemoval = ReturnType<typeof useConversationRemoval>;
