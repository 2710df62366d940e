// The wallet's "Top up" dialog: an amount in the currency's major units (or a preset), what it buys,
// and Pay, which makes a checkout order and sends the browser to the provider's payment page.
import { useEffect, useId, useMemo, useRef } from 'react';
import { langTags, useI18n } from '../../i18n';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/errors';
import { formatCredits } from '../../lib/money';
import {
  amountCheck,
  answerLost,
  checkoutPage,
  creditsFor,
  formatMoney,
  majorAmount,
  parseAmount,
  paymentsApi,
  presetAmounts,
  topUpAttempt,
  type PaymentTerms,
  type TopUpAttempt,
} from '../../lib/payments';
import { newRequestId } from '../../lib/purchase';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { Alert, bindField, Field } from '../Field';
import { Modal } from '../Modal';

type V = { topup_amount: string };

/** Mount it afresh (a new `key`) for each top-up, so every one starts empty with no attempt. */
export function TopUpDialog({ open, terms, onClose }: { open: boolean; terms: PaymentTerms; onClose: () => void }) {
  const { t, lang } = useI18n();
  const titleId = useId();
  const locale = langTags[lang];
  const money = (minor: number) => formatMoney(minor, terms.currency, locale);
  const validators = useMemo<Record<keyof V, Validator<V>>>(() => ({ topup_amount: (v) => amountCheck(v.topup_amount, terms) }), [terms]);
  const form = useForm<keyof V>({ topup_amount: '' }, validators);
  // The attempt being paid: the same amount sent again keeps its X-Request-Id while its answer may
  // have been lost, so a retry does not make a second order.
  const attempt = useRef<TopUpAttempt | null>(null);

  const parsed = parseAmount(form.values.topup_amount, terms.currency);
  const valid = parsed.ok && amountCheck(form.values.topup_amount, terms) === null;
  const credits = parsed.ok ? creditsFor(parsed.minor, terms.currency, terms.credits_per_currency_unit) : 0;

  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const p = parseAmount(form.values.topup_amount, terms.currency);
      if (!p.ok) return;
      const a = topUpAttempt(attempt.current, p.minor, newRequestId);
      attempt.current = a;
      try {
        const r = await paymentsApi.checkout(a.amount, a.requestId);
        const page = checkoutPage(r.url);
        if (!page) throw new ApiError(502, 'upstream_error', ''); // not a page to send anyone to
        window.location.assign(page); // Stripe's payment page; it sends the browser back to /wallet?payment=<id>
      } catch (e) {
        if (!answerLost(e)) attempt.current = null; // the server answered: trying again is a new attempt
        throw e;
      }
    },
    {
      keepBusy: true, // the page is leaving for the provider's
      explain: (e) => {
        if (e instanceof ApiError && e.code === 'payments_disabled') return { message: t('topUp.disabled') };
        // The provider could not start the payment (not the model's service, as a 502 says elsewhere).
        if (e instanceof ApiError && e.status === 502 && e.code !== 'internal') return { message: t('topUp.providerFailed') };
        // Under the form, not on the field (the server's words on the amount included): a field's
        // server error goes when the field loses focus, as it does on the way to Pay.
        return { message: describeError(e, t).message };
      },
    },
  );

  // Back from the provider's page through the browser's history (the page restored as it was left,
  // busy): the dialog closes, and the next top-up starts afresh.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const back = (e: PageTransitionEvent) => e.persisted && close.current();
    window.addEventListener('pageshow', back);
    return () => window.removeEventListener('pageshow', back);
  }, []);

  const pick = (minor: number) => form.reset({ topup_amount: majorAmount(minor, terms.currency) });
  const presets = presetAmounts(terms);

  return (
    <Modal open={open} labelledBy={titleId} testId="topup-dialog" onCancel={() => !busy && onClose()}>
      <form onSubmit={submit} noValidate data-testid="topup-form">
        <h2 id={titleId}>{t('topUp.title')}</h2>
        <div className="dialog-body">
          <p className="muted small">{t('topUp.intro')}</p>
          {presets.length > 0 && (
            <div className="chip-row" role="group" aria-label={t('topUp.presets')} data-testid="topup-presets">
              {presets.map((m) => {
                const on = parsed.ok && parsed.minor === m;
                return (
                  <button
                    key={m}
                    type="button"
                    className={on ? 'filter-chip active' : 'filter-chip'}
                    aria-pressed={on}
                    onClick={() => pick(m)}
                    data-testid="topup-preset"
                    data-amount={m}
                  >
                    {money(m)}
                  </button>
                );
              })}
            </div>
          )}
          <Field
            {...bindField(form, 'topup_amount')}
            label={t('topUp.amount', { currency: terms.currency })}
            inputMode="decimal"
            autoComplete="off"
            hint={t('topUp.limits', { min: money(terms.min_amount), max: money(terms.max_amount) })}
            maxLength={24}
          />
          <p className="strong" aria-live="polite" data-testid="topup-credits" data-uc={valid ? credits : 0}>
            {valid ? t('topUp.youGet', { credits: formatCredits(credits) }) : '\u00a0'}
          </p>
          {error && (
            <Alert kind="error" testId="topup-error">
              {error}
            </Alert>
          )}
        </div>
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onClose} disabled={busy} data-testid="topup-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy} aria-busy={busy || undefined} data-testid="topup-pay">
            {busy ? t('topUp.paying') : valid && parsed.ok ? t('topUp.payAmount', { amount: money(parsed.minor) }) : t('topUp.pay')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
