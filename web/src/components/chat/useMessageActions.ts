// Answering again and editing a question from the message list; an edit that deletes later messages asks first.
import { useCallback, type MutableRefObject, type RefObject } from 'react';
import { useConfirm } from '../ConfirmDialog';
import { laterMessages } from './chatMessages';
import type { ComposerHandle } from './Composer';
import type { ChatMessage } from './MessageItem';

interface Options {
  regenerate: () => void;
  edit: (m: ChatMessage, content: string) => void;
  messagesRef: MutableRefObject<ChatMessage[]>;
  composer: RefObject<ComposerHandle | null>;
}

/** An edit waiting for the reader's yes; `decide` tells the edit box. */
export interface PendingEdit {
  m: ChatMessage;
  content: string;
  decide: (go: boolean) => void;
}

export function useMessageActions({ regenerate, edit, messagesRef, composer }: Options) {
  const editing = useConfirm<PendingEdit>();

  // The button pressed is disabled or gone once the answer starts: the keyboard goes on from the message box.
  const answerAgain = useCallback(() => {
    regenerate();
    composer.current?.focus();
  }, [regenerate]);
  const editAndSend = useCallback(
    (m: ChatMessage, content: string) => {
      edit(m, content);
      composer.current?.focus();
    },
    [edit],
  );

  // Editing a question deletes what came after it: asked first when there is anything.
  const { ask: askEdit } = editing;
  const requestEdit = useCallback(
    (m: ChatMessage, content: string) =>
      new Promise<boolean>((decide) => {
        if (laterMessages(messagesRef.current, m.key) > 0) return askEdit({ m, content, decide });
        editAndSend(m, content);
        decide(true);
      }),
    [askEdit, editAndSend],
  );
  const decideEdit = (go: boolean) => {
    const pending = editing.target;
    if (!pending) return;
    editing.cancel();
    pending.decide(go);
    if (go) editAndSend(pending.m, pending.content);
  };

  return { answerAgain, requestEdit, pendingEdit: editing.target, decideEdit };
}
