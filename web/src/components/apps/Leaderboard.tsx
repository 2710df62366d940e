// The leaderboard beside the square: the most used apps of the day, week, month or all time.
import { useCallback, useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import { appsApi, leaderboardPeriods, type LeaderboardPeriod } from '../../lib/apps';
import { Link } from '../../lib/router';
import { useLoader } from '../../lib/useLoader';
import { LoadState } from '../billing/LoadState';
import { AppAvatar } from './AppAvatar';
import { Count } from './Count';

const periodLabel: Record<LeaderboardPeriod, MessageKey> = {
  day: 'apps.periodDay',
  week: 'apps.periodWeek',
  month: 'apps.periodMonth',
  all: 'apps.periodAll',
};

const shown = 10;

export function Leaderboard() {
  const { t } = useI18n();
  const [period, setPeriod] = useState<LeaderboardPeriod>('week');
  const { data, error, reload } = useLoader(useCallback(() => appsApi.leaderboard(period), [period]));
  const rows = data && data.period === period ? data.apps.slice(0, shown) : undefined;

  return (
    <section className="card leaderboard" data-testid="leaderboard" data-loaded={rows ? period : ''} aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">{t('apps.leaderboard')}</h2>
      <div className="seg" role="tablist" aria-label={t('apps.leaderboardPeriod')}>
        {leaderboardPeriods.map((p) => (
          <button
            key={p}
            type="button"
            role="tab"
            aria-selected={p === period}
            className={p === period ? 'seg-item active' : 'seg-item'}
            onClick={() => setPeriod(p)}
            data-testid={`leaderboard-tab-${p}`}
          >
            {t(periodLabel[p])}
          </button>
        ))}
      </div>
      <LoadState error={error} loading={!rows && error == null} testId="leaderboard-load" onRetry={reload} />
      {rows && rows.length === 0 && (
        <p className="empty" data-testid="leaderboard-empty">
          {t('apps.leaderboardEmpty')}
        </p>
      )}
      {rows && rows.length > 0 && (
        <ol className="leaderboard-list" data-period={period}>
          {rows.map((r) => (
            <li key={r.app.slug} className="leaderboard-row" data-testid="leaderboard-row" data-slug={r.app.slug} data-rank={r.rank}>
              <span className="leaderboard-rank">{r.rank}</span>
              <AppAvatar avatar={r.app.avatar} title={r.app.title} size="sm" />
              <Link to={`/apps/${encodeURIComponent(r.app.slug)}`} className="leaderboard-title">
                {r.app.title}
              </Link>
              <span className="muted small" title={t('apps.usersCount', { count: r.users })}>
                <Count n={r.uses} testId="leaderboard-uses" />
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
