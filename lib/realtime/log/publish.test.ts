/** `transactWithEvents`: only committed events are published, including around savepoints. */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureBus, createOwner } from '../../../test/support/fixtures';
import type { Db } from '../../db/client';
import { realtimeEvents } from '../../db/schema';
import { getDb } from '../../runtime';
import { transactWithEvents } from './publish';

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

describe('transactWithEvents and savepoints', () => {
  it('forgets the events of a savepoint that rolled back; publishes exactly what the log holds', async () => {
    const o = await createOwner(db);
    const bus = await captureBus();
    await transactWithEvents(async (tx, emit) => {
      await emit(o.ownerId, 'revenue_received', revenue(1));
      await tx
        .transaction(async () => {
          await emit(o.ownerId, 'revenue_received', revenue(2));
          throw new Error('the savepoint fails');
        })
        .catch(() => undefined);
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
