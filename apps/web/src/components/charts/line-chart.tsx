/**
 * A line (or area) chart over time in plain SVG: no chart library, so a page with charts costs a few kilobytes.
 * Missing values (null) break the line instead of dropping to zero. For people who cannot see it, the SVG has a
 * <title> and <desc>, and the same numbers are in a visually hidden table.
 */
import { useId } from 'react';
import './charts.css';

export interface ChartSeries {
  id: string;
  label: string;
  /** one value per x, null where nothing was measured */
  values: ReadonlyArray<number | null>;
  /** any CSS colour, usually a custom property such as `var(--brand)` */
  color: string;
  /** shade the area under the line */
  area?: boolean;
  dashed?: boolean;
}

export interface LineChartProps {
  title: string;
  /** one sentence saying what the chart shows, read by screen readers */
  description: string;
  /** the x of each point, in epoch milliseconds, oldest first */
  x: readonly number[];
  series: readonly ChartSeries[];
  formatX?: (epochMs: number) => string;
  formatY?: (value: number) => string;
  /** the height in SVG units; the width is always 600 and the chart scales to its box */
  height?: number;
}

const WIDTH = 600;
const PAD = { top: 8, right: 8, bottom: 22, left: 44 };

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 4): number[] {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  // Whole units only: a count of jobs or seconds has no fractions.
  const whole = Math.max(1, Math.ceil(step));
  const ticks: number[] = [];
  for (let v = 0; v < top + whole; v += whole) {
    ticks.push(v);
    if (v >= top) break;
  }
  return ticks;
}

/** Runs of consecutive measured points, as [index, value] pairs. */
export function segments(values: ReadonlyArray<number | null>): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  let run: Array<[number, number]> = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) out.push(run);
      run = [];
    } else run.push([i, v]);
  });
  if (run.length) out.push(run);
  return out;
}

const defaultFormatX = (ms: number) => {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};
const defaultFormatY = (v: number) => v.toLocaleString();

export function LineChart({
  title,
  description,
  x,
  series,
  formatX = defaultFormatX,
  formatY = defaultFormatY,
  height = 180,
}: LineChartProps) {
  const id = useId();
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const measured = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = niceTicks(Math.max(0, ...measured));
  const yMax = ticks[ticks.length - 1]!;
  const px = (i: number) => PAD.left + (x.length > 1 ? (i / (x.length - 1)) * plotW : plotW / 2);
  const py = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const xTicks = x.length
    ? [...new Set([0, 1, 2, 3, 4].map((k) => Math.round((k * (x.length - 1)) / 4)))]
    : [];
  const baseline = PAD.top + plotH;

  return (
    <figure className="chart">
      <svg
        className="chart-svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={py(t)} y2={py(t)} />
            <text
              className="chart-tick"
              x={PAD.left - 6}
              y={py(t)}
              textAnchor="end"
              dominantBaseline="middle"
            >
              {formatY(t)}
            </text>
          </g>
        ))}
        <line className="chart-axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={baseline} y2={baseline} />
        {xTicks.map((i) => (
          <text
            key={i}
            className="chart-tick"
            x={px(i)}
            y={height - 6}
            textAnchor={i === 0 ? 'start' : i === x.length - 1 ? 'end' : 'middle'}
          >
            {formatX(x[i]!)}
          </text>
        ))}
        {measured.length === 0 ? (
          <text className="chart-empty" x={PAD.left + plotW / 2} y={PAD.top + plotH / 2} textAnchor="middle">
            No data yet
          </text>
        ) : null}
        {series.map((s) =>
          segments(s.values).map((run) => {
            const line = run.map(([i, v], k) => `${k ? 'L' : 'M'}${px(i)},${py(v)}`).join('');
            const first = run[0]!;
            const last = run[run.length - 1]!;
            return (
              <g key={`${s.id}-${first[0]}`} data-series={s.id}>
                {s.area ? (
                  <path
                    className="chart-area"
                    d={`${line}L${px(last[0])},${baseline}L${px(first[0])},${baseline}Z`}
                    style={{ fill: s.color }}
                  />
                ) : null}
                {run.length === 1 ? (
                  <circle cx={px(first[0])} cy={py(first[1])} r={2.5} style={{ fill: s.color }} />
                ) : (
                  <path
                    className={s.dashed ? 'chart-line chart-line-dashed' : 'chart-line'}
                    d={line}
                    style={{ stroke: s.color }}
                  />
                )}
              </g>
            );
          }),
        )}
      </svg>
      <figcaption>
        <ul className="chart-legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.id}>
              <span className="chart-swatch" style={{ background: s.color }} />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((s) => (
              <th key={s.id} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {x.map((ms, i) => (
            <tr key={ms}>
              <th scope="row">{formatX(ms)}</th>
              {series.map((s) => {
                const v = s.values[i];
                return <td key={s.id}>{v === null || v === undefined ? 'no data' : formatY(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
