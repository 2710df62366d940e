import { useCallback } from 'react';
import { langTags, useI18n, type MessageKey } from '../../i18n';
import type { Id } from '../../lib/api';
import { formatMoney, paymentsApi, type OrderStatus } from '../../lib/payments';
import { usePaged } from '../../lib/usePaged';
import { TableHead } from '../Table';
import { Credits } from './Credits';
import { LoadState, MoreButton } from './LoadState';

const pageSize = 20;

export const orderStatusLabel: Record<OrderStatus, MessageKey> = {
  pending: 'topUp.statusPending',
  paid: 'topUp.statusPaid',
  expired: 'topUp.statusExpired',
  failed: 'topUp.statusFailed',
};
const statusClass: Record<OrderStatus, string> = {
  pending: 'badge-admin',
  paid: 'badge-active',
  expired: 'badge-expired',
  failed: 'badge-revoked',
};

/** Where a top-up order stands. */
export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${statusClass[status] ?? 'badge-neutral'}`} data-testid="order-status">
      {orderStatusLabel[status] ? t(orderStatusLabel[status]) : status}
    </span>
  );
}

/** What was paid, in the order's currency for the reader's language. */
export function OrderAmount({ amount, currency }: { amount: number; currency: string }) {
  const { lang } = useI18n();
  return (
    <span data-minor={amount} data-currency={currency}>
      {formatMoney(amount, currency, langTags[lang])}
    </span>
  );
}

/**
 * The user's top-ups, newest first; `version` changes whenever the wallet did. Hidden while there
 * are none and top-ups are off (nothing to show or to do).
 */
export function TopUpList({ version, enabled }: { version: number; enabled: boolean }) {
  const { t, formatDate } = useI18n();
  const fetchPage = useCallback(
    (before: Id | null) => paymentsApi.orders(pageSize, before).then((r) => r.orders),
    // `version` is not used inside: a new value only forces a fresh read from the top.
    [version],
  );
  const { rows, error, loading, more, loadMore, reload } = usePaged(fetchPage, pageSize);
  if (!enabled && (!rows || rows.length === 0)) return null;

  const columns = [t('billing.time'), t('topUp.colAmount'), t('topUp.colCredits'), t('billing.status')];
  return (
    <div className="card" data-testid="topups">
      <h2>{t('topUp.listTitle')}</h2>
      <LoadState error={error} loading={rows === undefined && loading} testId="topups" onRetry={reload} />
      {rows && rows.length === 0 && (
        <p className="empty" data-testid="topups-empty">
          {t('topUp.empty')}
        </p>
      )}
      {rows && rows.length > 0 && (
        <table className="table responsive" data-testid="topups-table">
          <TableHead columns={columns} />
          <tbody>
            {rows.map((o) => (
              <tr key={o.id} data-testid="topup-row" data-id={o.id} data-status={o.status}>
                <td data-label={columns[0]}>{formatDate(o.created_at, true)}</td>
                <td data-label={columns[1]} className="num">
                  <OrderAmount amount={o.amount} currency={o.currency} />
                </td>
                <td data-label={columns[2]} className="num">
                  <Credits uc={o.credits} />
                </td>
                <td data-label={columns[3]}>
                  <OrderStatusBadge status={o.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton show={more} loading={loading} testId="topups-more" onClick={loadMore} />
    </div>
  );
}
