// An app's rating: the average as five stars with the number of ratings, and the control with
// which a reader gives their own (the server refuses it until they have chatted with the app).
import { useI18n } from '../../i18n';
import type { AppStats } from '../../lib/apps';
import { formatRating } from '../../lib/appDisplay';

function Stars({ value }: { value: number }) {
  const full = Math.round(value);
  return (
    <span className="stars" aria-hidden="true">
      {[1, 2, 3, 4, 5].map((i) => (
        <span key={i} className={i <= full ? 'star on' : 'star'}>
          ★
        </span>
      ))}
    </span>
  );
}

export function RatingSummary({ stats, compact }: { stats: AppStats; compact?: boolean }) {
  const { t } = useI18n();
  const text = formatRating(stats.rating_avg, stats.rating_count);
  const label = stats.rating_count
    ? t('apps.ratingLabel', { rating: text, count: stats.rating_count })
    : t('apps.noRatings');
  return (
    <span className="rating" title={label} aria-label={label} data-testid="app-rating" data-avg={stats.rating_avg} data-count={stats.rating_count}>
      {compact ? <span className="star on" aria-hidden="true">★</span> : <Stars value={stats.rating_count ? stats.rating_avg : 0} />}
      <span className="rating-value" aria-hidden="true">
        {text}
      </span>
      {!compact && (
        <span className="muted small" aria-hidden="true">
          ({stats.rating_count})
        </span>
      )}
    </span>
  );
}

/** Five buttons; the reader's own rating is pressed. */
export function RateControl({ mine, busy, onRate }: { mine: number | null; busy: boolean; onRate: (stars: number) => void }) {
  const { t } = useI18n();
  return (
    <div className="rate" role="group" aria-label={t('apps.rateLabel')} data-testid="rate-control" data-mine={mine ?? ''}>
      {[1, 2, 3, 4, 5].map((n) => (
        <button
          key={n}
          type="button"
          className={mine !== null && n <= mine ? 'rate-star on' : 'rate-star'}
          aria-pressed={mine === n}
          aria-label={t('apps.rateStars', { count: n })}
          title={t('apps.rateStars', { count: n })}
          disabled={busy}
          onClick={() => onRate(n)}
          data-testid="rate-star"
          data-stars={n}
        >
          ★
        </button>
      ))}
    </div>
  );
}
