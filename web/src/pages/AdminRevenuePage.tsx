// Admin › Revenue: per day, what paid credits were spent on (calls, plans, count packs, app
// surcharges and unlocks: the income; of the app charges the creators' share is owed to them),
// calls paid from gift credits (given away), paid credits exchanged for credit packs and paid credits
// created from creators' earnings (neither is income: those credits are counted when spent), and
// the spend per model; then the paid credits bought with money (top-ups); totals underneath.
import { useCallback, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { Alert } from '../components/Field';
import { TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { billingApi } from '../lib/billing';
import { isDay, lastDays } from '../lib/days';
import { revenueTotals, type ModelTotal } from '../lib/revenue';
import { useLoader } from '../lib/useLoader';

function ModelSpend({ models }: { models: Pick<ModelTotal, 'model' | 'calls' | 'cost'>[] }) {
  const { t } = useI18n();
  if (models.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="plain-list tight">
      {models.map((m) => (
        <li key={m.model} data-testid="revenue-model" data-model={m.model} data-cost={m.cost}>
          <span className="mono">{m.model}</span> <Credits uc={m.cost} /> <span className="muted small">{m.calls === 1 ? t('revenue.callsOne') : t('revenue.calls', { count: m.calls })}</span>
        </li>
      ))}
    </ul>
  );
}

export function AdminRevenuePage() {
  useTitle('revenue.title');
  const { t } = useI18n();
  const [range, setRange] = useState(() => lastDays(30));
  const [draft, setDraft] = useState(range);
  const [rangeError, setRangeError] = useState<string | null>(null);
  const { data, error, reload } = useLoader(useCallback(() => billingApi.revenue(range.from, range.to).then((r) => r.days), [range]));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (!isDay(draft.from) || !isDay(draft.to)) return setRangeError(t('validate.day'));
    if (draft.to < draft.from) return setRangeError(t('validate.dayOrder'));
    setRangeError(null);
    setRange({ ...draft });
  };

  const days = data ? [...data].sort((a, b) => b.day.localeCompare(a.day)) : undefined;
  const totals = days ? revenueTotals(days) : undefined;
  const columns = [
    t('revenue.day'),
    t('revenue.usagePaidIncome'),
    t('revenue.usageGiftGiven'),
    t('revenue.planSalesPaid'),
    t('revenue.countPackSales'),
    t('revenue.creditPacks'),
    t('revenue.appSurcharges'),
    t('revenue.appUnlocks'),
    t('revenue.earningsConverted'),
    t('revenue.topUps'),
    t('revenue.byModel'),
  ];

  return (
    <section className="page wide" data-testid="admin-revenue-page">
      <AdminTabs />
      <header className="page-header">
        <h1>{t('revenue.title')}</h1>
        <p className="muted">{t('revenue.subtitleApps')}</p>
      </header>

      <form className="card filters" onSubmit={apply} noValidate data-testid="revenue-range">
        <div className="field">
          <label htmlFor="f-revenue-from">{t('wallet.from')}</label>
          <input id="f-revenue-from" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} data-testid="field-revenue-from" />
        </div>
        <div className="field">
          <label htmlFor="f-revenue-to">{t('wallet.to')}</label>
          <input id="f-revenue-to" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} data-testid="field-revenue-to" />
        </div>
        <div className="filter-actions">
          <button type="submit" className="button primary" data-testid="revenue-apply">
            {t('wallet.applyFilters')}
          </button>
        </div>
      </form>
      {rangeError && (
        <Alert kind="error" testId="revenue-range-error" onDismiss={() => setRangeError(null)}>
          {rangeError}
        </Alert>
      )}

      <div className="card flush">
        <LoadState error={error} loading={!data} testId="revenue-load" onRetry={reload} />
        {days && days.length === 0 && (
          <p className="empty" data-testid="revenue-empty">
            {t('revenue.empty')}
          </p>
        )}
        {days && totals && days.length > 0 && (
          <table className="table responsive" data-testid="revenue-table">
            <TableHead columns={columns} />
            <tbody>
              {days.map((d) => (
                <tr key={d.day} data-testid="revenue-row" data-day={d.day}>
                  <td data-label={columns[0]} className="strong">
                    {d.day}
                  </td>
                  <td data-label={columns[1]}>
                    <Credits uc={d.usage_paid} testId="revenue-usage-paid" />
                  </td>
                  <td data-label={columns[2]}>
                    <Credits uc={d.usage_gift} testId="revenue-usage-gift" />
                  </td>
                  <td data-label={columns[3]}>
                    <Credits uc={d.plan_sales} testId="revenue-plan-sales" />
                  </td>
                  <td data-label={columns[4]}>
                    <Credits uc={d.pack_sales} testId="revenue-pack-sales" />
                  </td>
                  <td data-label={columns[5]}>
                    <Credits uc={d.credit_packs} testId="revenue-credit-packs" />
                  </td>
                  <td data-label={columns[6]}>
                    <Credits uc={d.app_surcharges ?? 0} testId="revenue-app-surcharges" />
                  </td>
                  <td data-label={columns[7]}>
                    <Credits uc={d.app_unlocks ?? 0} testId="revenue-app-unlocks" />
                  </td>
                  <td data-label={columns[8]}>
                    <Credits uc={d.earnings_converted ?? 0} testId="revenue-earnings-converted" />
                  </td>
                  <td data-label={columns[9]}>
                    <Credits uc={d.top_ups ?? 0} testId="revenue-top-ups" />
                  </td>
                  <td data-label={columns[10]}>
                    <ModelSpend models={d.by_model} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="revenue-totals">
                <td data-label={columns[0]} className="strong">
                  {t('revenue.total')}
                </td>
                <td data-label={columns[1]}>
                  <Credits uc={totals.usage_paid} testId="revenue-total-usage-paid" />
                </td>
                <td data-label={columns[2]}>
                  <Credits uc={totals.usage_gift} />
                </td>
                <td data-label={columns[3]}>
                  <Credits uc={totals.plan_sales} testId="revenue-total-plan-sales" />
                </td>
                <td data-label={columns[4]}>
                  <Credits uc={totals.pack_sales} />
                </td>
                <td data-label={columns[5]}>
                  <Credits uc={totals.credit_packs} />
                </td>
                <td data-label={columns[6]}>
                  <Credits uc={totals.app_surcharges} />
                </td>
                <td data-label={columns[7]}>
                  <Credits uc={totals.app_unlocks} />
                </td>
                <td data-label={columns[8]}>
                  <Credits uc={totals.earnings_converted} />
                </td>
                <td data-label={columns[9]}>
                  <Credits uc={totals.top_ups} testId="revenue-total-top-ups" />
                </td>
                <td data-label={columns[10]}>
                  <ModelSpend models={totals.by_model} />
                </td>
              </tr>
            </tfoot>
          </table>
        )}
      </div>
    </section>
  );
}
