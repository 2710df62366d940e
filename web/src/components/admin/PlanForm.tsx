// Create or edit a subscription plan: name, level (higher levels are upgrades), period, price
// in credits, the daily allowances per model, and whether people can buy it.
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { blankAllowance, checkDrafts, draftsOf, type AllowanceDraft } from '../../lib/allowances';
import { billingApi, periodChoices, type AdminPlan } from '../../lib/billing';
import { formatCredits, parseCredits } from '../../lib/money';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { validateCredits, validateInt } from '../../lib/validation';
import { Alert, bindField, Field, FormActions, SelectField } from '../Field';
import { AllowancesEditor } from './AllowancesEditor';

type K = 'name' | 'level' | 'period_days' | 'price';
type V = Record<K, string>;
const validators: Partial<Record<K, Validator<V>>> = {
  name: (v) => (!v.name.trim() ? 'validate.required' : v.name.trim().length > 64 ? 'validate.nameLength' : null),
  level: (v) => validateInt(v.level, 0, 1000, true),
  price: (v) => validateCredits(v.price, { required: true }),
};

export function PlanForm({
  plan,
  models,
  onSaved,
  onCancel,
}: {
  plan: AdminPlan | null;
  models: string[];
  onSaved: (name: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const form = useForm<K>(
    {
      name: plan?.name ?? '',
      level: plan ? String(plan.level) : '1',
      period_days: String(plan?.period_days ?? 30),
      price: plan ? formatCredits(plan.price) : '',
    },
    validators,
  );
  const [drafts, setDrafts] = useState<AllowanceDraft[]>(() => (plan ? draftsOf(plan.allowances) : [blankAllowance()]));
  const [enabled, setEnabled] = useState(plan?.enabled ?? true);
  const [allowanceError, setAllowanceError] = useState<{ text: string; row: number } | null>(null);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById('f-name')?.focus();
  }, []);

  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const checked = checkDrafts(drafts);
      if ('error' in checked) {
        setAllowanceError({ text: checked.error ? t(checked.error) : '', row: checked.row });
        return;
      }
      const v = form.values;
      const body = {
        name: v.name.trim(),
        level: Number(v.level.trim()),
        period_days: Number(v.period_days),
        price: parseCredits(v.price) ?? 0,
        allowances: checked.allowances,
        enabled,
      };
      if (plan) await billingApi.updatePlan(plan.id, body);
      else await billingApi.createPlan(body);
      onSaved(body.name);
    },
    { onStart: () => setAllowanceError(null) },
  );

  return (
    <form ref={ref} className="card" onSubmit={submit} noValidate data-testid="plan-form">
      <h2>{plan ? t('plans.editTitle', { name: plan.name }) : t('plans.addTitle')}</h2>
      <div className="grid-2">
        <Field {...bindField(form, 'name')} label={t('plans.name')} maxLength={64} autoComplete="off" />
        <Field {...bindField(form, 'level')} type="number" inputMode="numeric" min={0} label={t('plans.level')} hint={t('plans.levelHint')} />
        <SelectField {...bindField(form, 'period_days')} label={t('plans.period')}>
          {periodChoices.map((d) => (
            <option key={d} value={String(d)}>
              {t('plans.days', { days: d })}
            </option>
          ))}
        </SelectField>
        <Field {...bindField(form, 'price')} inputMode="decimal" label={t('billing.price')} hint={t('prices.creditsHint')} autoComplete="off" />
      </div>
      <AllowancesEditor
        drafts={drafts}
        models={models}
        error={allowanceError?.text}
        errorRow={allowanceError?.row}
        onChange={(d) => {
          setDrafts(d);
          setAllowanceError(null);
        }}
      />
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="field-enabled" />
        {t('plans.enabledLabel')}
      </label>
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <FormActions testIdPrefix="plan" busy={busy} saveLabel={t('common.save')} onCancel={onCancel} />
    </form>
  );
}
