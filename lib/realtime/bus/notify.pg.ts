/**
 * Fan-out across instances on PostgreSQL alone. The statement that appends an event to the log
 * (`appendEvent`, log/event-log.ts) also queues a `pg_notify` carrying only `ownerId:seq` (far
 * below the 8 000-byte limit), delivered on commit; a transaction of many events sends many, and
 * a channel folds a burst into one log read. Every instance LISTENs on one dedicated connection
 * and, for owners it holds streams of, reads the events it has not fanned out yet from the log.
 * Its own events arrive first through the in-process bus, so their NOTIFY finds nothing new and
 * costs no query. When the LISTEN connection drops and comes back, notifications sent meanwhile
 * are lost, so the instance catches up every connected owner from the log.
 */
import type { Database } from '../../db/client';
import { logger } from '../../observability/logger';
import { metrics } from '../../observability/metrics';

export const EVENTS_CHANNEL = 'hangarshare_events';

/** Where the bridge hands what it hears (the hub). */
export interface NotifyTarget {
  /** Another instance committed events of `ownerId` up to `seq`. */
  advanceOwner(ownerId: number, seq: number): void;
  /** Notifications may have been missed: bring every connected owner up to its log head. */
  catchUpAll(): Promise<void>;
}

/** Starts listening for other instances' events; returns the function that stops it. */
export async function startNotifyBridge(database: Database, hub: NotifyTarget): Promise<() => Promise<void>> {
  let connects = 0;
  return database.listen(
    EVENTS_CHANNEL,
    (payload) => {
      const m = /^(\d{1,10}):(\d{1,15})$/.exec(payload);
      if (m) hub.advanceOwner(Number(m[1]), Number(m[2]));
    },
    () => {
      if (connects++ === 0) return;
      metrics().bridgeReconnects.inc();
      logger().warn('LISTEN connection re-established; catching up connected owners from the log');
      void hub.catchUpAll();
    },
  );
}
