import { useCallback, useId, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { Modal } from './Modal';

interface Props {
  open: boolean;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** See Modal. */
  fallbackFocus?: () => HTMLElement | null;
}

/** A modal that asks before an action: Cancel, or the (possibly dangerous) confirm button. */
export function ConfirmDialog({ open, title, body, confirmLabel, danger, busy, onConfirm, onCancel, fallbackFocus }: Props) {
  const { t } = useI18n();
  const titleId = useId();

  return (
    <Modal open={open} labelledBy={titleId} testId="confirm-dialog" onCancel={onCancel} fallbackFocus={fallbackFocus}>
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{body}</div>
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={onCancel} data-testid="confirm-cancel">
          {t('common.cancel')}
        </button>
        <button
          type="button"
          className={`button ${danger ? 'danger' : 'primary'}`}
          onClick={onConfirm}
          disabled={busy}
          data-testid="confirm-ok"
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

/**
 * The item a confirm dialog is asking about (null while it is closed): `ask` opens the dialog
 * for an item, `cancel` closes it, and `open` feeds ConfirmDialog.
 */
export function useConfirm<T>() {
  const [target, setTarget] = useState<T | null>(null);
  const cancel = useCallback(() => setTarget(null), []);
  return { target, open: target !== null, ask: setTarget, cancel };
}
