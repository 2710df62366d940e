import { useCallback } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import type { Id } from '../../lib/api';
import { billingApi, type TransactionKind } from '../../lib/billing';
import { usePaged } from '../../lib/usePaged';
import { TableHead } from '../Table';
import { Credits } from './Credits';
import { LoadState, MoreButton } from './LoadState';

const pageSize = 50;

export const kindLabels: Record<TransactionKind, MessageKey> = {
  charge: 'tx.charge',
  grant: 'tx.grant',
  deduct: 'tx.deduct',
  redeem: 'tx.redeem',
  subscribe: 'tx.subscribe',
  renew: 'tx.renew',
  upgrade: 'tx.upgrade',
  pack: 'tx.pack',
  surcharge: 'tx.surcharge',
  unlock: 'tx.unlock',
  convert: 'tx.convert',
  topup: 'tx.topup',
};

/** The wallet's movements, newest first; `version` changes whenever the wallet did. */
export function TransactionList({ version }: { version: number }) {
  const { t, formatDate } = useI18n();
  const fetchPage = useCallback(
    (before: Id | null) => billingApi.transactions(pageSize, before).then((r) => r.transactions),
    // `version` is not used inside: a new value only forces a fresh read from the top.
    [version],
  );
  const { rows, error, loading, more, loadMore, reload } = usePaged(fetchPage, pageSize);

  return (
    <div className="card" data-testid="transactions">
      <h2>{t('wallet.transactionsTitle')}</h2>
      <LoadState error={error} loading={rows === undefined && loading} testId="transactions" onRetry={reload} />
      {rows && rows.length === 0 && (
        <p className="empty" data-testid="transactions-empty">
          {t('wallet.noTransactions')}
        </p>
      )}
      {rows && rows.length > 0 && (
        <table className="table responsive" data-testid="transactions-table">
          <TableHead columns={[t('billing.time'), t('wallet.kind'), t('wallet.source'), t('billing.amount'), t('wallet.memo')]} />
          <tbody>
            {rows.map((x) => (
              <tr key={x.id} data-testid="transaction-row" data-kind={x.kind} data-source={x.source} data-amount={x.amount}>
                <td data-label={t('billing.time')}>{formatDate(x.created_at, true)}</td>
                <td data-label={t('wallet.kind')}>
                  <span className="badge badge-neutral">
                    {x.kind in kindLabels ? t(kindLabels[x.kind as TransactionKind]) : x.kind}
                  </span>
                </td>
                <td data-label={t('wallet.source')}>{x.source === 'gift' ? t('wallet.gift') : t('wallet.paid')}</td>
                <td data-label={t('billing.amount')} className="num">
                  <Credits uc={x.amount} signed />
                </td>
                <td data-label={t('wallet.memo')} className="desc-cell">
                  {x.memo || <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton show={more} loading={loading} testId="transactions-more" onClick={loadMore} />
    </div>
  );
}
