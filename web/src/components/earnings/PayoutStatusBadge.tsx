import { useI18n, type MessageKey } from '../../i18n';
import type { PayoutStatus } from '../../lib/earnings';

export const payoutStatusLabel: Record<PayoutStatus, MessageKey> = {
  requested: 'payouts.statusRequested',
  paid: 'payouts.statusPaid',
  rejected: 'payouts.statusRejected',
};
const statusClass: Record<PayoutStatus, string> = {
  requested: 'badge-admin',
  paid: 'badge-active',
  rejected: 'badge-revoked',
};

/** Where a payout stands: waiting for an administrator, paid, or rejected (its amount returned). */
export function PayoutStatusBadge({ status }: { status: PayoutStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${statusClass[status] ?? 'badge-neutral'}`} data-testid="payout-status">
      {payoutStatusLabel[status] ? t(payoutStatusLabel[status]) : status}
    </span>
  );
}
