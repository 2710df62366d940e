// An admin's view of one user's wallet, with a form to grant or deduct paid or gift credits.
// Every adjustment needs a reason: it is the memo of the transaction the user sees.
import { useCallback, useId, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import type { User } from '../../lib/api';
import { billingApi, type Source } from '../../lib/billing';
import { formatCredits, parseCredits } from '../../lib/money';
import { newRequestId } from '../../lib/purchase';
import { useForm, type Validator } from '../../lib/useForm';
import { useLoader } from '../../lib/useLoader';
import { useSubmit } from '../../lib/useSubmit';
import { validateCredits } from '../../lib/validation';
import { LoadState } from '../billing/LoadState';
import { Balances, CountPacks, SubscriptionInfo } from '../billing/WalletSummary';
import { Alert, bindField, Field, SelectField } from '../Field';
import { Modal } from '../Modal';

type K = 'direction' | 'source' | 'amount' | 'reason';
type V = Record<K, string>;
const validators: Partial<Record<K, Validator<V>>> = {
  amount: (v) => validateCredits(v.amount, { required: true, positive: true }),
  reason: (v) => (!v.reason.trim() ? 'validate.required' : v.reason.trim().length > 200 ? 'validate.tooLong' : null),
};

export function UserWalletDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useI18n();
  const titleId = useId();
  const { data: wallet, setData, error, reload } = useLoader(useCallback(() => billingApi.userWallet(user.id), [user.id]));
  const form = useForm<K>({ direction: 'grant', source: 'paid', amount: '', reason: '' }, validators);
  const [done, setDone] = useState<string | null>(null);
  // One X-Request-Id per adjustment, kept while the same one is sent again after a failure: when the
  // answer was lost after the grant committed, the server does it once. Done or changed: a new id.
  const attempt = useRef<{ key: string; id: string } | null>(null);
  const { busy, error: adjustError, submit } = useSubmit(
    form,
    async () => {
      const v = form.values;
      const uc = parseCredits(v.amount) ?? 0;
      const deduct = v.direction === 'deduct';
      const source = v.source as Source;
      const change = { source, amount: deduct ? -uc : uc, reason: v.reason.trim() };
      const key = JSON.stringify(change);
      if (attempt.current?.key !== key) attempt.current = { key, id: newRequestId() };
      setData(await billingApi.adjustCredits(user.id, change, attempt.current.id));
      attempt.current = null;
      const params = { amount: formatCredits(uc), source: t(source === 'gift' ? 'userWallet.sourceGift' : 'userWallet.sourcePaid') };
      setDone(deduct ? t('userWallet.deducted', params) : t('userWallet.granted', params));
      form.reset({ ...form.values, amount: '', reason: '' });
    },
    { onStart: () => setDone(null) },
  );

  return (
    <Modal open wide labelledBy={titleId} testId="user-wallet-dialog" onCancel={onClose}>
      <div className="row spread wrap">
        <h2 id={titleId}>{t('userWallet.title', { name: user.username })}</h2>
        <span className="muted small">{t('userWallet.group', { group: user.group })}</span>
      </div>
      <div className="dialog-body wallet-dialog">
        <LoadState error={error} loading={!wallet} testId="user-wallet" onRetry={reload} />
        {wallet && (
          <>
            <Balances wallet={wallet} />
            <section>
              <h3>{t('userWallet.plan')}</h3>
              <SubscriptionInfo sub={wallet.subscription} noneText={t('userWallet.noPlan')} />
            </section>
            <section>
              <h3>{t('wallet.countPacksTitle')}</h3>
              <CountPacks packs={wallet.packs} />
            </section>
          </>
        )}
        <form onSubmit={submit} noValidate className="adjust-form" data-testid="adjust-form">
          <h3>{t('userWallet.adjustTitle')}</h3>
          <div className="grid-2">
            <SelectField {...bindField(form, 'direction')} label={t('userWallet.direction')}>
              <option value="grant">{t('userWallet.grant')}</option>
              <option value="deduct">{t('userWallet.deduct')}</option>
            </SelectField>
            <SelectField {...bindField(form, 'source')} label={t('wallet.source')}>
              <option value="paid">{t('wallet.paid')}</option>
              <option value="gift">{t('wallet.gift')}</option>
            </SelectField>
            <Field {...bindField(form, 'amount')} inputMode="decimal" label={t('billing.amount')} hint={t('prices.creditsHint')} autoComplete="off" />
            <Field {...bindField(form, 'reason')} label={t('userWallet.reason')} maxLength={200} autoComplete="off" />
          </div>
          {adjustError && (
            <Alert kind="error" testId="adjust-error">
              {adjustError}
            </Alert>
          )}
          {done && (
            <Alert kind="success" testId="adjust-done">
              {done}
            </Alert>
          )}
          <div className="dialog-actions">
            <button type="button" className="button secondary" onClick={onClose} data-testid="user-wallet-close">
              {t('common.close')}
            </button>
            <button type="submit" className={`button ${form.values.direction === 'deduct' ? 'danger' : 'primary'}`} disabled={busy} data-testid="adjust-submit">
              {form.values.direction === 'deduct' ? t('userWallet.deduct') : t('userWallet.grant')}
            </button>
          </div>
        </form>
      </div>
    </Modal>
  );
}
