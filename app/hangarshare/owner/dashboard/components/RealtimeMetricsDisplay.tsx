'use client';
/**
 * The owner's live dashboard, with the portal's props (`ownerId`, `token`, `enabled = true`):
 * connection bar, the four metric cards, the monthly bookings chart, listings by status and the
 * live notifications. Everything it shows comes from `useRealtimeStats`.
 */
import type { ReactElement } from 'react';
import { useRealtimeStats } from '../../../../../lib/client/use-realtime-stats';
import { BookingsChart } from './BookingsChart';
import { ConnectionBar } from './ConnectionBar';
import styles from './dashboard.module.css';
import { ListingsByStatus } from './ListingsByStatus';
import { MetricCards } from './MetricCards';
import { NotificationsPanel } from './NotificationsPanel';

export interface RealtimeMetricsDisplayProps {
  /** `hangar_owners.id` */
  ownerId: string;
  token: string;
  /** Connect automatically (default true). */
  enabled?: boolean;
  /** Where a fresh token comes from when the current one expires (addition to the portal's props). */
  getToken?: () => Promise<string>;
}

/** The dashboard body. */
export function RealtimeMetricsDisplay({ ownerId, token, enabled = true, getToken }: RealtimeMetricsDisplayProps): ReactElement {
  const { metrics, bookingNotifications, occupancyChanges, connect, clearNotifications, status, error } = useRealtimeStats({
    ownerId,
    token,
    autoConnect: enabled,
    getToken,
  });
  return (
    <div className={styles.root} data-testid="realtime-dashboard">
      <ConnectionBar status={status} error={error} lastUpdate={metrics?.lastUpdate} stale={metrics?.stale} onReconnect={() => void connect()} />
      <MetricCards metrics={metrics} />
      <div className={styles.columns}>
        <div className={styles.root}>
          <BookingsChart data={metrics?.bookingsByMonth} />
          <ListingsByStatus counts={metrics?.listingsByStatus} />
        </div>
        <NotificationsPanel bookings={bookingNotifications} occupancy={occupancyChanges} onClear={clearNotifications} />
      </div>
    </div>
  );
}

export default RealtimeMetricsDisplay;
