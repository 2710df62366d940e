// Admin › Payments: every top-up order, newest first, filtered by status and user.
import { useCallback, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import type { Id } from '../../lib/api';
import { orderStatuses, paymentsApi, type OrderStatus } from '../../lib/payments';
import { usePaged } from '../../lib/usePaged';
import { Credits } from '../billing/Credits';
import { LoadState, MoreButton } from '../billing/LoadState';
import { OrderAmount, OrderStatusBadge, orderStatusLabel } from '../billing/TopUpList';
import { TableHead } from '../Table';

const pageSize = 50;
type Filters = { status: OrderStatus | ''; user_id: string };

export function PaymentOrders() {
  const { t, formatDate } = useI18n();
  const [filters, setFilters] = useState<Filters>({ status: '', user_id: '' });
  const [userDraft, setUserDraft] = useState('');
  const fetchPage = useCallback((before: Id | null) => paymentsApi.adminOrders(filters, pageSize, before).then((r) => r.orders), [filters]);
  const { rows, error, loading, more, loadMore, reload } = usePaged(fetchPage, pageSize);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters((f) => ({ ...f, user_id: userDraft.trim() }));
  };
  const columns = [t('billing.time'), t('payments.order'), t('payments.user'), t('topUp.colAmount'), t('topUp.colCredits'), t('billing.status'), t('payments.paidAt')];

  return (
    <section aria-labelledby="payment-orders-title" data-testid="payment-orders">
      <h2 id="payment-orders-title" className="section-heading">
        {t('payments.ordersTitle')}
      </h2>
      <form className="card filters" onSubmit={apply} noValidate data-testid="payment-orders-filters">
        <div className="field">
          <label htmlFor="f-orders-status">{t('payments.filterStatus')}</label>
          <select
            id="f-orders-status"
            value={filters.status}
            onChange={(e) => setFilters((f) => ({ ...f, status: e.target.value as OrderStatus | '' }))}
            data-testid="payment-orders-status"
          >
            <option value="">{t('payments.allStatuses')}</option>
            {orderStatuses.map((s) => (
              <option key={s} value={s}>
                {t(orderStatusLabel[s])}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-orders-user">{t('payments.userId')}</label>
          <input id="f-orders-user" inputMode="numeric" value={userDraft} onChange={(e) => setUserDraft(e.target.value)} data-testid="payment-orders-user" />
        </div>
        <div className="filter-actions">
          <button type="submit" className="button primary" data-testid="payment-orders-apply">
            {t('wallet.applyFilters')}
          </button>
        </div>
      </form>
      <div className="card flush">
        <LoadState error={error} loading={rows === undefined && loading} testId="payment-orders-load" onRetry={reload} />
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="payment-orders-empty">
            {t('payments.noOrders')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="payment-orders-table">
            <TableHead columns={columns} />
            <tbody>
              {rows.map((o) => (
                <tr key={o.id} data-testid="payment-order-row" data-id={o.id} data-status={o.status} data-user={o.user_id}>
                  <td data-label={columns[0]}>{formatDate(o.created_at, true)}</td>
                  <td data-label={columns[1]} className="mono">
                    #{o.id}
                  </td>
                  <td data-label={columns[2]} className="strong">
                    {o.username ?? <span className="muted">{t('payments.deletedUser')}</span>} <span className="muted small">#{o.user_id}</span>
                  </td>
                  <td data-label={columns[3]} className="num">
                    <OrderAmount amount={o.amount} currency={o.currency} />
                  </td>
                  <td data-label={columns[4]} className="num">
                    <Credits uc={o.credits} />
                  </td>
                  <td data-label={columns[5]}>
                    <OrderStatusBadge status={o.status} />
                  </td>
                  <td data-label={columns[6]}>{o.paid_at ? formatDate(o.paid_at, true) : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <MoreButton show={more} loading={loading} testId="payment-orders-more" onClick={loadMore} />
      </div>
    </section>
  );
}
