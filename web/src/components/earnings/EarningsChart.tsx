// Earnings per day, stacked by stream (direct, subscription pool, pack pool): the same bars and
// frame as the wallet's spend chart (StackedBars), with a hidden table for screen readers.
import { useI18n, type MessageKey } from '../../i18n';
import { earningStreams, type EarningsChartData, type EarningStream } from '../../lib/earnings';
import { formatCredits } from '../../lib/money';
import { Credits } from '../billing/Credits';
import { ChartTable, StackedBars } from '../billing/StackedBars';

export const streamLabel: Record<EarningStream, MessageKey> = {
  direct: 'earnings.streamDirect',
  subscription: 'earnings.streamSubscription',
  pack: 'earnings.streamPack',
};

const seriesClass = (s: EarningStream) => `series-${earningStreams.indexOf(s)}`;

export function EarningsChart({ chart }: { chart: EarningsChartData }) {
  const { t } = useI18n();
  const from = chart.bars[0]?.day ?? '';
  const to = chart.bars[chart.bars.length - 1]?.day ?? '';
  return (
    <div className="card" data-testid="earnings-chart">
      <div className="row spread wrap">
        <h2>{t('earnings.chartTitle')}</h2>
        <span className="muted small" data-testid="earnings-chart-total" data-uc={chart.total}>
          {t('earnings.chartTotal', { amount: formatCredits(chart.total), from, to })}
        </span>
      </div>
      {chart.total === 0 ? (
        <p className="empty" data-testid="earnings-chart-empty">
          {t('earnings.chartEmpty')}
        </p>
      ) : (
        <>
          <StackedBars
            bars={chart.bars.map((bar) => ({
              day: bar.day,
              total: bar.total,
              title: `${bar.day}: ${formatCredits(bar.total)}` + bar.parts.map((p) => ` · ${t(streamLabel[p.stream])} ${formatCredits(p.amount)}`).join(''),
              parts: bar.parts.map((p) => ({
                key: p.stream,
                value: Math.max(0, p.amount),
                className: seriesClass(p.stream),
                attrs: { 'data-stream': p.stream, 'data-uc': p.amount },
              })),
            }))}
            max={chart.max}
            testId="earnings-bar"
          />
          <ul className="legend" data-testid="earnings-legend">
            {earningStreams.map((s) => (
              <li key={s} data-testid="earnings-series" data-stream={s}>
                <span className={`swatch ${seriesClass(s)}`} aria-hidden="true" />
                <span>{t(streamLabel[s])}</span> <Credits uc={chart.totals[s]} testId={`earnings-series-${s}`} />
              </li>
            ))}
          </ul>
          <ChartTable
            caption={t('earnings.chartTitle')}
            rows={chart.bars
              .filter((b) => b.total !== 0)
              .map((b) => ({ day: b.day, total: b.total, parts: b.parts.map((p) => `${t(streamLabel[p.stream])}: ${formatCredits(p.amount)}`).join(', ') }))}
          />
        </>
      )}
    </div>
  );
}
