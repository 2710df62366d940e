// The chat page's one dialog: an edit that deletes later messages, or deleting conversations.
import { useRef } from 'react';
import { useI18n } from '../../i18n';
import { ConfirmDialog } from '../ConfirmDialog';
import type { ConversationRemoval } from './useConversationRemoval';

interface Props {
  /** How many saved messages the edit waiting for a yes deletes; null when no edit waits. */
  editDeletes: number | null;
  onEdit: (go: boolean) => void;
  removal: ConversationRemoval;
}

export function ChatConfirmDialog({ editDeletes, onEdit, removal }: Props) {
  const { t } = useI18n();
  const { toDelete, clearing, busy } = removal;
  const editing = editDeletes !== null;
  // What the dialog last asked about: where the focus goes when the button that opened it is gone.
  const dialogFor = useRef<'edit' | 'conversations'>('conversations');
  if (editing) dialogFor.current = 'edit';
  else if (toDelete !== null || clearing) dialogFor.current = 'conversations';

  return (
    <ConfirmDialog
      open={editing || toDelete !== null || clearing}
      danger
      busy={!editing && busy}
      fallbackFocus={() =>
        dialogFor.current === 'edit'
          ? document.getElementById('chat-input')
          : document.querySelector<HTMLElement>('#chat-sidebar [data-testid="chat-new"]')
      }
      {...(editing
        ? {
            title: t('chat.editConfirmTitle'),
            body: t('chat.editConfirmBody', { n: editDeletes }),
            confirmLabel: t('chat.editConfirm'),
            onConfirm: () => onEdit(true),
            onCancel: () => onEdit(false),
          }
        : {
            title: clearing ? t('chat.clearTitle') : t('chat.deleteTitle', { title: toDelete?.title ?? '' }),
            body: clearing ? t('chat.clearBody') : t('chat.deleteBody'),
            confirmLabel: clearing ? t('chat.clearAll') : t('chat.delete'),
            onConfirm: () => void (clearing ? removal.confirmClear() : removal.confirmDelete()),
            onCancel: removal.cancel,
          })}
    />
  );
}
