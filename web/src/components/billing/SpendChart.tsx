// Spend per day and model as stacked SVG bars: drawn from plain rects so it needs no chart
// library, and stretched to the card's width (the bars are all that gets stretched; labels
// are HTML around it). A hidden table says the same for screen readers.
import { useCallback } from 'react';
import { useI18n } from '../../i18n';
import { billingApi } from '../../lib/billing';
import { formatCredits } from '../../lib/money';
import { otherSeries, spendChart } from '../../lib/spendChart';
import { useLoader } from '../../lib/useLoader';
import { Credits } from './Credits';
import { LoadState } from './LoadState';

const barWidth = 10;
const chartHeight = 100;

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
          <div className="chart-frame">
            <span className="chart-max muted small">{formatCredits(chart.max)}</span>
            <svg
              className="chart"
              viewBox={`0 0 ${chart.bars.length * barWidth} ${chartHeight}`}
              preserveAspectRatio="none"
              aria-hidden="true"
            >
              {chart.bars.map((bar, i) => {
                let y = chartHeight;
                return (
                  <g key={bar.day} data-testid="spend-bar" data-day={bar.day} data-total={bar.total}>
                    <title>{t('wallet.chartBarTitle', { day: bar.day, amount: formatCredits(bar.total), calls: bar.calls })}</title>
                    <rect className="chart-slot" x={i * barWidth} y={0} width={barWidth} height={chartHeight} />
                    {bar.parts.map((p) => {
                      const h = (p.cost / chart.max) * chartHeight;
                      y -= h;
                      return <rect key={p.series} className={seriesClass(p.series)} x={i * barWidth + 1} y={y} width={barWidth - 2} height={h} />;
                    })}
                  </g>
                );
              })}
            </svg>
            <div className="chart-axis muted small">
              <span>{chart.bars[0]?.day}</span>
              <span>{chart.bars[chart.bars.length - 1]?.day}</span>
            </div>
          </div>
          <ul className="legend" data-testid="spend-legend">
            {chart.series.map((s) => (
              <li key={s || 'other'} data-testid="spend-series" data-model={s}>
                <span className={`swatch ${seriesClass(s)}`} aria-hidden="true" />
                <span className="mono">{seriesName(s)}</span>
              </li>
            ))}
          </ul>
          {/* A table is as wide as its content whatever its own width: a clipped box holds it. */}
          <div className="sr-only">
            <table>
              <caption>{t('wallet.chartTitle')}</caption>
              <tbody>
                {chart.bars
                  .filter((b) => b.total > 0)
                  .map((b) => (
                    <tr key={b.day}>
                      <th scope="row">{b.day}</th>
                      <td>
                        <Credits uc={b.total} />
                      </td>
                      <td>{b.parts.map((p) => `${seriesName(p.series)}: ${formatCredits(p.cost)}`).join(', ')}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
