/**
 * Fan-out across instances on PostgreSQL alone. Inside the transaction that appends events, a
 * `pg_notify` carries only `ownerId:seq` (the owner's new head; far below the 8 000-byte limit)
 * and is delivered on commit. Every instance LISTENs on one dedicated connection and, for owners
 * it holds streams of, reads the events it has not fanned out yet from the log. Its own events
 * arrive first through the in-process bus, so their NOTIFY finds nothing new and costs no query.
 * When the LISTEN connection drops and comes back, notifications sent meanwhile are lost, so the
 * instance catches up every connected owner from the log.
 */
import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client';
import { logger } from '../../observability/logger';
import { metrics } from '../../observability/metrics';
import type { LoggedEvent } from '../wire/events';

export const EVENTS_CHANNEL = 'hangarshare_events';

/** One `ownerId:seq` payload per owner: the highest sequence number of the transaction. */
export function notifyPayloads(events: readonly LoggedEvent[]): string[] {
  const heads = new Map<number, number>();
  for (const e of events) heads.set(e.ownerId, Math.max(heads.get(e.ownerId) ?? 0, e.seq));
  return [...heads].map(([ownerId, seq]) => `${ownerId}:${seq}`);
}

/** Queues the NOTIFYs inside `tx`; PostgreSQL sends them only if it commits. */
export async function notifyInTransaction(tx: Tx, events: readonly LoggedEvent[]): Promise<void> {
  for (const payload of notifyPayloads(events)) await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
}

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
