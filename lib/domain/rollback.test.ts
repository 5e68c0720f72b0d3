/**
 * A refused or failed write publishes nothing: the events a transaction emitted are logged in it
 * and handed to the bus only after commit, so a throw after an emit leaves no booking change, no
 * log row and no delivery.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { rows, type Db } from '@/lib/db/client';
import { hangarBookings, ownerSequences, realtimeEvents } from '@/lib/db/schema';
import { verifyToken } from '@/lib/auth/jwt';
import { transactWithEvents, type Emit } from '@/lib/realtime/log/publish';
import { POST as confirmRoute } from '@/app/api/hangarshare/booking/confirm/route';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { transitionBooking } from './booking-status';
import { getDatabase, getDb } from '../runtime';

const H = 3_600_000;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let bus: Awaited<ReturnType<typeof captureBus>>;
const logOf = (ownerId: number) => db.select().from(realtimeEvents).where(eq(realtimeEvents.ownerId, ownerId));

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  bus = await captureBus();
});
afterEach(() => bus.clear());

describe('rollback', () => {
  it('a throw after an emit rolls back the status change and the event, and delivers nothing', async () => {
    const renter = await createUser(db);
    const listing = await createListing(db, owner.ownerId);
    const b = await createBooking(db, listing.id, renter.userId, {
      status: 'confirmed',
      checkIn: new Date(Date.now() - H),
      checkOut: new Date(Date.now() + H),
    });
    const claims = await verifyToken(owner.token);
    const emitted: string[] = [];
    const attempt = transactWithEvents(async (tx, emit) => {
      const recording: Emit = (ownerId, type, data) => {
        emitted.push(type);
        return emit(ownerId, type, data);
      };
      const result = await transitionBooking(tx, recording, claims, b.id, 'cancelled', new Date());
      expect(result.changed).toBe(true);
      throw new Error('boom after emit');
    });
    await expect(attempt).rejects.toThrow('boom after emit');
    expect(emitted).toEqual(['booking_updated', 'occupancy_changed']);
    expect((await db.select().from(hangarBookings).where(eq(hangarBookings.id, b.id)))[0].status).toBe('confirmed');
    expect(await logOf(owner.ownerId)).toEqual([]);
    expect(await db.select().from(ownerSequences).where(eq(ownerSequences.ownerId, owner.ownerId))).toEqual([]);
    expect(bus.events).toEqual([]);
  });

  describe('a database failure in the middle of a route', () => {
    beforeAll(async () => {
      // Fails the second event of a booking (occupancy_changed), after booking_created was appended.
      await (await getDatabase()).exec(`
        create function test_fail_occupancy() returns trigger language plpgsql as $$
        begin
          if new.type = 'occupancy_changed' then raise exception 'injected failure'; end if;
          return new;
        end $$;
        create trigger test_fail_occupancy before insert on realtime_events
          for each row execute function test_fail_occupancy();`);
    });
    afterAll(async () => {
      await (await getDatabase()).exec('drop trigger test_fail_occupancy on realtime_events; drop function test_fail_occupancy();');
    });

    it('answers 500, keeps no booking, no log row, and publishes nothing', async () => {
      const renter = await createUser(db);
      const listing = await createListing(db, owner.ownerId);
      const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
      const t0 = Date.now(); // one instant for both dates: exactly one night
      const res = await confirmRoute(
        apiRequest('POST', '/api/hangarshare/booking/confirm', {
          token: renter.token,
          body: { hangarId: listing.id, checkIn: new Date(t0 - H).toISOString(), checkOut: new Date(t0 + 23 * H).toISOString(), totalPrice: 525 },
        }),
      );
      quiet.mockRestore();
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'Erro ao confirmar reserva', code: 'internal_error' });
      expect(await db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, listing.id))).toEqual([]);
      expect(await logOf(owner.ownerId)).toEqual([]);
      expect(bus.events).toEqual([]);
      expect(await rows(db, sql`select 1 from realtime_events where type = 'booking_created'`)).toEqual([]);
    });
  });
});
