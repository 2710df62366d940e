// Admin › Payments: the provider's settings. Secrets are never shown: only whether one is stored,
// a field to replace it and a box to remove it. Then the webhook address to give Stripe.
import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { checkText } from '../../lib/useForm';
import { describeError } from '../../lib/errors';
import {
  paymentProviderBody,
  paymentProviderChecks,
  paymentProviderFields,
  paymentProviderForm,
  defaultStripeApiBase,
  type PaymentProviderField,
  type PaymentProviderForm as Form,
} from '../../lib/paymentProvider';
import { paymentsApi, type PaymentProvider } from '../../lib/payments';
import { Alert, Field, SelectField } from '../Field';
import { WebhookInfo } from './WebhookInfo';

type Secret = 'secret_key' | 'webhook_secret';

export function PaymentProviderForm({ initial, currency }: { initial: PaymentProvider; currency: string }) {
  const { t, lang } = useI18n();
  const [saved, setSaved] = useState(initial);
  const [form, setForm] = useState(() => paymentProviderForm(initial, currency));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const checks = paymentProviderChecks(form, saved, currency);
  const fieldError = (f: PaymentProviderField) => {
    const c = tried ? checks[f] : null;
    if (!c) return undefined;
    return typeof c === 'string' ? t(c) : checkText(lang, c.key, c.params);
  };
  const set = (change: Partial<Form>) => setForm((f) => ({ ...f, ...change }));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    setError(null);
    const first = paymentProviderFields.find((f) => checks[f]);
    if (first) {
      setTried(true);
      document.getElementById(`f-payment_${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const p = await paymentsApi.putProvider(paymentProviderBody(form, saved, currency));
      setSaved(p);
      setForm(paymentProviderForm(p, currency));
      setTried(false);
      setNotice(t('payments.saved'));
    } catch (err) {
      setError(describeError(err, t).message);
    } finally {
      setBusy(false);
    }
  };

  const secretField = (name: Secret, label: string, has: boolean) => {
    const clearKey = name === 'secret_key' ? 'clear_secret_key' : 'clear_webhook_secret';
    const clearing = form[clearKey];
    const state = has ? (clearing ? 'clearing' : 'set') : 'none';
    return (
      <div>
        <Field
          name={`payment_${name}`}
          type="password"
          label={label}
          optional={name === 'webhook_secret' || (has && !clearing)}
          value={form[name]}
          onChange={(e) => set({ [name]: e.target.value })}
          hint={
            <span data-testid={`payment-${name}-state`} data-state={state}>
              {t(
                state === 'set'
                  ? 'payments.secretSet'
                  : state === 'clearing'
                    ? 'payments.secretCleared'
                    : name === 'webhook_secret'
                      ? 'payments.webhookSecretNone'
                      : 'payments.secretNone',
              )}
            </span>
          }
          error={fieldError(name)}
          maxLength={500}
          autoComplete="new-password"
          spellCheck={false}
        />
        {has && (
          <label className="check">
            <input type="checkbox" checked={clearing} onChange={(e) => set({ [clearKey]: e.target.checked })} data-testid={`payment-${name}-clear`} />
            {t('payments.secretClear')}
          </label>
        )}
      </div>
    );
  };

  return (
    <form onSubmit={save} noValidate data-testid="payment-provider-form">
      {notice && (
        <Alert kind="success" testId="payment-provider-saved" onDismiss={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {error && (
        <Alert kind="error" testId="payment-provider-error" onDismiss={() => setError(null)}>
          {error}
        </Alert>
      )}
      <div className="grid-2">
        <SelectField name="payment_kind" label={t('payments.kind')} value={form.kind} onChange={(e) => set({ kind: e.target.value === 'stripe' ? 'stripe' : '' })}>
          <option value="">{t('payments.kindNone')}</option>
          <option value="stripe">{t('payments.kindStripe')}</option>
        </SelectField>
        {form.kind === 'stripe' && (
          <Field
            name="payment_api_base"
            type="url"
            inputMode="url"
            label={t('payments.apiBase')}
            value={form.api_base}
            onChange={(e) => set({ api_base: e.target.value })}
            placeholder={defaultStripeApiBase}
            hint={t('payments.apiBaseHint')}
            error={fieldError('api_base')}
            maxLength={500}
            autoComplete="off"
            spellCheck={false}
          />
        )}
        {form.kind === 'stripe' && (
          <>
            <Field
              name="payment_min"
              inputMode="decimal"
              label={t('payments.minAmount', { currency })}
              value={form.min}
              onChange={(e) => set({ min: e.target.value })}
              error={fieldError('min')}
              maxLength={24}
              autoComplete="off"
            />
            <Field
              name="payment_max"
              inputMode="decimal"
              label={t('payments.maxAmount', { currency })}
              value={form.max}
              onChange={(e) => set({ max: e.target.value })}
              error={fieldError('max')}
              maxLength={24}
              autoComplete="off"
            />
            {secretField('secret_key', t('payments.secretKey'), saved.has_secret_key)}
            {secretField('webhook_secret', t('payments.webhookSecret'), saved.has_webhook_secret)}
          </>
        )}
      </div>
      <div className="actions-end">
        <button type="submit" className="button primary" disabled={busy} data-testid="payment-provider-save">
          {t('common.save')}
        </button>
      </div>
      {saved.webhook_url && <WebhookInfo url={saved.webhook_url} />}
    </form>
  );
}
