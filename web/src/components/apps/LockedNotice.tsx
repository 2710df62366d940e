// Why a reader may not chat with an app (it needs unlocking, a paying user or a plan level), with the
// way to the wallet. On the app page and at the start of a chat with the app.
import { useI18n, type MessageKey } from '../../i18n';
import type { AccessReason, App } from '../../lib/apps';
import { formatCredits } from '../../lib/money';
import { pricingOf } from '../../lib/pricing';
import { Link } from '../../lib/router';
import { Alert } from '../Field';

const lockedText: Record<AccessReason, MessageKey> = {
  unlock: 'apps.lockedUnlock',
  paying: 'apps.lockedPaying',
  plan_level: 'apps.lockedPlanLevel',
};

/** Why this reader may not chat with the app, and where to go about it. */
export function LockedNotice({ app }: { app: App }) {
  const { t, tn } = useI18n();
  const reason = app.access?.reason ?? null;
  const wallet = (
    <Link to="/wallet" data-testid="app-locked-wallet">
      {t('nav.wallet')}
    </Link>
  );
  return (
    <Alert kind="warning" testId="app-locked">
      <span id="app-locked-text" data-testid="app-locked-reason" data-reason={reason ?? ''}>
        {tn(reason ? lockedText[reason] ?? 'apps.lockedOther' : 'apps.lockedOther', {
          amount: formatCredits(pricingOf(app).price),
          level: app.min_plan_level,
          wallet,
        })}
      </span>
    </Alert>
  );
}

