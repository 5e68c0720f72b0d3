/**
 * The one way to change data and publish what changed: `transactWithEvents` runs `work` in a
 * database transaction, gives it `emit` to append events to the log inside that transaction, and
 * hands the events to the bus only after commit. A throw rolls back both the change and the
 * events, and nothing is delivered; so does a nested transaction (savepoint) that rolls back:
 * the events emitted inside it are forgotten with it.
 */
import type { Tx } from '../../db/client';
import { getRuntime } from '../../runtime';
import type { DomainEventData, DomainEventType, LoggedEvent } from '../wire/events';
import { appendEvent } from './event-log';

export type Emit = <K extends DomainEventType>(ownerId: number, type: K, data: DomainEventData[K]) => Promise<LoggedEvent<K>>;

/** Runs `work` in a transaction; its emitted events are logged in it and published after commit. */
export async function transactWithEvents<T>(work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T> {
  const { database, bus } = await getRuntime();
  const events: LoggedEvent[] = [];
  const result = await database.db.transaction(async (tx) => {
    forgetEventsOfRolledBackSavepoints(tx, events);
    const emit: Emit = async (ownerId, type, data) => {
      const event = await appendEvent(tx, ownerId, type, data);
      events.push(event);
      return event;
    };
    // Other instances learn of the events through the NOTIFY each append queues, sent by
    // PostgreSQL only on commit.
    return work(tx, emit);
  });
  bus.publish(events);
  return result;
}

/**
 * A savepoint (`tx.transaction(...)`) that throws rolls back the events appended inside it (their
 * rows and sequence numbers): drop them from the batch to publish, however deeply nested.
 */
function forgetEventsOfRolledBackSavepoints(tx: Tx, events: LoggedEvent[]): void {
  const savepoint = tx.transaction.bind(tx);
  tx.transaction = (async (work: (inner: Tx) => Promise<unknown>) => {
    const mark = events.length;
    try {
      return await savepoint(async (inner) => {
        forgetEventsOfRolledBackSavepoints(inner as Tx, events);
        return work(inner as Tx);
      });
    } catch (err) {
      events.length = mark;
      throw err;
    }
  }) as Tx['transaction'];
}
