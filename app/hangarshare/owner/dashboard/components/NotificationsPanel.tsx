'use client';
/**
 * Live notifications, with the portal's pt-BR labels ("Notificações em Tempo Real", "Últimas Reservas",
 * "Mudanças de Ocupação", "Hangar {n}"): the newest bookings (5 shown of the 10 kept) and occupancy changes (3
 * shown), an unread count (bookings + occupancy changes, as in the portal) and "Limpar". The
 * lists are an `aria-live` region, so new entries are announced.
 */
import type { ReactElement } from 'react';
import { formatBRL, formatDays, formatShortDate, formatTime } from '../../../../../lib/client/format';
import type { BookingNotification, OccupancyChange } from '../../../../../lib/client/types';
import styles from './dashboard.module.css';
import { BellIcon } from './icons';

export interface NotificationsPanelProps {
  bookings: BookingNotification[];
  occupancy: OccupancyChange[];
  onClear: () => void;
}

/** Bookings shown; the hook keeps 10. */
export const BOOKINGS_SHOWN = 5;
/** Occupancy changes shown. */
export const OCCUPANCY_SHOWN = 3;

function BookingItem({ b }: { b: BookingNotification }): ReactElement {
  return (
    <li className={styles.item} data-testid="booking-notification" data-booking-id={b.id}>
      <span className={styles.hangar}>Hangar {b.hangarNumber}</span>
      <span className={styles.itemMain}>
        <strong>{b.guestName}</strong>
        <span className={styles.itemSub}>
          {b.duration !== undefined ? formatDays(b.duration) : ''} · entrada {formatShortDate(b.checkIn)}
        </span>
      </span>
      <span className={styles.amount}>{formatBRL(b.amount)}</span>
    </li>
  );
}

function OccupancyItem({ c }: { c: OccupancyChange }): ReactElement {
  return (
    <li className={styles.item} data-testid="occupancy-notification" data-hangar-id={c.hangarId}>
      <span className={styles.hangar}>Hangar {c.hangarNumber}</span>
      <span className={styles.itemMain}>
        <span className={c.isNowOccupied ? styles.occupied : styles.freed}>{c.isNowOccupied ? 'Ocupado' : 'Liberado'}</span>
        <span className={styles.itemSub}>
          {c.occupiedSpots}/{c.totalSpots} vagas
        </span>
      </span>
      <span className={styles.itemSub}>{formatTime(c.timestamp)}</span>
    </li>
  );
}

/** The notifications card. */
export function NotificationsPanel({ bookings, occupancy, onClear }: NotificationsPanelProps): ReactElement {
  const unread = bookings.length + occupancy.length;
  return (
    <section className={styles.panel} aria-labelledby="notifications-title" data-testid="notifications">
      <div className={styles.panelHead}>
        <h2 id="notifications-title" className={styles.panelTitle}>
          <BellIcon /> Notificações em Tempo Real
          <span className={styles.badge} role="status" data-count={unread} data-testid="unread-count" aria-label={`${unread} não lidas`}>
            {unread}
          </span>
        </h2>
        <button type="button" className={styles.ghost} onClick={onClear} disabled={unread === 0} data-testid="clear-notifications">
          Limpar
        </button>
      </div>
      <div className={styles.live} aria-live="polite" aria-relevant="additions">
        <h3 className={styles.subTitle}>Últimas Reservas</h3>
        {bookings.length === 0 ? (
          <p className={styles.empty}>Nenhuma reserva nova desde que você abriu o painel.</p>
        ) : (
          <ul className={styles.list}>
            {bookings.slice(0, BOOKINGS_SHOWN).map((b) => (
              <BookingItem key={b.id} b={b} />
            ))}
          </ul>
        )}
        <h3 className={styles.subTitle}>Mudanças de Ocupação</h3>
        {occupancy.length === 0 ? (
          <p className={styles.empty}>Nenhuma mudança de ocupação.</p>
        ) : (
          <ul className={styles.list}>
            {occupancy.slice(0, OCCUPANCY_SHOWN).map((c, i) => (
              <OccupancyItem key={`${c.hangarId}-${c.timestamp ?? i}-${c.occupiedSpots}`} c={c} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
