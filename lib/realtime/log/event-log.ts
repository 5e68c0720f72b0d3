/**
 * The durable per-owner event log. `appendEvent` runs inside the caller's transaction: it takes the
 * owner's next sequence number with an upsert `… RETURNING` on `owner_sequences` (the row lock
 * serializes writers of one owner until commit, so numbers are gap-free and increase in commit
 * order), inserts the event and queues its NOTIFY, in one statement. A rolled-back transaction
 * leaves neither number, nor event, nor notification.
 * Readers see the log through the `EventLog` interface (the hub never touches the database).
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client';
import { rows } from '../../db/client';
import { ownerSequences, realtimeEvents } from '../../db/schema';
import { EVENTS_CHANNEL } from '../bus/notify.pg';
import type { DomainEventData, DomainEventType, LoggedEvent } from '../wire/events';

/** The log as the hub reads it: by owner and position. */
export interface EventLog {
  /** The owner's last sequence number (0 when none). */
  head(ownerId: number): Promise<number>;
  /** Events with `after < seq <= upTo`, oldest first, at most `limit` (default 1 000). */
  read(ownerId: number, after: number, upTo: number, limit?: number): Promise<LoggedEvent[]>;
}

/** The `EventLog` over a database handle. */
export function eventLogOf(db: Queryable): EventLog {
  return {
    head: (ownerId) => headSeq(db, ownerId),
    read: (ownerId, after, upTo, limit) => readEvents(db, ownerId, after, upTo, limit),
  };
}

/** Appends one event for `ownerId` in transaction `tx`; returns it with its sequence number. */
export async function appendEvent<K extends DomainEventType>(tx: Queryable, ownerId: number, type: K, data: DomainEventData[K]): Promise<LoggedEvent<K>> {
  // One round trip: the upsert-and-increment (the first event of an owner creates its counter
  // row) feeds the insert and queues the NOTIFY `ownerId:seq` other instances hear on commit (see
  // bus/notify.pg.ts). The timestamp is the row's, in whole ms as `readEvents` reads it back.
  const [row] = await rows<{ seq: string | number; ms: number }>(
    tx,
    sql`with next as (
          insert into ${ownerSequences} (owner_id, last_seq) values (${ownerId}, 1)
          on conflict (owner_id) do update set last_seq = ${ownerSequences}.last_seq + 1
          returning last_seq)
        insert into ${realtimeEvents} (owner_id, seq, type, payload)
        select ${ownerId}, last_seq, ${type}, ${JSON.stringify(data)}::jsonb
        from next cross join lateral (select pg_notify(${EVENTS_CHANNEL}, ${ownerId} || ':' || last_seq)) as announced
        returning seq, floor(extract(epoch from created_at) * 1000)::float8 as ms`,
  );
  return { ownerId, seq: Number(row.seq), type, data, timestamp: row.ms };
}

// The two reads of stream opens and of other instances' NOTIFYs are plain SQL: the query builder
// cost more CPU than the query itself (bench:stream profiles, BENCHMARKS.md).

/** The owner's last sequence number (0 when it has none). */
export async function headSeq(db: Queryable, ownerId: number): Promise<number> {
  const [row] = await rows<{ s: string | number }>(db, sql`select last_seq as s from ${ownerSequences} where owner_id = ${ownerId}`);
  return row ? Number(row.s) : 0;
}

/** Events of `ownerId` with `after < seq <= upTo`, oldest first, at most `limit`. */
export async function readEvents(db: Queryable, ownerId: number, after: number, upTo = Number.MAX_SAFE_INTEGER, limit = 1_000): Promise<LoggedEvent[]> {
  const found = await rows<{ seq: string | number; type: string; payload: unknown; ms: number }>(
    db,
    sql`select seq, type, payload, floor(extract(epoch from created_at) * 1000)::float8 as ms
        from ${realtimeEvents} where owner_id = ${ownerId} and seq > ${after} and seq <= ${upTo}
        order by seq limit ${limit}`,
  );
  return found.map((r) => ({
    ownerId,
    seq: Number(r.seq),
    type: r.type as DomainEventType,
    data: r.payload as DomainEventData[DomainEventType], // both drivers parse jsonb
    timestamp: r.ms,
  }));
}

/**
 * Retention: deletes events older than `maxAgeMs` that are not among the newest `keepPerOwner`
 * of their owner. Returns how many rows went.
 */
export async function pruneEvents(db: Queryable, opts: { maxAgeMs: number; keepPerOwner: number; now?: Date }): Promise<number> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.maxAgeMs);
  const deleted = await rows<{ n: number }>(
    db,
    sql`with gone as (
          delete from ${realtimeEvents} e
          using ${ownerSequences} s
          where e.owner_id = s.owner_id
            and e.created_at < ${cutoff.toISOString()}::timestamptz
            and e.seq <= s.last_seq - ${opts.keepPerOwner}
          returning 1)
        select count(*)::int as n from gone`,
  );
  return deleted[0]?.n ?? 0;
}
