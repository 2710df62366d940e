// Create or edit a pack: a count pack (so many calls of some models) or a credit pack (so many
// credits), its price and how long it stays valid after purchase.
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { billingApi, type AdminPack, type PackKind } from '../../lib/billing';
import { formatCredits, parseCredits } from '../../lib/money';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { parseModelList, validateCredits, validateInt, validateModelList } from '../../lib/validation';
import { Alert, bindField, Field, FormActions, SelectField } from '../Field';

type K = 'name' | 'kind' | 'price' | 'calls' | 'credits' | 'models' | 'valid_days' | 'per_user_limit';
type V = Record<K, string>;
const validators: Partial<Record<K, Validator<V>>> = {
  name: (v) => (!v.name.trim() ? 'validate.required' : v.name.trim().length > 64 ? 'validate.nameLength' : null),
  // A free credit pack would mint paid credits: free credits are gift credits or redeem codes.
  price: (v) =>
    validateCredits(v.price, { required: true }) ?? (v.kind === 'credit' && parseCredits(v.price) === 0 ? 'packs.creditPackPrice' : null),
  calls: (v) => (v.kind === 'count' ? validateInt(v.calls, 1, 1_000_000_000, true) : null),
  credits: (v) => (v.kind === 'credit' ? validateCredits(v.credits, { required: true, positive: true }) : null),
  models: (v) => (v.kind === 'count' ? validateModelList(v.models) : null),
  valid_days: (v) => validateInt(v.valid_days, 0, 36_500),
  // Empty: no limit (0 would be a pack nobody can buy: take it off sale instead).
  per_user_limit: (v) => validateInt(v.per_user_limit, 1, 1_000_000),
};

export function PackForm({ pack, onSaved, onCancel }: { pack: AdminPack | null; onSaved: (name: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const form = useForm<K>(
    {
      name: pack?.name ?? '',
      kind: pack?.kind ?? 'count',
      price: pack ? formatCredits(pack.price) : '',
      calls: pack?.calls ? String(pack.calls) : '',
      credits: pack?.credits ? formatCredits(pack.credits) : '',
      models: pack?.models.join(', ') ?? '',
      valid_days: pack?.valid_days ? String(pack.valid_days) : '',
      per_user_limit: pack?.per_user_limit != null ? String(pack.per_user_limit) : '',
    },
    validators,
  );
  const [enabled, setEnabled] = useState(pack?.enabled ?? true);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById('f-name')?.focus();
  }, []);

  const { busy, error, submit } = useSubmit(form, async () => {
    const v = form.values;
    const kind = v.kind as PackKind;
    const body = {
      name: v.name.trim(),
      kind,
      price: parseCredits(v.price) ?? 0,
      calls: kind === 'count' ? Number(v.calls.trim()) : 0,
      credits: kind === 'credit' ? (parseCredits(v.credits) ?? 0) : 0,
      models: kind === 'count' ? parseModelList(v.models) : [],
      valid_days: v.valid_days.trim() ? Number(v.valid_days.trim()) : 0,
      enabled,
      per_user_limit: v.per_user_limit.trim() ? Number(v.per_user_limit.trim()) : null,
    };
    if (pack) await billingApi.updatePack(pack.id, body);
    else await billingApi.createPack(body);
    onSaved(body.name);
  });

  const kind = form.values.kind as PackKind;
  return (
    <form ref={ref} className="card" onSubmit={submit} noValidate data-testid="pack-form">
      <h2>{pack ? t('packs.editTitle', { name: pack.name }) : t('packs.addTitle')}</h2>
      <div className="grid-2">
        <Field {...bindField(form, 'name')} label={t('packs.name')} maxLength={64} autoComplete="off" />
        <SelectField {...bindField(form, 'kind')} label={t('packs.kind')}>
          <option value="count">{t('packs.kindCount')}</option>
          <option value="credit">{t('packs.kindCredit')}</option>
        </SelectField>
        <Field {...bindField(form, 'price')} inputMode="decimal" label={t('billing.price')} hint={t('prices.creditsHint')} autoComplete="off" />
        {kind === 'count' ? (
          <Field {...bindField(form, 'calls')} type="number" inputMode="numeric" min={1} label={t('packs.calls')} />
        ) : (
          <Field {...bindField(form, 'credits')} inputMode="decimal" label={t('packs.credits')} hint={t('packs.creditsHint')} autoComplete="off" />
        )}
        {kind === 'count' && (
          <Field
            {...bindField(form, 'models')}
            label={t('packs.models')}
            optional
            hint={t('packs.modelsHint')}
            autoComplete="off"
            spellCheck={false}
          />
        )}
        <Field
          {...bindField(form, 'valid_days')}
          type="number"
          inputMode="numeric"
          min={0}
          label={t('packs.validDays')}
          optional
          hint={t('packs.validDaysHint')}
        />
        <Field
          {...bindField(form, 'per_user_limit')}
          type="number"
          inputMode="numeric"
          min={1}
          label={t('packs.perUserLimit')}
          optional
          hint={t('packs.perUserLimitHint')}
        />
      </div>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="field-enabled" />
        {t('packs.enabledLabel')}
      </label>
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <FormActions testIdPrefix="pack" busy={busy} saveLabel={t('common.save')} onCancel={onCancel} />
    </form>
  );
}
