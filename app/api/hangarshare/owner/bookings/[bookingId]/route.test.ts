import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { type Db } from '@/lib/db/client';
import { hangarBookings, realtimeEvents, type BookingStatus } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser, routeParams } from '@/test/support/fixtures';
import { GET, PATCH } from './route';
import { getDb } from '@/lib/runtime';

const H = 3_600_000;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let otherOwner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let admin: Awaited<ReturnType<typeof createUser>>;
let listing: Awaited<ReturnType<typeof createListing>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const get = (token: string | undefined, id: string) =>
  GET(apiRequest('GET', `/api/hangarshare/owner/bookings/${id}`, { token }), routeParams({ bookingId: id }));
const patch = (token: string | undefined, id: number | string, body: unknown) =>
  PATCH(apiRequest('PATCH', `/api/hangarshare/owner/bookings/${id}`, { token, body }), routeParams({ bookingId: String(id) }));
const statusOf = async (id: number) => (await db.select().from(hangarBookings).where(eq(hangarBookings.id, id)))[0].status;
/** A booking of `listing` with the given status; `active` puts its stay around now. */
const booking = (status: BookingStatus, opts: { active?: boolean } = {}) =>
  createBooking(db, listing.id, renter.userId, {
    status,
    totalPrice: 250.5,
    ...(opts.active ? { checkIn: new Date(Date.now() - H), checkOut: new Date(Date.now() + 24 * H) } : {}),
  });

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  otherOwner = await createOwner(db);
  renter = await createUser(db);
  admin = await createUser(db, { role: 'ADMIN' });
  listing = await createListing(db, owner.ownerId, { totalSpaces: 4 });
  bus = await captureBus();
});
afterEach(() => bus.clear());

describe('GET /api/hangarshare/owner/bookings/[bookingId]', () => {
  it('returns the booking to its listing owner, an admin and its renter', async () => {
    const b = await booking('pending');
    for (const token of [owner.token, admin.token, renter.token]) {
      const res = await get(token, String(b.id));
      expect(res.status).toBe(200);
      expect((await res.json()).booking).toMatchObject({ id: b.id, hangarId: listing.id, userId: renter.userId, status: 'pending', totalPrice: 250.5 });
    }
  });

  it('refuses another owner and a stranger with 403', async () => {
    const b = await booking('pending');
    const stranger = await createUser(db);
    for (const token of [otherOwner.token, stranger.token]) {
      const res = await get(token, String(b.id));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'forbidden', message: expect.any(String) });
    }
  });

  it.each(['abc', '0', '-1', '01', '1.5', '2147483648', '99999999999'])('answers 400 for the id %j', async (id) => {
    const res = await get(owner.token, id);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_id');
  });

  it('answers 404 for a missing booking and 401 without a token', async () => {
    expect((await get(owner.token, '2147483647')).status).toBe(404);
    expect((await get(undefined, '1')).status).toBe(401);
  });
});

describe('PATCH transitions', () => {
  it.each([
    ['pending', 'confirmed', 'booking_updated'],
    ['pending', 'cancelled', 'booking_updated'],
    ['confirmed', 'completed', 'booking_completed'],
    ['confirmed', 'cancelled', 'booking_updated'],
  ] as const)('allows %s → %s and publishes %s', async (from, to, type) => {
    const b = await booking(from);
    const res = await patch(owner.token, b.id, { booking_status: to });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ booking: { id: b.id, status: to }, changed: true });
    expect(await statusOf(b.id)).toBe(to);
    expect(bus.types()).toEqual([type]); // a future stay: occupancy does not move
    expect(bus.events[0].data).toEqual({ id: String(b.id), hangarId: listing.id, hangarNumber: listing.hangarNumber, status: to, previousStatus: from, amount: 250.5 });
    const [logged] = await db
      .select()
      .from(realtimeEvents)
      .where(and(eq(realtimeEvents.ownerId, owner.ownerId), eq(realtimeEvents.seq, bus.events[0].seq)));
    expect(logged).toMatchObject({ ownerId: owner.ownerId, type, payload: bus.events[0].data });
  });

  it.each([
    ['pending', 'completed'],
    ['pending', 'rejected'],
    ['confirmed', 'pending'],
    ['confirmed', 'rejected'],
    ['completed', 'cancelled'],
    ['completed', 'confirmed'],
    ['cancelled', 'confirmed'],
    ['cancelled', 'pending'],
    ['rejected', 'confirmed'],
  ] as const)('refuses %s → %s with 409 and changes nothing', async (from, to) => {
    const b = await booking(from);
    const res = await patch(owner.token, b.id, { booking_status: to });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toBe('invalid_transition');
    expect(await statusOf(b.id)).toBe(from);
    expect(bus.events).toEqual([]);
  });

  it('treats a request for the current status as a no-op (200, changed: false, no event)', async () => {
    const b = await booking('confirmed');
    const res = await patch(owner.token, b.id, { booking_status: 'confirmed' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ booking: { status: 'confirmed' }, changed: false });
    expect(bus.events).toEqual([]);
  });

  it('accepts { status } as well, and an admin may change any booking', async () => {
    const b = await booking('pending');
    expect((await patch(admin.token, b.id, { status: 'confirmed' })).status).toBe(200);
    expect(await statusOf(b.id)).toBe('confirmed');
  });
});

describe('PATCH occupancy', () => {
  it('publishes occupancy_changed when an active booking leaves the active set', async () => {
    const b = await booking('confirmed', { active: true });
    await patch(owner.token, b.id, { booking_status: 'completed' });
    expect(bus.types()).toEqual(['booking_completed', 'occupancy_changed']);
    expect(bus.events[1].data).toMatchObject({ hangarId: listing.id, totalSpots: 4, occupiedSpots: 0, occupancyRate: 0, isNowOccupied: false });
  });

  it('publishes occupancy_changed when confirming a stay that has begun', async () => {
    const b = await booking('pending', { active: true });
    await patch(owner.token, b.id, { booking_status: 'confirmed' });
    expect(bus.types()).toEqual(['booking_updated', 'occupancy_changed']);
    expect(bus.events[1].data).toMatchObject({ occupiedSpots: 1, occupancyRate: 25, isNowOccupied: true });
    await patch(owner.token, b.id, { booking_status: 'cancelled' });
    expect(bus.types().slice(2)).toEqual(['booking_updated', 'occupancy_changed']);
    expect(bus.events[3].data).toMatchObject({ occupiedSpots: 0 });
  });

  it('does not publish occupancy_changed for a pending booking that is cancelled', async () => {
    const b = await booking('pending', { active: true });
    await patch(owner.token, b.id, { booking_status: 'cancelled' });
    expect(bus.types()).toEqual(['booking_updated']);
  });
});

describe('PATCH refusals', () => {
  it('refuses the renter, another owner and a stranger with 403, changing nothing', async () => {
    const b = await booking('pending');
    const stranger = await createUser(db);
    for (const token of [renter.token, otherOwner.token, stranger.token]) {
      const res = await patch(token, b.id, { booking_status: 'cancelled' });
      expect(res.status).toBe(403);
    }
    expect(await statusOf(b.id)).toBe('pending');
    expect(bus.events).toEqual([]);
  });

  it.each([
    ['an empty body', {}],
    ['an unknown status', { booking_status: 'paid' }],
    ['a non-string status', { booking_status: 3 }],
    ['disagreeing fields', { booking_status: 'confirmed', status: 'cancelled' }],
    ['malformed JSON', '{'],
  ])('refuses %s with 400', async (_name, body) => {
    const b = await booking('pending');
    const res = await patch(owner.token, b.id, body);
    expect(res.status).toBe(400);
    expect(await statusOf(b.id)).toBe('pending');
  });

  it('answers 404 for a missing booking, 400 for a bad id and 401 without a token', async () => {
    expect((await patch(owner.token, 2_000_000_000, { booking_status: 'cancelled' })).status).toBe(404);
    expect((await patch(owner.token, 'x', { booking_status: 'cancelled' })).status).toBe(400);
    expect((await patch(undefined, 1, { booking_status: 'cancelled' })).status).toBe(401);
  });
});

describe('PATCH concurrency', () => {
  it('serializes two owners racing on one booking: one change wins, the other is refused', async () => {
    const b = await booking('confirmed');
    const results = await Promise.all([
      patch(owner.token, b.id, { booking_status: 'completed' }),
      patch(admin.token, b.id, { booking_status: 'cancelled' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(bus.events).toHaveLength(1);
  });
});
