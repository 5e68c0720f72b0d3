/**
 * The log as the hub sees it: read-only, by owner and position. The hub never touches the
 * database directly; `dbEventLog()` is the implementation over `log.ts`.
 */
import { getDb } from '../db/client';
import type { LoggedEvent } from './events';
import { headSeq, readEvents, tailSeq } from './log';

export interface EventLog {
  /** The owner's last sequence number (0 when none). */
  head(ownerId: number): Promise<number>;
  /** The owner's oldest retained sequence number, undefined when the log holds none. */
  tail(ownerId: number): Promise<number | undefined>;
  /** Events with `after < seq <= upTo`, oldest first, at most `limit`. */
  read(ownerId: number, after: number, upTo: number, limit?: number): Promise<LoggedEvent[]>;
}

/** The event log in the process-wide database. */
export function dbEventLog(): EventLog {
  return {
    head: async (ownerId) => headSeq(await getDb(), ownerId),
    tail: async (ownerId) => tailSeq(await getDb(), ownerId),
    read: async (ownerId, after, upTo, limit) => readEvents(await getDb(), ownerId, after, upTo, limit),
  };
}
