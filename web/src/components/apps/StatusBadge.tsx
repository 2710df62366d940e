import { useI18n, type MessageKey } from '../../i18n';
import type { AppStatus, ReviewStatus } from '../../lib/apps';

const statusLabel: Record<AppStatus, MessageKey> = {
  draft: 'apps.statusDraft',
  published: 'apps.statusPublished',
  unpublished: 'apps.statusUnpublished',
  taken_down: 'apps.statusTakenDown',
};
const statusClass: Record<AppStatus, string> = {
  draft: 'badge-neutral',
  published: 'badge-active',
  unpublished: 'badge-expired',
  taken_down: 'badge-revoked',
};

export function StatusBadge({ status }: { status: AppStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${statusClass[status] ?? 'badge-neutral'}`} data-testid="app-status" data-status={status}>
      {t(statusLabel[status] ?? 'apps.statusDraft')}
    </span>
  );
}

const reviewLabel: Record<ReviewStatus, MessageKey> = {
  draft: 'studio.reviewDraft',
  pending: 'studio.reviewPending',
  rejected: 'studio.reviewRejected',
};
const reviewClass: Record<ReviewStatus, string> = {
  draft: 'badge-neutral',
  pending: 'badge-admin',
  rejected: 'badge-revoked',
};

/** Where the draft stands: being edited, waiting for review, or rejected. */
export function ReviewBadge({ status }: { status: ReviewStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${reviewClass[status] ?? 'badge-neutral'}`} data-testid="review-status" data-review={status}>
      {t(reviewLabel[status] ?? 'studio.reviewDraft')}
    </span>
  );
}
