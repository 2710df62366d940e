// What the message area says instead of messages: a failure with a retry, a conversation not found, loading, no models yet.
import { useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { Alert } from '../Field';
import { ChatIcon } from '../Icons';

/** A failure to read something the chat needs, with a Retry after it. */
export function RetryAlert({ message, testId, onRetry }: { message: string; testId: string; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <Alert kind="error" testId={testId}>
      {message}{' '}
      <button type="button" className="link-button" onClick={onRetry}>
        {t('common.retry')}
      </button>
    </Alert>
  );
}

export function ConversationNotFound({ onNewChat }: { onNewChat: () => void }) {
  const { t } = useI18n();
  return (
    <div className="chat-empty" data-testid="conversation-not-found">
      <h2>{t('chat.notFound')}</h2>
      <button type="button" className="button secondary" onClick={onNewChat}>
        {t('chat.newChat')}
      </button>
    </div>
  );
}

export function ConversationLoading() {
  const { t } = useI18n();
  return (
    <div className="page-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t('app.loading')}
    </div>
  );
}

/** The site offers no model yet: an admin is led to add a channel. */
export function NoModels({ admin }: { admin: boolean }) {
  const { t } = useI18n();
  return (
    <div className="chat-empty" data-testid="no-models">
      <div className="chat-empty-icon">
        <ChatIcon />
      </div>
      <h2>{t('chat.noModelsTitle')}</h2>
      <p className="muted">{t(admin ? 'chat.noModelsBodyAdmin' : 'chat.noModelsBody')}</p>
      {admin && (
        <Link to="/admin/channels" className="button primary" data-testid="no-models-add-channel">
          {t('chat.noModelsAdmin')}
        </Link>
      )}
    </div>
  );
}
