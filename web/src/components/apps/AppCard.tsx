// One app on the square, a creator's page or the favorites: avatar, title, author, tags, the short
// description, what it costs, uses and rating. The title links to the app's page.
import { useI18n } from '../../i18n';
import type { App } from '../../lib/apps';
import { Link } from '../../lib/router';
import { AppAvatar } from './AppAvatar';
import { Count } from './Count';
import { PriceBadge } from './PriceBadge';
import { RatingSummary } from './Rating';
import { TagList } from './TagList';

export function AppCard({ app, showAuthor = true }: { app: App; showAuthor?: boolean }) {
  const { t } = useI18n();
  return (
    <li className="app-card" data-testid="app-card" data-slug={app.slug}>
      <div className="app-card-head">
        <AppAvatar avatar={app.avatar} title={app.title} />
        <div className="app-card-titles">
          <Link to={`/apps/${encodeURIComponent(app.slug)}`} className="app-card-title" data-testid="app-card-title">
            {app.title}
          </Link>
          {showAuthor && (
            <span className="muted small">
              {t('apps.by')}{' '}
              <Link to={`/creators/${encodeURIComponent(app.owner.username)}`} data-testid="app-card-author">
                {app.owner.username}
              </Link>
            </span>
          )}
        </div>
      </div>
      <p className="app-card-desc" data-testid="app-card-description">
        {app.description}
      </p>
      <TagList tags={app.tags} />
      <div className="app-card-price">
        <PriceBadge app={app} unlocked={app.unlocked} />
      </div>
      <div className="app-card-foot muted small">
        <span title={t('apps.uses')}>
          {t('apps.usesShort')} <Count n={app.stats.uses} testId="app-card-uses" />
        </span>
        <RatingSummary stats={app.stats} compact />
      </div>
    </li>
  );
}

/** A grid of app cards, or the given empty text. */
export function AppGrid({ apps, empty, emptyTestId, showAuthor }: { apps: App[]; empty: string; emptyTestId: string; showAuthor?: boolean }) {
  if (apps.length === 0) {
    return (
      <p className="empty" data-testid={emptyTestId}>
        {empty}
      </p>
    );
  }
  return (
    <ul className="app-grid" data-testid="app-grid">
      {apps.map((a) => (
        <AppCard key={a.slug} app={a} showAuthor={showAuthor} />
      ))}
    </ul>
  );
}
