'use client';
/**
 * The owner's listings by status (`metrics.listingsByStatus`): active, inactive, pending,
 * rejected and suspended, with pt-BR labels, as a row of counters.
 */
import type { ReactElement } from 'react';
import { formatInteger } from '../../../../../lib/client/format';
import styles from './dashboard.module.css';

type Counts = { active: number; inactive: number; pending: number; rejected: number; suspended: number };

const LABELS: [keyof Counts, string][] = [
  ['active', 'Ativos'],
  ['pending', 'Pendentes'],
  ['inactive', 'Inativos'],
  ['suspended', 'Suspensos'],
  ['rejected', 'Rejeitados'],
];

/** The counters; nothing until the first snapshot. */
export function ListingsByStatus({ counts }: { counts: Counts | undefined }): ReactElement | null {
  if (!counts) return null;
  const total = LABELS.reduce((s, [k]) => s + (counts[k] ?? 0), 0);
  return (
    <section className={styles.panel} aria-labelledby="listings-title">
      <div className={styles.panelHead}>
        <h2 id="listings-title" className={styles.panelTitle}>
          Anúncios por situação
        </h2>
        <span className={styles.note}>{formatInteger(total)} no total</span>
      </div>
      <div className={styles.statuses}>
        {LABELS.map(([key, label]) => (
          <div key={key} className={styles.status} data-testid={`listings-${key}`}>
            <strong>{formatInteger(counts[key] ?? 0)}</strong>
            <span>{label}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
