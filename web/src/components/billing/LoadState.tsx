import { useI18n } from '../../i18n';
import { describeError } from '../../lib/errors';
import { Alert } from '../Field';
import { SmallButton } from '../Table';

/** A section's load failure with a Retry, or its loading line. */
export function LoadState({ error, loading, testId, onRetry }: { error: unknown; loading: boolean; testId: string; onRetry: () => void }) {
  const { t } = useI18n();
  if (error != null) {
    return (
      <Alert kind="error" testId={`${testId}-error`}>
        {describeError(error, t).message}{' '}
        <button type="button" className="link-button" onClick={onRetry} data-testid={`${testId}-retry`}>
          {t('common.retry')}
        </button>
      </Alert>
    );
  }
  return loading ? <p className="muted pad">{t('app.loading')}</p> : null;
}

/** The "Load more" button under a paged list. */
export function MoreButton({ show, loading, testId, onClick }: { show: boolean; loading: boolean; testId: string; onClick: () => void }) {
  const { t } = useI18n();
  if (!show) return null;
  return (
    <div className="pager">
      <SmallButton kind="secondary" disabled={loading} onClick={onClick} data-testid={testId}>
        {loading ? t('app.loading') : t('billing.loadMore')}
      </SmallButton>
    </div>
  );
}
