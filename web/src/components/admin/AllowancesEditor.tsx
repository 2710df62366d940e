import { useI18n } from '../../i18n';
import { blankAllowance, type AllowanceDraft } from '../../lib/allowances';
import { SmallButton } from '../Table';

/** Rows of model → calls a day (or unlimited); `errorRow` marks the row a check refused. */
export function AllowancesEditor({
  drafts,
  models,
  error,
  errorRow,
  onChange,
}: {
  drafts: AllowanceDraft[];
  models: string[];
  error?: string;
  errorRow?: number;
  onChange: (drafts: AllowanceDraft[]) => void;
}) {
  const { t } = useI18n();
  const set = (i: number, patch: Partial<AllowanceDraft>) => onChange(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  return (
    <fieldset className="allowances-editor" data-testid="allowances-editor">
      <legend>{t('plans.allowances')}</legend>
      <p className="hint">{t('plans.allowancesHint')}</p>
      <datalist id="allowance-models">
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      {drafts.map((d, i) => (
        <div key={i} className={`allowance-edit${errorRow === i ? ' has-error' : ''}`} data-testid="allowance-edit-row">
          <input
            value={d.model}
            onChange={(e) => set(i, { model: e.target.value })}
            list="allowance-models"
            placeholder={t('billing.model')}
            aria-label={`${t('billing.model')} ${i + 1}`}
            aria-invalid={errorRow === i || undefined}
            className="mono"
            autoComplete="off"
            spellCheck={false}
            data-testid="allowance-model"
          />
          <input
            type="number"
            min={1}
            inputMode="numeric"
            value={d.unlimited ? '' : d.perDay}
            disabled={d.unlimited}
            onChange={(e) => set(i, { perDay: e.target.value })}
            placeholder={t('plans.callsPerDay')}
            aria-label={`${t('plans.callsPerDay')} ${i + 1}`}
            data-testid="allowance-per-day"
          />
          <label className="check">
            <input type="checkbox" checked={d.unlimited} onChange={(e) => set(i, { unlimited: e.target.checked })} data-testid="allowance-unlimited" />
            {t('billing.unlimited')}
          </label>
          <SmallButton kind="danger-ghost" onClick={() => onChange(drafts.filter((_, j) => j !== i))} aria-label={t('plans.removeAllowance')} data-testid="allowance-remove">
            ×
          </SmallButton>
        </div>
      ))}
      {error && (
        <p className="field-error" data-testid="error-allowances">
          {error}
        </p>
      )}
      <SmallButton kind="secondary" onClick={() => onChange([...drafts, blankAllowance()])} data-testid="allowance-add">
        {t('plans.addAllowance')}
      </SmallButton>
    </fieldset>
  );
}
