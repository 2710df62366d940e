// What using an app costs, shown before anyone chats with it: on its card and on its page.
import { useI18n } from '../../i18n';
import type { AppContent } from '../../lib/apps';
import { priceLabel, pricingOf } from '../../lib/pricing';

export function PriceBadge({ app, unlocked }: { app: Pick<AppContent, 'pricing' | 'min_plan_level'>; unlocked?: boolean }) {
  const { t } = useI18n();
  const p = pricingOf(app);
  const level = app.min_plan_level ?? 0;
  const tone = p.mode === 'free' && !p.paying_only && level === 0 ? 'badge-active' : 'badge-admin';
  return (
    <span
      className={`badge price-badge ${tone}`}
      data-testid="app-price"
      data-mode={p.mode}
      data-price={p.price}
      data-ppm={p.surcharge_ppm}
      data-paying-only={p.paying_only}
      data-plan-level={level}
      data-unlocked={p.mode === 'one_time' ? !!unlocked : undefined}
    >
      {priceLabel(p, t, level)}
    </span>
  );
}
