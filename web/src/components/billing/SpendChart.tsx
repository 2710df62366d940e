// Spend per day and model as stacked bars (see StackedBars), with a hidden table for screen readers.
import { useCallback } from 'react';
import { useI18n } from '../../i18n';
import { billingApi } from '../../lib/billing';
import { formatCredits } from '../../lib/money';
import { otherSeries, spendChart } from '../../lib/spendChart';
import { useLoader } from '../../lib/useLoader';
import { LoadState } from './LoadState';
import { ChartTable, StackedBars } from './StackedBars';

export function SpendChart({ from, to, version }: { from: string; to: string; version: number }) {
  const { t } = useI18n();
  const load = useCallback(
    () => billingApi.dailySpend(from, to).then((r) => r.days),
    // `version` is not used inside: a new value re-reads after the wallet changed.
    [from, to, version],
  );
  const { data, error, reload } = useLoader(load);
  const chart = data ? spendChart(data, from, to) : undefined;
  const seriesName = (s: string) => (s === otherSeries ? t('wallet.otherModels') : s);
  const seriesClass = (s: string) => `series-${chart ? chart.series.indexOf(s) : 0}${s === otherSeries ? ' series-other' : ''}`;

  return (
    <div className="card" data-testid="spend-chart">
      <div className="row spread wrap">
        <h2>{t('wallet.chartTitle')}</h2>
        {chart && (
          <span className="muted small" data-testid="spend-total" data-uc={chart.total}>
            {t('wallet.chartTotal', { amount: formatCredits(chart.total), from, to })}
          </span>
        )}
      </div>
      <LoadState error={error} loading={!data} testId="spend-chart" onRetry={reload} />
      {chart && chart.total === 0 && (
        <p className="empty" data-testid="spend-chart-empty">
          {t('wallet.chartEmpty')}
        </p>
      )}
      {chart && chart.total > 0 && (
        <>
          <StackedBars
            bars={chart.bars.map((bar) => ({
              day: bar.day,
              total: bar.total,
              title: t('wallet.chartBarTitle', { day: bar.day, amount: formatCredits(bar.total), calls: bar.calls }),
              parts: bar.parts.map((p) => ({ key: p.series, value: p.cost, className: seriesClass(p.series) })),
            }))}
            max={chart.max}
            testId="spend-bar"
          />
          <ul className="legend" data-testid="spend-legend">
            {chart.series.map((s) => (
              <li key={s || 'other'} data-testid="spend-series" data-model={s}>
                <span className={`swatch ${seriesClass(s)}`} aria-hidden="true" />
                <span className="mono">{seriesName(s)}</span>
              </li>
            ))}
          </ul>
          <ChartTable
            caption={t('wallet.chartTitle')}
            rows={chart.bars
              .filter((b) => b.total > 0)
              .map((b) => ({ day: b.day, total: b.total, parts: b.parts.map((p) => `${seriesName(p.series)}: ${formatCredits(p.cost)}`).join(', ') }))}
          />
        </>
      )}
    </div>
  );
}
