import { useEffect, useId, useState } from 'react';
import { useI18n } from '../../i18n';
import { Modal } from '../Modal';

/**
 * Asks for the reason of a rejection or a takedown (the creator reads it), then confirms.
 * `open` is the subject of the question, or null while closed.
 */
export function ReasonDialog({
  open,
  title,
  body,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  busy: boolean;
  error: string | null;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const titleId = useId();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    if (open) {
      setReason('');
      setMissing(false);
    }
  }, [open]);

  const confirm = () => {
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    onConfirm(reason.trim());
  };

  return (
    <Modal open={open} labelledBy={titleId} testId="reason-dialog" onCancel={onCancel}>
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">
        <p>{body}</p>
        <div className={`field${missing ? ' has-error' : ''}`}>
          <label htmlFor="reason-input">{t('review.reason')}</label>
          <textarea
            id="reason-input"
            rows={3}
            value={reason}
            maxLength={500}
            onChange={(e) => {
              setReason(e.target.value);
              setMissing(false);
            }}
            aria-invalid={missing || undefined}
            data-testid="reason-input"
          />
          {missing && (
            <p className="field-error" data-testid="error-reason">
              {t('validate.required')}
            </p>
          )}
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="reason-error">
            {error}
          </p>
        )}
      </div>
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={onCancel} data-testid="reason-cancel">
          {t('common.cancel')}
        </button>
        <button type="button" className="button danger" onClick={confirm} disabled={busy} data-testid="reason-confirm">
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
