'use client';
/**
 * The four headline cards of the portal, with its pt-BR labels ("Receita em Tempo Real / Hoje",
 * "Reservas Hoje", "Ocupação Atual", "Crescimento / Vs. semana anterior"): revenue today (R$, 2 decimals), bookings today,
 * current occupancy (%, 0 decimals) and week-over-week growth (%, 1 decimal), each with a
 * secondary figure. Skeletons until the first snapshot. A value's element is keyed by its text,
 * so a change replays the highlight animation.
 */
import type { ReactElement, ReactNode } from 'react';
import { formatBRL, formatInteger, formatPercent } from '../../../../../lib/client/format';
import type { RealTimeMetrics } from '../../../../../lib/client/types';
import styles from './dashboard.module.css';
import { CalendarIcon, HangarIcon, MoneyIcon, TrendIcon } from './icons';

interface CardProps {
  title: string;
  icon: ReactNode;
  value: string | null;
  testId: string;
  note: ReactNode;
}

function Card({ title, icon, value, testId, note }: CardProps): ReactElement {
  return (
    <section className={styles.card} aria-label={title}>
      <div className={styles.cardHead}>
        <span>{title}</span>
        <span className={styles.icon}>{icon}</span>
      </div>
      {value === null ? (
        <div className={styles.skeleton} role="status" aria-label="Carregando" />
      ) : (
        <span key={value} className={styles.value} data-testid={testId}>
          {value}
        </span>
      )}
      <span className={styles.note}>{note}</span>
    </section>
  );
}

/** The cards; `metrics` null shows placeholders. */
export function MetricCards({ metrics }: { metrics: RealTimeMetrics | null }): ReactElement {
  const m = metrics;
  const revenue = m ? (m.revenueToday ?? m.todayRevenue ?? 0) : null;
  const growth = m?.growthPercentage ?? 0;
  return (
    <div className={styles.cards}>
      <Card
        title="Receita em Tempo Real"
        icon={<MoneyIcon />}
        testId="metric-revenue-today"
        value={revenue === null ? null : formatBRL(revenue)}
        note={m?.revenueLast30Days !== undefined ? `Hoje · Últimos 30 dias: ${formatBRL(m.revenueLast30Days)}` : 'Hoje'}
      />
      <Card
        title="Reservas Hoje"
        icon={<CalendarIcon />}
        testId="metric-bookings-today"
        value={m ? formatInteger(m.bookingsToday) : null}
        note={m?.activeBookings !== undefined ? `${formatInteger(m.activeBookings)} em andamento agora` : 'Criadas hoje'}
      />
      <Card
        title="Ocupação Atual"
        icon={<HangarIcon />}
        testId="metric-occupancy"
        value={m ? formatPercent(m.occupancyRate, 0) : null}
        note="Vagas ocupadas agora"
      />
      <Card
        title="Crescimento"
        icon={<TrendIcon />}
        testId="metric-growth"
        value={m ? formatPercent(growth, 1, true) : null}
        note={<span className={growth > 0 ? styles.up : growth < 0 ? styles.down : undefined}>Vs. semana anterior</span>}
      />
    </div>
  );
}
