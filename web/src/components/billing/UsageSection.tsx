// Usage history: filters (days, model, key, surface) that also set the spend chart's range, the
// matching rows page by page, and a CSV download of them.
import { useCallback, useState } from 'react';
import { useI18n } from '../../i18n';
import type { ApiKey, Id } from '../../lib/api';
import { billingApi, noUsageFilters, usageCsvUrl, type UsageFilters, type UsageRow } from '../../lib/billing';
import { dayRangeValidators, lastDays } from '../../lib/days';
import { statusLabel } from '../../lib/labels';
import { formatCredits } from '../../lib/money';
import { usePaged } from '../../lib/usePaged';
import { useForm } from '../../lib/useForm';
import { useSubmit } from '../../lib/useSubmit';
import { bindField, Field, SelectField } from '../Field';
import { TableHead } from '../Table';
import { DayRangeFields, FilterActions, SurfaceSelect } from '../UsageFilterFields';
import { Credits } from './Credits';
import { LoadState, MoreButton } from './LoadState';
import { SpendChart } from './SpendChart';

const pageSize = 50;
const chartDays = 14;

type K = keyof UsageFilters;
const validators = dayRangeValidators<K>();

/** The chart's range: the filter's days, or the last two weeks around whichever end is set. */
function chartRange(f: UsageFilters): { from: string; to: string } {
  if (f.from && f.to) return { from: f.from, to: f.to };
  if (f.to) return lastDays(chartDays, f.to);
  const r = lastDays(chartDays);
  return f.from ? { from: f.from, to: f.from > r.to ? f.from : r.to } : r;
}

/** Which of plan allowance, count pack, paid and gift credits paid for a call. */
function CoveredBy({ row }: { row: UsageRow }) {
  const { t } = useI18n();
  const parts = [
    { key: 'allowance', uc: row.allowance_uc, label: t('wallet.fromSubscription') },
    { key: 'count_pack', uc: row.count_pack_uc, label: t('wallet.fromCountPack') },
    { key: 'paid', uc: row.paid_uc, label: t('wallet.paid') },
    { key: 'gift', uc: row.gift_uc, label: t('wallet.gift') },
  ].filter((p) => p.uc !== 0);
  if (parts.length === 0) return <span className="muted">{t('wallet.free')}</span>;
  return (
    <span className="chips">
      {parts.map((p) => (
        <span key={p.key} className="chip" data-testid={`usage-${p.key}`} data-uc={p.uc}>
          {p.label} <Credits uc={p.uc} />
        </span>
      ))}
    </span>
  );
}

export function UsageSection({ version, keys, models }: { version: number; keys: ApiKey[]; models: string[] }) {
  const { t, formatDate } = useI18n();
  const [applied, setApplied] = useState<UsageFilters>(noUsageFilters);
  const form = useForm<K>({ ...noUsageFilters }, validators);
  const { busy, submit } = useSubmit(form, async () => setApplied({ ...(form.values as UsageFilters) }));

  const fetchPage = useCallback(
    (before: Id | null) => billingApi.usage(applied, pageSize, before).then((r) => r.usage),
    // `version` is not used inside: a new value re-reads after the wallet changed.
    [applied, version],
  );
  const { rows, error, loading, more, loadMore, reload } = usePaged(fetchPage, pageSize);
  const keyName = (id: Id | null) => keys.find((k) => String(k.id) === String(id))?.name ?? `#${id}`;
  const range = chartRange(applied);

  const reset = () => {
    form.reset({ ...noUsageFilters });
    setApplied(noUsageFilters);
  };

  return (
    <>
      <SpendChart from={range.from} to={range.to} version={version} />
      <div className="card" data-testid="usage">
        <div className="row spread wrap">
          <h2>{t('wallet.usageTitle')}</h2>
          <a className="button secondary small" href={usageCsvUrl(applied)} download="usage.csv" data-testid="usage-csv">
            {t('wallet.exportCsv')}
          </a>
        </div>
        <form className="filters" onSubmit={submit} noValidate data-testid="usage-filters">
          <DayRangeFields form={form} />
          <Field
            {...bindField(form, 'model')}
            label={t('billing.model')}
            optional
            list="usage-models"
            autoComplete="off"
            spellCheck={false}
          />
          <datalist id="usage-models">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          <SelectField {...bindField(form, 'key_id')} label={t('wallet.key')}>
            <option value="">{t('wallet.allKeys')}</option>
            {keys.map((k) => (
              <option key={k.id} value={String(k.id)}>
                {k.name}
              </option>
            ))}
          </SelectField>
          <SurfaceSelect form={form} />
          <FilterActions busy={busy} onReset={reset} testIdPrefix="usage" />
        </form>
        <LoadState error={error} loading={rows === undefined && loading} testId="usage" onRetry={reload} />
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="usage-empty">
            {t('wallet.noUsage')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="usage-table">
            <TableHead
              columns={[
                t('billing.time'),
                t('billing.model'),
                t('wallet.surface'),
                t('wallet.tokens'),
                t('wallet.cost'),
                t('wallet.coveredBy'),
                t('wallet.status'),
              ]}
            />
            <tbody>
              {rows.map((u) => (
                <tr
                  key={u.id}
                  data-testid="usage-row"
                  data-model={u.model}
                  data-surface={u.surface}
                  data-cost={u.cost}
                  data-status={u.status}
                  className={u.status === 'ok' ? '' : 'dim'}
                >
                  <td data-label={t('billing.time')}>{formatDate(u.created_at, true)}</td>
                  <td data-label={t('billing.model')} className="mono">
                    {u.model}
                  </td>
                  <td data-label={t('wallet.surface')}>
                    {u.surface === 'api' ? `${t('wallet.surfaceApi')} · ${keyName(u.api_key_id)}` : t('wallet.surfaceWeb')}
                  </td>
                  <td data-label={t('wallet.tokens')}>{t('wallet.tokensInOut', { prompt: u.prompt_tokens, completion: u.completion_tokens })}</td>
                  <td data-label={t('wallet.cost')} className="num">
                    <Credits uc={u.cost} testId="usage-cost" />
                    {!!u.surcharge && (
                      <span className="muted small cost-note" data-testid="usage-surcharge" data-uc={u.surcharge}>
                        {t('wallet.appSurcharge', { amount: formatCredits(u.surcharge) })}
                      </span>
                    )}
                  </td>
                  <td data-label={t('wallet.coveredBy')}>
                    <CoveredBy row={u} />
                  </td>
                  <td data-label={t('wallet.status')}>{statusLabel(u.status, t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <MoreButton show={more} loading={loading} testId="usage-more" onClick={loadMore} />
      </div>
    </>
  );
}
