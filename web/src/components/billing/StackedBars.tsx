// The pieces of a per-day stacked bar chart shared by the wallet's spend chart and the earnings
// chart: the bars as plain SVG rects (no chart library; only the bars are stretched to the card's
// width, the labels are HTML around them), and the hidden table that says the same for screen readers.
import { formatCredits } from '../../lib/money';
import { Credits } from './Credits';

const barWidth = 10;
const chartHeight = 100;

export interface BarPart {
  key: string;
  /** The part's height, in the chart's units (`max` is the full height). */
  value: number;
  className: string;
  /** Extra attributes on the part's rect (data-*). */
  attrs?: Record<string, string | number>;
}

export interface Bar {
  day: string;
  total: number;
  title: string;
  parts: BarPart[];
}

/** The bars (parts stacked from the bottom), the top value and the first and last day under them. */
export function StackedBars({ bars, max, testId }: { bars: Bar[]; max: number; testId: string }) {
  return (
    <div className="chart-frame">
      <span className="chart-max muted small">{formatCredits(max)}</span>
      <svg className="chart" viewBox={`0 0 ${bars.length * barWidth} ${chartHeight}`} preserveAspectRatio="none" aria-hidden="true">
        {bars.map((bar, i) => {
          let y = chartHeight;
          return (
            <g key={bar.day} data-testid={testId} data-day={bar.day} data-total={bar.total}>
              <title>{bar.title}</title>
              <rect className="chart-slot" x={i * barWidth} y={0} width={barWidth} height={chartHeight} />
              {bar.parts.map((p) => {
                const h = (p.value / max) * chartHeight;
                y -= h;
                return <rect key={p.key} className={p.className} {...p.attrs} x={i * barWidth + 1} y={y} width={barWidth - 2} height={h} />;
              })}
            </g>
          );
        })}
      </svg>
      <div className="chart-axis muted small">
        <span>{bars[0]?.day}</span>
        <span>{bars[bars.length - 1]?.day}</span>
      </div>
    </div>
  );
}

/** The chart as a table for screen readers: a row per day with its total and its parts in words. */
export function ChartTable({ caption, rows }: { caption: string; rows: { day: string; total: number; parts: string }[] }) {
  return (
    // A table is as wide as its content whatever its own width: a clipped box holds it.
    <div className="sr-only">
      <table>
        <caption>{caption}</caption>
        <tbody>
          {rows.map((r) => (
            <tr key={r.day}>
              <th scope="row">{r.day}</th>
              <td>
                <Credits uc={r.total} />
              </td>
              <td>{r.parts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
