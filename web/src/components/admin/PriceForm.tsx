// The price of one model: free, per call, or per token (input, output and cached input per
// million tokens), whether chatting on the website is free up to a daily cap, and a ceiling on
// output tokens. Amounts are typed in credits and sent as µc.
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { billingApi, type Price, type PriceMode } from '../../lib/billing';
import { formatCredits, parseCredits } from '../../lib/money';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { validateCredits, validateInt } from '../../lib/validation';
import { Alert, bindField, Field, FormActions, SelectField } from '../Field';

type K = 'model' | 'mode' | 'input_per_m' | 'output_per_m' | 'cached_per_m' | 'per_call' | 'web_free_daily_cap' | 'max_output_tokens';
type V = Record<K, string>;

const perToken = (v: V) => v.mode === 'per_token';
const validators: Partial<Record<K, Validator<V>>> = {
  model: (v) => (!v.model.trim() ? 'validate.required' : /\s/.test(v.model.trim()) || v.model.trim().length > 128 ? 'validate.modelId' : null),
  input_per_m: (v) => (perToken(v) ? validateCredits(v.input_per_m, { required: true }) : null),
  output_per_m: (v) => (perToken(v) ? validateCredits(v.output_per_m, { required: true }) : null),
  cached_per_m: (v) => (perToken(v) ? validateCredits(v.cached_per_m) : null),
  per_call: (v) => (v.mode === 'per_call' ? validateCredits(v.per_call, { required: true }) : null),
  web_free_daily_cap: (v) => validateInt(v.web_free_daily_cap, 0, 1_000_000_000),
  max_output_tokens: (v) => validateInt(v.max_output_tokens, 0, 100_000_000),
};

export const emptyPrice = (model: string): Price => ({
  model,
  mode: 'free',
  input_per_m: 0,
  output_per_m: 0,
  cached_per_m: 0,
  per_call: 0,
  web_free: false,
  web_free_daily_cap: 0,
  max_output_tokens: 0,
});

const credits = (uc: number) => (uc ? formatCredits(uc) : '');
const ucOf = (s: string) => parseCredits(s) ?? 0;
const intOf = (s: string) => (s.trim() ? Number(s.trim()) : 0);

export function PriceForm({
  price,
  isNew,
  onSaved,
  onCancel,
}: {
  price: Price;
  isNew: boolean;
  onSaved: (p: Price) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const form = useForm<K>(
    {
      model: price.model,
      mode: price.mode,
      input_per_m: credits(price.input_per_m),
      output_per_m: credits(price.output_per_m),
      cached_per_m: credits(price.cached_per_m),
      per_call: credits(price.per_call),
      web_free_daily_cap: price.web_free_daily_cap ? String(price.web_free_daily_cap) : '',
      max_output_tokens: price.max_output_tokens ? String(price.max_output_tokens) : '',
    },
    validators,
  );
  const [webFree, setWebFree] = useState(price.web_free);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById(isNew ? 'f-model' : 'f-mode')?.focus();
  }, [isNew]);

  const { busy, error, submit } = useSubmit(form, async () => {
    const v = form.values;
    const mode = v.mode as PriceMode;
    // Amounts that don't apply to the chosen mode are sent as zero so no stale price lingers.
    const body: Price = {
      model: v.model.trim(),
      mode,
      input_per_m: mode === 'per_token' ? ucOf(v.input_per_m) : 0,
      output_per_m: mode === 'per_token' ? ucOf(v.output_per_m) : 0,
      cached_per_m: mode === 'per_token' ? ucOf(v.cached_per_m) : 0,
      per_call: mode === 'per_call' ? ucOf(v.per_call) : 0,
      web_free: mode !== 'free' && webFree,
      web_free_daily_cap: mode !== 'free' && webFree ? intOf(v.web_free_daily_cap) : 0,
      max_output_tokens: intOf(v.max_output_tokens),
    };
    onSaved(await billingApi.putPrice(body));
  });

  const mode = form.values.mode as PriceMode;
  return (
    <form ref={ref} className="card" onSubmit={submit} noValidate data-testid="price-form">
      <h2>{isNew ? t('prices.addTitle') : t('prices.editTitle', { model: price.model })}</h2>
      <div className="grid-2">
        <Field
          {...bindField(form, 'model')}
          label={t('billing.model')}
          readOnly={!isNew}
          className="mono"
          autoComplete="off"
          spellCheck={false}
        />
        <SelectField {...bindField(form, 'mode')} label={t('prices.mode')}>
          <option value="free">{t('prices.modeFree')}</option>
          <option value="per_call">{t('prices.modePerCall')}</option>
          <option value="per_token">{t('prices.modePerToken')}</option>
        </SelectField>
      </div>
      {mode === 'per_token' && (
        <div className="grid-3 even">
          <Field {...bindField(form, 'input_per_m')} inputMode="decimal" label={t('prices.inputPerM')} hint={t('prices.perMHint')} autoComplete="off" />
          <Field {...bindField(form, 'output_per_m')} inputMode="decimal" label={t('prices.outputPerM')} autoComplete="off" />
          <Field
            {...bindField(form, 'cached_per_m')}
            inputMode="decimal"
            label={t('prices.cachedPerM')}
            optional
            hint={t('prices.cachedHint')}
            autoComplete="off"
          />
        </div>
      )}
      {mode === 'per_call' && (
        <Field {...bindField(form, 'per_call')} inputMode="decimal" label={t('prices.perCall')} hint={t('prices.creditsHint')} autoComplete="off" />
      )}
      {mode !== 'free' && (
        <div className="grid-2">
          <label className="check">
            <input type="checkbox" checked={webFree} onChange={(e) => setWebFree(e.target.checked)} data-testid="field-web_free" />
            {t('prices.webFree')}
          </label>
          {webFree && (
            <Field
              {...bindField(form, 'web_free_daily_cap')}
              type="number"
              inputMode="numeric"
              min={0}
              label={t('prices.webFreeCap')}
              optional
              hint={t('prices.webFreeCapHint')}
            />
          )}
        </div>
      )}
      <Field
        {...bindField(form, 'max_output_tokens')}
        type="number"
        inputMode="numeric"
        min={0}
        label={t('prices.maxOutput')}
        optional
        hint={t('prices.maxOutputHint')}
      />
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <FormActions testIdPrefix="price" busy={busy} saveLabel={t('common.save')} onCancel={onCancel} />
    </form>
  );
}
