// Filters that the usage lists share (a user's usage, the operator's request log): where calls came
// from, the days, and Apply / Reset.
import { useI18n } from '../i18n';
import type { FormFields } from '../lib/useForm';
import { bindField, Field, SelectField } from './Field';

/** The surface: web, API or both. */
export function SurfaceSelect<K extends string>({ form }: { form: FormFields<K | 'surface'> }) {
  const { t } = useI18n();
  return (
    <SelectField {...bindField(form, 'surface')} label={t('wallet.surface')}>
      <option value="">{t('wallet.allSurfaces')}</option>
      <option value="web">{t('wallet.surfaceWeb')}</option>
      <option value="api">{t('wallet.surfaceApi')}</option>
    </SelectField>
  );
}

/** From and to, both optional days (see dayRangeValidators). */
export function DayRangeFields<K extends string>({ form }: { form: FormFields<K | 'from' | 'to'> }) {
  const { t } = useI18n();
  return (
    <>
      <Field {...bindField(form, 'from')} type="date" label={t('wallet.from')} optional />
      <Field {...bindField(form, 'to')} type="date" label={t('wallet.to')} optional />
    </>
  );
}

/** Apply (the form's submit) and Reset; test ids `<prefix>-apply` and `<prefix>-reset`. */
export function FilterActions({ busy, onReset, testIdPrefix }: { busy: boolean; onReset: () => void; testIdPrefix: string }) {
  const { t } = useI18n();
  return (
    <div className="filter-actions">
      <button type="submit" className="button primary" disabled={busy} data-testid={`${testIdPrefix}-apply`}>
        {t('wallet.applyFilters')}
      </button>
      <button type="button" className="button secondary" onClick={onReset} data-testid={`${testIdPrefix}-reset`}>
        {t('wallet.resetFilters')}
      </button>
    </div>
  );
}
