import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import type { Pack, Plan, PlanAction } from '../../lib/billing';
import { ConfirmDialog } from '../ConfirmDialog';
import { Alert } from '../Field';
import { Credits } from './Credits';

/** A purchase (or the end of auto-renew) waiting for the buyer's yes. */
export type Pending =
  | { what: 'plan'; plan: Plan; action: Exclude<PlanAction, 'unavailable' | 'current' | 'worthLess'> }
  | { what: 'pack'; pack: Pack }
  | { what: 'cancel' };

/** Asks before money moves: what it costs and what it does. */
export function PurchaseDialog({
  pending,
  current,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  pending: Pending | null;
  current: string;
  busy: boolean;
  /** Why the purchase failed: shown in the dialog, beside what was being bought. */
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t, tn } = useI18n();
  let title = '';
  let body: ReactNode = null;
  let label = t('common.confirm');
  if (pending?.what === 'pack') {
    title = t('wallet.buyTitle', { name: pending.pack.name });
    body = tn('wallet.buyBody', { price: <Credits uc={pending.pack.price} /> });
    label = t('wallet.buy');
  } else if (pending?.what === 'cancel') {
    title = t('wallet.cancelTitle');
    body = t('wallet.cancelBody');
    label = t('wallet.cancelAutoRenew');
  } else if (pending?.what === 'plan') {
    const { plan, action } = pending;
    const price = <Credits uc={plan.price} />;
    title = t(action === 'renew' ? 'wallet.renewTitle' : action === 'upgrade' ? 'wallet.upgradeTitle' : 'wallet.subscribeTitle', { name: plan.name });
    body =
      action === 'renew'
        ? tn('wallet.renewBody', { price, days: plan.period_days })
        : action === 'upgrade'
          ? tn('wallet.upgradeBody', { price, current })
          : tn('wallet.subscribeBody', { price, days: plan.period_days });
    label = t(action === 'renew' ? 'wallet.renew' : action === 'upgrade' ? 'wallet.upgrade' : 'wallet.subscribe');
  }
  return (
    <ConfirmDialog
      open={pending !== null}
      title={title}
      body={
        <>
          {body}
          {error && (
            <Alert kind="error" testId="purchase-error">
              {error}
            </Alert>
          )}
        </>
      }
      confirmLabel={label}
      danger={pending?.what === 'cancel'}
      busy={busy}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
