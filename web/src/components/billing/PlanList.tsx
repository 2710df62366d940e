import { useI18n, type MessageKey } from '../../i18n';
import { isPurchase, planAction, upgradeCost, type Plan, type PlanAction, type Subscription } from '../../lib/billing';
import { formatCredits } from '../../lib/money';
import { Credits } from './Credits';

const actionLabels: Record<PlanAction, MessageKey> = {
  subscribe: 'wallet.subscribe',
  renew: 'wallet.renew',
  current: 'wallet.currentFromCode',
  upgrade: 'wallet.upgrade',
  unavailable: 'wallet.lowerPlan',
  worthLess: 'wallet.notAnUpgrade',
};

/** "gpt-4o: 50 a day", "gpt-4o-mini: unlimited". */
export function AllowanceList({ allowances }: { allowances: Plan['allowances'] }) {
  const { t } = useI18n();
  if (allowances.length === 0) return <span className="muted">{t('wallet.noAllowances')}</span>;
  return (
    <ul className="plain-list tight">
      {allowances.map((a) => (
        <li key={a.model}>
          <span className="mono">{a.model}</span>:{' '}
          {a.per_day < 0 ? t('billing.unlimited') : t('billing.perDay', { count: a.per_day })}
        </li>
      ))}
    </ul>
  );
}

export function PlanList({
  plans,
  current,
  busy,
  onChoose,
}: {
  plans: Plan[];
  current: Subscription | null;
  busy: boolean;
  onChoose: (plan: Plan, action: PlanAction) => void;
}) {
  const { t, tn } = useI18n();
  if (plans.length === 0) {
    return (
      <p className="muted" data-testid="plans-none">
        {t('wallet.noPlans')}
      </p>
    );
  }
  return (
    <ul className="tiles" data-testid="plans">
      {[...plans]
        .sort((a, b) => a.level - b.level || a.price - b.price)
        .map((p) => {
          const action = planAction(p, current);
          return (
            <li key={p.id} className={`tile${action === 'renew' || action === 'current' ? ' current' : ''}`} data-testid="plan" data-plan-id={p.id} data-name={p.name}>
              <div className="row spread wrap">
                <h3>{p.name}</h3>
                <span className="badge badge-neutral">{t('billing.level', { level: p.level })}</span>
              </div>
              <p className="tile-price">
                {tn('billing.pricePerPeriod', { price: <Credits uc={p.price} />, days: p.period_days })}
              </p>
              {p.daily_value > 0 && (
                <p className="muted small">{t('wallet.dailyValue', { amount: formatCredits(p.daily_value) })}</p>
              )}
              <AllowanceList allowances={p.allowances} />
              {action === 'upgrade' && current && (current.upgrade_credit ?? 0) > 0 && (
                <p className="muted small" data-testid="plan-upgrade-cost">
                  {t('wallet.upgradeCost', { cost: formatCredits(upgradeCost(p, current)), credit: formatCredits(current.upgrade_credit ?? 0), current: current.plan_name })}
                </p>
              )}
              {action === 'worthLess' && current && (
                <p className="small" data-testid="plan-not-upgrade">
                  {t('wallet.notAnUpgradeWhy', { credit: formatCredits(current.upgrade_credit ?? 0), current: current.plan_name, price: formatCredits(p.price) })}
                </p>
              )}
              <button
                type="button"
                className={`button ${isPurchase(action) ? 'primary' : 'secondary'} block`}
                disabled={busy || !isPurchase(action)}
                onClick={() => onChoose(p, action)}
                data-testid="plan-choose"
                data-action={action}
              >
                {t(actionLabels[action])}
              </button>
            </li>
          );
        })}
    </ul>
  );
}
