'use client';
/**
 * Bookings per month over the last 12 months (`metrics.bookingsByMonth`), as a plain SVG bar
 * chart: no chart library, scales with its container, the current month highlighted. Screen
 * readers get a caption and a table of the same numbers instead of the drawing.
 */
import type { ReactElement } from 'react';
import { formatInteger, formatMonth } from '../../../../../lib/client/format';
import styles from './dashboard.module.css';

export interface MonthCount {
  month: string;
  count: number;
}

const W = 640;
const H = 220;
const PAD = { top: 22, right: 8, bottom: 26, left: 8 };

/** The chart; renders an empty state for no data. */
export function BookingsChart({ data }: { data: MonthCount[] | undefined }): ReactElement {
  const months = data ?? [];
  const max = Math.max(1, ...months.map((m) => m.count));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, months.length);
  const barW = Math.min(36, slot * 0.62);
  const plotH = H - PAD.top - PAD.bottom;
  const total = months.reduce((s, m) => s + m.count, 0);
  return (
    <section className={styles.panel} aria-labelledby="chart-title">
      <div className={styles.panelHead}>
        <h2 id="chart-title" className={styles.panelTitle}>
          Reservas por mês
        </h2>
        <span className={styles.note}>{formatInteger(total)} nos últimos 12 meses</span>
      </div>
      {months.length === 0 ? (
        <p className={styles.empty}>Sem dados ainda.</p>
      ) : (
        <svg
          className={styles.chart}
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`Reservas por mês: ${formatInteger(total)} nos últimos 12 meses`}
          data-testid="bookings-chart"
        >
          {months.map((m, i) => {
            const h = Math.round((m.count / max) * plotH);
            const x = PAD.left + i * slot + (slot - barW) / 2;
            const y = PAD.top + plotH - h;
            const label = formatMonth(m.month);
            return (
              <g key={m.month} data-testid="chart-bar" data-month={m.month} data-count={m.count}>
                <title>{`${label.long}: ${m.count} reservas`}</title>
                <rect className={styles.chartBar} data-current={i === months.length - 1} x={x} y={y} width={barW} height={Math.max(h, 1)} rx={4} />
                <text className={styles.chartCount} x={x + barW / 2} y={y - 6} textAnchor="middle">
                  {m.count}
                </text>
                <text className={styles.chartLabel} x={x + barW / 2} y={H - 8} textAnchor="middle">
                  {label.short}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      {months.length > 0 && (
        <table className={styles.srOnly}>
          <caption>Reservas por mês</caption>
          <tbody>
            {months.map((m) => (
              <tr key={m.month}>
                <th scope="row">{formatMonth(m.month).long}</th>
                <td>{m.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
