// The images attached to the message being written, as small thumbnails with a remove button.
import { useI18n } from '../../i18n';
import { CloseIcon } from '../Icons';
import type { Attachment } from './attachmentList';

export function ComposerAttachments({ attachments, onRemove }: { attachments: Attachment[]; onRemove: (key: string) => void }) {
  const { t } = useI18n();
  if (attachments.length === 0) return null;
  return (
    <ul className="composer-attachments" aria-label={t('chat.attachments')}>
      {attachments.map((a, i) => (
        <li key={a.key} className="composer-attachment" data-testid="attachment" data-state={a.url ? 'ready' : 'uploading'} aria-busy={!a.url || undefined}>
          {a.url ? (
            <img src={a.url} alt={t('chat.imageAlt', { n: i + 1 })} />
          ) : (
            <span className="composer-attachment-pending" role="status" aria-label={t('chat.imageUploading')}>
              <span className="spinner" aria-hidden="true" />
            </span>
          )}
          <button
            type="button"
            className="composer-attachment-remove"
            onClick={() => onRemove(a.key)}
            aria-label={t('chat.imageRemove', { n: i + 1 })}
            title={t('chat.imageRemove', { n: i + 1 })}
            data-testid="attachment-remove"
          >
            <CloseIcon />
          </button>
        </li>
      ))}
    </ul>
  );
}
