// Taking available earnings out: at once into paid credits, or as a payout an administrator sends.
// Both answer with the creator's earnings, which the page then shows.
import { useMemo } from 'react';
import { useI18n, type TFunction } from '../../i18n';
import { earningsApi, validateWithdrawal, type Earnings } from '../../lib/earnings';
import { describeError } from '../../lib/errors';
import { formatCredits, parseCredits } from '../../lib/money';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { Alert, bindField, Field, SubmitActions, TextAreaField } from '../Field';
import { Credits } from '../billing/Credits';
import { CurrencyEquivalent } from '../billing/WalletSummary';
import type { WalletCurrency } from '../../lib/billing';

interface Props {
  available: number;
  onDone: (earnings: Earnings, notice: string) => void;
  onStart: () => void;
}

/** The server names the amount "amount"; each form has its own field for it. */
function explainAs(t: TFunction, fields: Record<string, string>) {
  return (err: unknown) => {
    const d = describeError(err, t);
    return { message: d.message, field: d.field ? fields[d.field] : undefined };
  };
}

type ConvertKey = 'convert_amount';

export function ConvertForm({ available, onDone, onStart }: Props) {
  const { t, tn } = useI18n();
  const validators = useMemo<Record<ConvertKey, Validator<Record<ConvertKey, string>>>>(
    () => ({ convert_amount: (v) => validateWithdrawal(v.convert_amount, available) }),
    [available],
  );
  const form = useForm<ConvertKey>({ convert_amount: '' }, validators);
  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const amount = parseCredits(form.values.convert_amount) ?? 0;
      const next = await earningsApi.convert(amount);
      form.reset();
      onDone(next, t('earnings.converted', { amount: formatCredits(amount) }));
    },
    { onStart, explain: explainAs(t, { amount: 'convert_amount' }) },
  );
  return (
    <form className="card" onSubmit={submit} noValidate data-testid="convert-form">
      <h2>{t('earnings.convertTitle')}</h2>
      <p className="muted small">{t('earnings.convertIntro')}</p>
      <Field
        {...bindField(form, 'convert_amount')}
        label={t('earnings.amount')}
        hint={tn('earnings.availableHint', { amount: <Credits uc={available} /> })}
        inputMode="decimal"
        autoComplete="off"
        data-testid="convert-amount"
      />
      {error && (
        <Alert kind="error" testId="convert-error">
          {error}
        </Alert>
      )}
      <SubmitActions testId="convert-submit" busy={busy} label={t('earnings.convert')} busyLabel={t('earnings.converting')} />
    </form>
  );
}

type PayoutKey = 'payout_amount' | 'payout_destination';

/** `minimum` (µc): the smallest payout the site takes; `currency` shows what the available amount is worth. */
export function PayoutForm({ available, minimum = 0, currency, onDone, onStart }: Props & { minimum?: number; currency?: WalletCurrency | null }) {
  const { t, tn } = useI18n();
  const validators = useMemo<Record<PayoutKey, Validator<Record<PayoutKey, string>>>>(
    () => ({
      payout_amount: (v) => validateWithdrawal(v.payout_amount, available, minimum),
      payout_destination: (v) => {
        const s = v.payout_destination.trim();
        if (!s) return 'validate.required';
        return s.length > 200 ? 'validate.tooLong' : null;
      },
    }),
    [available, minimum],
  );
  const form = useForm<PayoutKey>({ payout_amount: '', payout_destination: '' }, validators);
  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const amount = parseCredits(form.values.payout_amount) ?? 0;
      const next = await earningsApi.requestPayout(amount, form.values.payout_destination.trim());
      form.reset();
      onDone(next, t('earnings.payoutRequested', { amount: formatCredits(amount) }));
    },
    { onStart, explain: explainAs(t, { amount: 'payout_amount', destination: 'payout_destination' }) },
  );
  return (
    <form className="card" onSubmit={submit} noValidate data-testid="payout-form">
      <h2>{t('earnings.payoutTitle')}</h2>
      <p className="muted small">{t('earnings.payoutIntro')}</p>
      <Field
        {...bindField(form, 'payout_amount')}
        label={t('earnings.amount')}
        hint={
          <>
            {tn('earnings.availableHint', { amount: <Credits uc={available} /> })}{' '}
            <CurrencyEquivalent uc={available} currency={currency} testId="payout-available-currency" />
            {minimum > 0 && (
              <span data-testid="payout-minimum"> {t('earnings.payoutMinimumHint', { amount: formatCredits(minimum) })}</span>
            )}
          </>
        }
        inputMode="decimal"
        autoComplete="off"
        data-testid="payout-amount"
      />
      <TextAreaField
        {...bindField(form, 'payout_destination')}
        label={t('earnings.destination')}
        hint={t('earnings.destinationHint')}
        rows={2}
        maxLength={200}
        data-testid="payout-destination"
      />
      {error && (
        <Alert kind="error" testId="payout-error">
          {error}
        </Alert>
      )}
      <SubmitActions testId="payout-submit" busy={busy} label={t('earnings.requestPayout')} busyLabel={t('earnings.requesting')} />
    </form>
  );
}
