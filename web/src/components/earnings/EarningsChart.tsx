// Earnings per day, stacked by stream (direct, subscription pool, pack pool): plain SVG rects like
// the wallet's spend chart (the same classes and frame), with a hidden table for screen readers.
import { useI18n, type MessageKey } from '../../i18n';
import { earningStreams, type EarningsChartData, type EarningStream } from '../../lib/earnings';
import { formatCredits } from '../../lib/money';
import { Credits } from '../billing/Credits';

const barWidth = 10;
const chartHeight = 100;

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
          <div className="chart-frame">
            <span className="chart-max muted small">{formatCredits(chart.max)}</span>
            <svg className="chart" viewBox={`0 0 ${chart.bars.length * barWidth} ${chartHeight}`} preserveAspectRatio="none" aria-hidden="true">
              {chart.bars.map((bar, i) => {
                let y = chartHeight;
                return (
                  <g key={bar.day} data-testid="earnings-bar" data-day={bar.day} data-total={bar.total}>
                    <title>
                      {`${bar.day}: ${formatCredits(bar.total)}` +
                        bar.parts.map((p) => ` · ${t(streamLabel[p.stream])} ${formatCredits(p.amount)}`).join('')}
                    </title>
                    <rect className="chart-slot" x={i * barWidth} y={0} width={barWidth} height={chartHeight} />
                    {bar.parts.map((p) => {
                      const h = (Math.max(0, p.amount) / chart.max) * chartHeight;
                      y -= h;
                      return (
                        <rect
                          key={p.stream}
                          className={seriesClass(p.stream)}
                          data-stream={p.stream}
                          data-uc={p.amount}
                          x={i * barWidth + 1}
                          y={y}
                          width={barWidth - 2}
                          height={h}
                        />
                      );
                    })}
                  </g>
                );
              })}
            </svg>
            <div className="chart-axis muted small">
              <span>{from}</span>
              <span>{to}</span>
            </div>
          </div>
          <ul className="legend" data-testid="earnings-legend">
            {earningStreams.map((s) => (
              <li key={s} data-testid="earnings-series" data-stream={s}>
                <span className={`swatch ${seriesClass(s)}`} aria-hidden="true" />
                <span>{t(streamLabel[s])}</span> <Credits uc={chart.totals[s]} testId={`earnings-series-${s}`} />
              </li>
            ))}
          </ul>
          {/* A table is as wide as its content whatever its own width: a clipped box holds it. */}
          <div className="sr-only">
            <table>
              <caption>{t('earnings.chartTitle')}</caption>
              <tbody>
                {chart.bars
                  .filter((b) => b.total !== 0)
                  .map((b) => (
                    <tr key={b.day}>
                      <th scope="row">{b.day}</th>
                      <td>
                        <Credits uc={b.total} />
                      </td>
                      <td>{b.parts.map((p) => `${t(streamLabel[p.stream])}: ${formatCredits(p.amount)}`).join(', ')}</td>
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
