// The start of a chat with an app: who it is, how to use it, its opening message and the
// questions it suggests (a click sends one).
import { useI18n } from '../../i18n';
import type { App } from '../../lib/apps';
import { Link } from '../../lib/router';
import { AppAvatar } from '../apps/AppAvatar';
import { PriceBadge } from '../apps/PriceBadge';
import { Markdown } from '../Markdown';

export function AppIntro({ app, canAsk, onAsk }: { app: App; canAsk: boolean; onAsk: (question: string) => void }) {
  const { t } = useI18n();
  return (
    <div className="app-intro" data-testid="app-intro" data-slug={app.slug}>
      <div className="app-intro-head">
        <AppAvatar avatar={app.avatar} title={app.title} size="lg" />
        <div>
          <h2 data-testid="app-intro-title">{app.title}</h2>
          <p className="muted small">
            {t('apps.by')}{' '}
            <Link to={`/creators/${encodeURIComponent(app.owner.username)}`} data-testid="app-intro-author">
              {app.owner.username}
            </Link>
            {' · '}
            <Link to={`/apps/${encodeURIComponent(app.slug)}`} data-testid="app-intro-details">
              {t('apps.details')}
            </Link>
          </p>
          <PriceBadge app={app} unlocked={app.unlocked} />
        </div>
      </div>
      {app.instructions.trim() && (
        <details className="app-intro-instructions" open data-testid="app-intro-instructions">
          <summary>{t('apps.instructions')}</summary>
          <Markdown text={app.instructions} />
        </details>
      )}
      <AppOpening app={app} />
      {app.suggested_questions.length > 0 && (
        <div className="suggestions" aria-label={t('apps.suggestedQuestions')}>
          {app.suggested_questions.map((q) => (
            <button key={q} type="button" className="suggestion" disabled={!canAsk} onClick={() => onAsk(q)} data-testid="suggested-question">
              {q}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The app's greeting, shown like an answer (it is not part of the saved conversation). */
export function AppOpening({ app }: { app: App }) {
  if (!app.opening_message.trim()) return null;
  return (
    <div className="msg msg-assistant app-opening" data-testid="app-opening">
      <div className="msg-avatar" aria-hidden="true">
        <AppAvatar avatar={app.avatar} title={app.title} size="sm" />
      </div>
      <div className="msg-body">
        <div className="msg-content" data-testid="app-opening-text">
          <Markdown text={app.opening_message} />
        </div>
      </div>
    </div>
  );
}
