import { useState } from 'react';
import { useI18n } from '../../i18n';
import { ApiError } from '../../lib/api';
import { billingApi, type Redeemed, type Wallet } from '../../lib/billing';
import { describeError } from '../../lib/errors';
import { formatCredits } from '../../lib/money';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { Alert, bindField, Field, SubmitActions } from '../Field';

type V = { code: string };
const validators: Record<keyof V, Validator<V>> = {
  code: (v) => (v.code.trim() ? null : 'validate.required'),
};

/** What a redeemed code did, in words. */
export function useRedeemedText() {
  const { t } = useI18n();
  return (r: Redeemed): string => {
    switch (r.kind) {
      case 'paid':
        return t('wallet.redeemedPaid', { amount: formatCredits(r.amount) });
      case 'gift':
        return t('wallet.redeemedGift', { amount: formatCredits(r.amount) });
      case 'count_pack':
        return t('wallet.redeemedPack');
      case 'plan_days':
        return t('wallet.redeemedDays', { days: r.amount });
      default:
        return t('wallet.redeemedOther');
    }
  };
}

export function RedeemForm({ onRedeemed }: { onRedeemed: (wallet: Wallet) => void }) {
  const { t } = useI18n();
  const form = useForm<keyof V>({ code: '' }, validators);
  const [done, setDone] = useState<string | null>(null);
  const describe = useRedeemedText();
  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const r = await billingApi.redeem(form.values.code.trim());
      form.reset();
      setDone(describe(r.redeemed));
      onRedeemed(r.wallet);
    },
    {
      onStart: () => setDone(null),
      // Shown under the form rather than on the field: a field's server error goes when the field
      // loses focus, and the page below jumping up mid-click would swallow the next click.
      explain: (err) => {
        const d = describeError(err, t);
        if (err instanceof ApiError && (err.status === 404 || err.code === 'not_found')) d.message = t('wallet.codeUnknown');
        return { message: d.message };
      },
    },
  );

  return (
    <form className="card" onSubmit={submit} noValidate data-testid="redeem-form">
      <h2>{t('wallet.redeemTitle')}</h2>
      <Field
        {...bindField(form, 'code')}
        label={t('wallet.code')}
        placeholder={t('wallet.codePlaceholder')}
        autoComplete="off"
        spellCheck={false}
        className="mono"
        maxLength={128}
      />
      {error && (
        <Alert kind="error" testId="redeem-error">
          {error}
        </Alert>
      )}
      {done && (
        <Alert kind="success" testId="redeem-done" onDismiss={() => setDone(null)}>
          {done}
        </Alert>
      )}
      <SubmitActions testId="redeem-submit" busy={busy} label={t('wallet.redeem')} busyLabel={t('wallet.redeeming')} />
    </form>
  );
}
