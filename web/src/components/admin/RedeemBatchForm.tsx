// Generates a batch of redeem codes: paid or gift credits, a count pack, or days of a plan.
import { useEffect, useRef } from 'react';
import { useI18n } from '../../i18n';
import type { Id } from '../../lib/api';
import { billingApi, type AdminPack, type AdminPlan, type NewRedeemBatch, type RedeemBatch, type RedeemKind } from '../../lib/billing';
import { localDay } from '../../lib/days';
import { parseCredits } from '../../lib/money';
import { useForm, type Validator } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { expiryFromDateInput, validateCredits, validateExpiry, validateInt } from '../../lib/validation';
import { Alert, bindField, Field, FormActions, SelectField } from '../Field';

type K = 'name' | 'kind' | 'amount' | 'pack_id' | 'plan_id' | 'count' | 'expires';
type V = Record<K, string>;
const isCredits = (k: string) => k === 'paid' || k === 'gift';
const validators: Partial<Record<K, Validator<V>>> = {
  name: (v) => (!v.name.trim() ? 'validate.required' : v.name.trim().length > 64 ? 'validate.nameLength' : null),
  amount: (v) =>
    isCredits(v.kind)
      ? validateCredits(v.amount, { required: true, positive: true })
      : v.kind === 'plan_days'
        ? validateInt(v.amount, 1, 3650, true)
        : null,
  pack_id: (v) => (v.kind === 'count_pack' && !v.pack_id ? 'validate.required' : null),
  plan_id: (v) => (v.kind === 'plan_days' && !v.plan_id ? 'validate.required' : null),
  count: (v) => validateInt(v.count, 1, 10_000, true),
  expires: (v) => validateExpiry(v.expires, Math.floor(Date.now() / 1000)),
};

export function RedeemBatchForm({
  plans,
  packs,
  onCreated,
  onCancel,
}: {
  plans: AdminPlan[];
  packs: AdminPack[];
  onCreated: (batch: RedeemBatch, codes: string[]) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const form = useForm<K>({ name: '', kind: 'paid', amount: '', pack_id: '', plan_id: '', count: '10', expires: '' }, validators);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById('f-name')?.focus();
  }, []);

  const { busy, error, submit } = useSubmit(form, async () => {
    const v = form.values;
    const kind = v.kind as RedeemKind;
    const body: NewRedeemBatch = {
      name: v.name.trim(),
      kind,
      // µc for credits, days for plan days; a count pack's size comes from the pack.
      amount: isCredits(kind) ? (parseCredits(v.amount) ?? 0) : kind === 'plan_days' ? Number(v.amount.trim()) : 0,
      count: Number(v.count.trim()),
    };
    if (kind === 'count_pack') body.pack_id = v.pack_id as Id;
    if (kind === 'plan_days') body.plan_id = v.plan_id as Id;
    const expires = expiryFromDateInput(v.expires);
    if (expires !== null) body.expires_at = expires;
    const r = await billingApi.createRedeemBatch(body);
    onCreated(r.batch, r.codes);
  });

  const kind = form.values.kind as RedeemKind;
  const countPacks = packs.filter((p) => p.kind === 'count');
  return (
    <form ref={ref} className="card" onSubmit={submit} noValidate data-testid="batch-form">
      <h2>{t('redeem.addTitle')}</h2>
      <div className="grid-2">
        <Field {...bindField(form, 'name')} label={t('redeem.name')} placeholder={t('redeem.namePlaceholder')} maxLength={64} autoComplete="off" />
        <SelectField {...bindField(form, 'kind')} label={t('redeem.kind')}>
          <option value="paid">{t('redeem.kindPaid')}</option>
          <option value="gift">{t('redeem.kindGift')}</option>
          <option value="count_pack">{t('redeem.kindPack')}</option>
          <option value="plan_days">{t('redeem.kindPlanDays')}</option>
        </SelectField>
        {isCredits(kind) && (
          <Field {...bindField(form, 'amount')} inputMode="decimal" label={t('redeem.amountCredits')} hint={t('prices.creditsHint')} autoComplete="off" />
        )}
        {kind === 'plan_days' && (
          <>
            <SelectField {...bindField(form, 'plan_id')} label={t('redeem.plan')}>
              <option value="">{t('redeem.choose')}</option>
              {plans.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name}
                </option>
              ))}
            </SelectField>
            <Field {...bindField(form, 'amount')} type="number" inputMode="numeric" min={1} label={t('redeem.amountDays')} />
          </>
        )}
        {kind === 'count_pack' && (
          <SelectField {...bindField(form, 'pack_id')} label={t('redeem.pack')} hint={countPacks.length ? undefined : t('redeem.noCountPacks')}>
            <option value="">{t('redeem.choose')}</option>
            {countPacks.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
              </option>
            ))}
          </SelectField>
        )}
        <Field {...bindField(form, 'count')} type="number" inputMode="numeric" min={1} max={10000} label={t('redeem.count')} />
        <Field {...bindField(form, 'expires')} type="date" min={localDay()} label={t('redeem.expires')} optional hint={t('redeem.expiresHint')} />
      </div>
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <FormActions testIdPrefix="batch" busy={busy} saveLabel={busy ? t('redeem.generating') : t('redeem.generate')} onCancel={onCancel} />
    </form>
  );
}
