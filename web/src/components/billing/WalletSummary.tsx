// The parts of a wallet shown both to its owner (Wallet page) and to an admin (users page):
// balances, the active subscription with today's allowances, and count packs.
import type { ReactNode } from 'react';
import { langTags, useI18n, type MessageKey } from '../../i18n';
import type { Subscription, Wallet, WalletCurrency, WalletPack } from '../../lib/billing';
import { currencyValue } from '../../lib/money';
import { Credits, CreditsStat } from './Credits';

const deductionLabels: Record<string, MessageKey> = {
  subscription: 'wallet.fromSubscription',
  count_pack: 'wallet.fromCountPack',
  paid: 'wallet.paid',
  gift: 'wallet.gift',
};

/**
 * "≈ ¥1.25": what a balance is worth in the site's display currency. Computed exactly in µc;
 * only the final two-decimal value becomes a number, for Intl. Nothing without a currency.
 */
export function CurrencyEquivalent({ uc, currency, testId }: { uc: number; currency?: WalletCurrency | null; testId: string }) {
  const { t, lang } = useI18n();
  if (!currency) return null;
  const value = currencyValue(uc, currency.credits_per_unit);
  if (value === null) return null;
  let amount: string;
  try {
    amount = new Intl.NumberFormat(langTags[lang], { style: 'currency', currency: currency.code }).format(Number(value));
  } catch {
    return null; // not a currency code this browser knows
  }
  return (
    <span className="muted small" data-testid={testId} data-currency={currency.code} data-value={value}>
      {t('wallet.currencyEquivalent', { amount })}
    </span>
  );
}

function Balance({
  label,
  uc,
  held,
  currency,
  testId,
}: {
  label: string;
  uc: number;
  held: number;
  currency?: WalletCurrency | null;
  testId: string;
}) {
  const { tn } = useI18n();
  return (
    <CreditsStat label={label} uc={uc} testId={testId}>
      <CurrencyEquivalent uc={uc} currency={currency} testId={`${testId}-currency`} />
      {held !== 0 && (
        <span className="muted small" data-testid={`${testId}-held`}>
          {tn('wallet.held', { amount: <Credits uc={held} /> })}
        </span>
      )}
    </CreditsStat>
  );
}

export function Balances({ wallet }: { wallet: Wallet }) {
  const { t } = useI18n();
  return (
    <div className="card" data-testid="balances">
      <div className="balance-grid">
        <Balance label={t('wallet.paid')} uc={wallet.paid} held={wallet.paid_held} currency={wallet.currency} testId="balance-paid" />
        <Balance label={t('wallet.gift')} uc={wallet.gift} held={wallet.gift_held} currency={wallet.currency} testId="balance-gift" />
      </div>
      <p className="muted small deduction-order" data-testid="deduction-order">
        {t('wallet.deductionOrder')}{' '}
        {wallet.deduction_order.map((d, i) => (
          <span key={d}>
            {i > 0 && ' → '}
            {deductionLabels[d] ? t(deductionLabels[d]) : d}
          </span>
        ))}
        {wallet.paying && (
          <span className="badge badge-active" data-testid="wallet-paying">
            {t('wallet.paying')}
          </span>
        )}
      </p>
    </div>
  );
}

/** "3 / 5" for an allowance, or Unlimited. */
function AllowanceLeft({ left, perDay }: { left: number; perDay: number }) {
  const { t } = useI18n();
  if (perDay < 0 || left < 0) return <span data-left="-1">{t('billing.unlimited')}</span>;
  return <span data-left={left}>{t('wallet.leftOf', { left, total: perDay })}</span>;
}

/** The active plan; `noneText` replaces the owner's "pick one below" when someone else looks. */
export function SubscriptionInfo({ sub, actions, noneText }: { sub: Subscription | null; actions?: ReactNode; noneText?: string }) {
  const { t, tn, formatDate } = useI18n();
  if (!sub) {
    return (
      <p className="muted" data-testid="subscription-none">
        {noneText ?? t('wallet.noSubscription')}
      </p>
    );
  }
  return (
    <div className="subscription" data-testid="subscription" data-plan-id={sub.plan_id}>
      <div className="row spread wrap">
        <h3 className="strong" data-testid="subscription-plan">
          {sub.plan_name}
        </h3>
        <span className="badge badge-neutral">{t('billing.level', { level: sub.level })}</span>
      </div>
      <dl className="facts">
        <div>
          <dt>{t('wallet.ends')}</dt>
          <dd data-testid="subscription-ends">{formatDate(sub.ends_at)}</dd>
        </div>
        <div>
          <dt>{t('billing.price')}</dt>
          <dd>{tn('billing.pricePerPeriod', { price: <Credits uc={sub.price} />, days: sub.period_days })}</dd>
        </div>
        <div>
          <dt>{t('wallet.autoRenew')}</dt>
          <dd data-testid="subscription-auto-renew" data-on={sub.auto_renew} data-from-code={sub.from_code}>
            {sub.from_code ? t('wallet.fromCode') : sub.auto_renew ? t('wallet.autoRenewOn') : t('wallet.autoRenewOff')}
          </dd>
        </div>
      </dl>
      {sub.allowances.length > 0 ? (
        <table className="table compact" data-testid="allowances">
          <caption className="caption">{t('wallet.allowancesToday')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('billing.model')}</th>
              <th scope="col">{t('wallet.usedToday')}</th>
              <th scope="col">{t('wallet.leftToday')}</th>
            </tr>
          </thead>
          <tbody>
            {sub.allowances.map((a) => (
              <tr key={a.model} data-testid="allowance-row" data-model={a.model}>
                <td className="mono">{a.model}</td>
                <td>{a.used_today}</td>
                <td data-testid="allowance-left">
                  <AllowanceLeft left={a.left_today} perDay={a.per_day} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">{t('wallet.noAllowances')}</p>
      )}
      {actions && <div className="actions-end">{actions}</div>}
    </div>
  );
}

export function CountPacks({ packs }: { packs: WalletPack[] }) {
  const { t, formatDate } = useI18n();
  if (packs.length === 0) {
    return (
      <p className="muted" data-testid="count-packs-none">
        {t('wallet.noCountPacks')}
      </p>
    );
  }
  return (
    <ul className="plain-list" data-testid="count-packs">
      {packs.map((p) => (
        <li key={p.id} data-testid="count-pack" data-pack-id={p.id}>
          <div className="row spread wrap">
            <span className="strong">{p.name}</span>
            <span data-testid="count-pack-remaining" data-remaining={p.remaining}>
              {t('wallet.callsLeft', { left: p.remaining, total: p.total })}
            </span>
          </div>
          <div className="muted small">
            {p.models.length ? p.models.join(', ') : t('billing.allModels')}
            {' · '}
            {p.expires_at ? t('wallet.expiresOn', { date: formatDate(p.expires_at) }) : t('wallet.noExpiry')}
          </div>
        </li>
      ))}
    </ul>
  );
}
