/** `transactWithEvents`: only committed events are published, including around savepoints. */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureBus, createOwner } from '../../../test/support/fixtures';
import type { Db, Tx } from '../../db/client';
import { realtimeEvents } from '../../db/schema';
import { getDb, getRuntime } from '../../runtime';
import { EVENTS_CHANNEL } from '../bus/notify.pg';
import { readEvents } from './event-log';
import { transactWithEvents, type Emit } from './publish';

let db: Db;
beforeAll(async () => {
  db = await getDb();
});

const revenue = (amount: number) => ({
  bookingId: '1',
  amount,
  currency: 'BRL' as const,
  paymentIntentId: `pi_${amount}`,
  receivedAt: new Date(0).toISOString(),
});

/** Emits a revenue event inside a savepoint that then fails (the event rolls back with it). */
const emitInFailingSavepoint = (tx: Tx, emit: Emit, ownerId: number, amount: number) =>
  tx
    .transaction(async () => {
      await emit(ownerId, 'revenue_received', revenue(amount));
      throw new Error('the savepoint fails');
    })
    .catch(() => undefined);

describe('transactWithEvents and savepoints', () => {
  it('forgets the events of a savepoint that rolled back; publishes exactly what the log holds', async () => {
    const o = await createOwner(db);
    const bus = await captureBus();
    await transactWithEvents(async (tx, emit) => {
      await emit(o.ownerId, 'revenue_received', revenue(1));
      await emitInFailingSavepoint(tx, emit, o.ownerId, 2);
      await tx.transaction(async (inner) => {
        await inner.transaction(async () => emit(o.ownerId, 'revenue_received', revenue(3)));
      });
    });
    bus.stop();
    const logged = await db.select().from(realtimeEvents).where(eq(realtimeEvents.ownerId, o.ownerId)).orderBy(realtimeEvents.seq);
    expect(logged.map((r) => [r.seq, (r.payload as { amount: number }).amount])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    const published = bus.events.filter((e) => e.ownerId === o.ownerId);
    expect(published.map((e) => [e.seq, (e.data as { amount: number }).amount])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });
});

describe('announcing appended events', () => {
  it('NOTIFYs ownerId:seq of every committed event on commit, nothing of a rollback; timestamps as the log reads them', async () => {
    const o = await createOwner(db);
    const heard: string[] = [];
    const { database } = await getRuntime();
    const unlisten = await database.listen(EVENTS_CHANNEL, (payload) => {
      if (payload.startsWith(`${o.ownerId}:`)) heard.push(payload);
    });
    try {
      const bus = await captureBus();
      await transactWithEvents(async (tx, emit) => {
        await emit(o.ownerId, 'revenue_received', revenue(1));
        await emitInFailingSavepoint(tx, emit, o.ownerId, 2);
        await emit(o.ownerId, 'revenue_received', revenue(3));
        // Nothing is sent before commit.
        await new Promise((r) => setTimeout(r, 100));
        expect(heard).toEqual([]);
      });
      await transactWithEvents(async (_tx, emit) => {
        await emit(o.ownerId, 'revenue_received', revenue(4));
        throw new Error('the transaction fails');
      }).catch(() => undefined);
      await transactWithEvents(async (_tx, emit) => emit(o.ownerId, 'revenue_received', revenue(5)));
      await expect.poll(() => heard, { timeout: 10_000 }).toEqual([`${o.ownerId}:1`, `${o.ownerId}:2`, `${o.ownerId}:3`]);
      bus.stop();
      const published = bus.events.filter((e) => e.ownerId === o.ownerId);
      const logged = await readEvents(db, o.ownerId, 0);
      expect(published.map((e) => [e.seq, e.timestamp])).toEqual(logged.map((e) => [e.seq, e.timestamp]));
    } finally {
      await unlisten();
    }
  });
});
