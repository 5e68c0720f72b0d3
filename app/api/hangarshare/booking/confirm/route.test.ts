import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { type Db } from '@/lib/db/client';
import { hangarBookings, hangarListings, realtimeEvents } from '@/lib/db/schema';
import { apiRequest, captureBus, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { POST } from './route';
import { getDb } from '@/lib/runtime';

const D = 86_400_000;
// One fixed base, so day(2) means the same instant in every request of a test.
const BASE = Math.ceil(Date.now() / 60_000) * 60_000;
const day = (n: number) => new Date(BASE + n * D).toISOString();
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const confirm = (token: string | undefined, body: unknown, headers?: Record<string, string>) =>
  POST(apiRequest('POST', '/api/hangarshare/booking/confirm', { token, body, headers }));
const bookingsOf = (hangarId: number) => db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, hangarId));
const logOf = (ownerId: number) => db.select().from(realtimeEvents).where(eq(realtimeEvents.ownerId, ownerId));

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  renter = await createUser(db);
  bus = await captureBus();
});
afterEach(() => bus.clear());

describe('POST /api/hangarshare/booking/confirm', () => {
  it('creates a confirmed booking for the token user and publishes booking_created', async () => {
    const listing = await createListing(db, owner.ownerId);
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn: day(2), checkOut: day(5), totalPrice: 1575.5, subtotal: 1500.48, fees: 75.02 });
    expect(res.status).toBe(201);
    const { booking, created } = await res.json();
    expect(created).toBe(true);
    expect(booking).toMatchObject({ hangarId: listing.id, userId: renter.userId, nights: 3, totalPrice: 1575.5, subtotal: 1500.48, fees: 75.02, status: 'confirmed', paymentMethod: 'stripe' });
    expect(booking.stripePaymentIntentId).toMatch(/^pi_local_[0-9a-f]{24}$/);
    expect(bus.types()).toEqual(['booking_created']);
    expect(bus.events[0]).toMatchObject({ ownerId: owner.ownerId, seq: 1 });
    expect(bus.events[0].data).toEqual({
      id: String(booking.id),
      guestName: expect.stringMatching(/^User\d+$/),
      hangarId: listing.id,
      hangarNumber: listing.hangarNumber,
      checkIn: booking.checkIn,
      checkOut: booking.checkOut,
      amount: 1575.5,
      duration: 3,
      status: 'confirmed',
    });
    const log = await logOf(owner.ownerId);
    expect(log.map((e) => [e.seq, e.type])).toContainEqual([1, 'booking_created']);
  });

  it('also publishes occupancy_changed when the stay has already begun', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 2 });
    const checkIn = new Date(Date.now() - 3_600_000).toISOString();
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn, checkOut: day(1), totalPrice: 500 });
    expect(res.status).toBe(201);
    expect(bus.types()).toEqual(['booking_created', 'occupancy_changed']);
    expect(bus.events[1].data).toEqual({
      hangarId: listing.id,
      hangarNumber: listing.hangarNumber,
      occupancyRate: 50,
      totalSpots: 2,
      occupiedSpots: 1,
      isNowOccupied: true,
      timestamp: expect.any(Number),
    });
  });

  it('returns the existing booking for an identical request within 15 minutes (200, no new row or event)', async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = { hangarId: listing.id, checkIn: day(10), checkOut: day(12), totalPrice: 900 };
    const first = await (await confirm(renter.token, body)).json();
    bus.clear();
    const again = await confirm(renter.token, { ...body, hangarId: String(listing.id), totalPrice: '900.00' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ booking: first.booking, created: false });
    expect(bus.events).toEqual([]);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
    // A different price is a different request.
    expect((await confirm(renter.token, { ...body, totalPrice: 950 })).status).toBe(201);
  });

  it('answers concurrent identical requests with one booking', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 5 });
    const body = { hangarId: listing.id, checkIn: day(20), checkOut: day(21), totalPrice: 300 };
    const results = await Promise.all([confirm(renter.token, body), confirm(renter.token, body), confirm(renter.token, body)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const ids = new Set(await Promise.all(results.map(async (r) => (await r.json()).booking.id)));
    expect(ids.size).toBe(1);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
  });
});

describe('capacity', () => {
  it('refuses an overlapping stay with 409 once every space is taken, and changes nothing', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    expect((await confirm(renter.token, { hangarId: listing.id, checkIn: day(1), checkOut: day(3), totalPrice: 100 })).status).toBe(201);
    bus.clear();
    const other = await createUser(db);
    const res = await confirm(other.token, { hangarId: listing.id, checkIn: day(2), checkOut: day(4), totalPrice: 100 });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toBe('no_availability');
    expect(await bookingsOf(listing.id)).toHaveLength(1);
    expect(bus.events).toEqual([]);
    // Back to back is not an overlap.
    const next = await confirm(other.token, { hangarId: listing.id, checkIn: day(3), checkOut: day(4), totalPrice: 100 });
    expect(next.status).toBe(201);
  });

  it('counts spaces in use at each instant, not every booking touching the stay', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 2 });
    const book = async (from: number, to: number) => (await confirm((await createUser(db)).token, { hangarId: listing.id, checkIn: day(from), checkOut: day(to), totalPrice: 100 })).status;
    expect(await book(1, 2)).toBe(201);
    expect(await book(3, 4)).toBe(201);
    expect(await book(1, 4)).toBe(201); // peak 1 existing + 1 = 2
    expect(await book(1, 4)).toBe(409);
    expect(await book(2, 3)).toBe(201); // only the long stay is there between day 2 and 3
  });

  it('lets exactly one of two concurrent requests take the last space', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    const [a, b] = await Promise.all([createUser(db), createUser(db)]);
    const body = { hangarId: listing.id, checkIn: day(5), checkOut: day(6), totalPrice: 100 };
    const results = await Promise.all([confirm(a.token, body), confirm(b.token, body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
  });
});

describe('listing state', () => {
  it.each([
    ['inactive', { status: 'inactive' }, 'listing_not_active'],
    ['suspended', { status: 'suspended' }, 'listing_not_active'],
    ['marked unavailable', { isAvailable: false }, 'listing_unavailable'],
    ['outside its availability window', { availableUntil: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) }, 'outside_availability'],
  ])('refuses a listing that is %s with 409', async (_name, patch, code) => {
    const listing = await createListing(db, owner.ownerId);
    await db.update(hangarListings).set(patch as never).where(eq(hangarListings.id, listing.id));
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn: day(1), checkOut: day(5), totalPrice: 100 });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toBe(code);
    expect(await bookingsOf(listing.id)).toHaveLength(0);
  });

  it('answers 404 for a listing that does not exist', async () => {
    const res = await confirm(renter.token, { hangarId: 999_999, checkIn: day(1), checkOut: day(2), totalPrice: 100 });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe('listing_not_found');
  });
});

describe('who books', () => {
  it('refuses a non-admin booking for someone else (403) and lets an admin do it', async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = { hangarId: listing.id, userId: renter.userId, checkIn: day(1), checkOut: day(2), totalPrice: 100 };
    const other = await createUser(db);
    const refused = await confirm(other.token, body);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toBe('forbidden_user');
    const admin = await createUser(db, { role: 'ADMIN' });
    const res = await confirm(admin.token, body);
    expect(res.status).toBe(201);
    expect((await res.json()).booking.userId).toBe(renter.userId);
    const unknown = await confirm(admin.token, { ...body, userId: 999_999 });
    expect(unknown.status).toBe(404);
  });

  it('requires a Bearer token (401), even with a token cookie', async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = { hangarId: listing.id, checkIn: day(1), checkOut: day(2), totalPrice: 100 };
    expect((await confirm(undefined, body)).status).toBe(401);
    expect((await confirm(undefined, body, { cookie: `token=${renter.token}` })).status).toBe(401);
    expect((await confirm('not-a-jwt', body)).status).toBe(401);
    expect(await bookingsOf(listing.id)).toHaveLength(0);
  });
});

describe('validation', () => {
  it.each([
    ['checkOut before checkIn', { checkIn: day(3), checkOut: day(1) }],
    ['equal dates', { checkIn: day(3), checkOut: day(3) }],
    ['more than 365 nights', { checkIn: day(1), checkOut: day(370) }],
    ['a stay in the past', { checkIn: day(-5), checkOut: day(-3) }],
    ['a time without offset', { checkIn: '2030-01-01T10:00:00' }],
    ['a non-date', { checkIn: 'tomorrow' }],
    ['a zero price', { totalPrice: 0 }],
    ['a negative price', { totalPrice: -10 }],
    ['three decimals', { totalPrice: 10.001 }],
    ['a price above 10 000 000', { totalPrice: 10_000_001 }],
    ['a string price', { totalPrice: 'cheap' }],
    ['negative fees', { fees: -1 }],
    ['a hangarId of 0', { hangarId: 0 }],
    ['a hangarId beyond int4', { hangarId: 2 ** 31 }],
    ['a fractional hangarId', { hangarId: 1.5 }],
    ['a missing hangarId', { hangarId: undefined }],
    ['a huge promo code', { promoCode: 'x'.repeat(51) }],
  ])('refuses %s with 400 and writes nothing', async (_name, patch) => {
    const listing = await createListing(db, owner.ownerId);
    const body = { hangarId: listing.id, checkIn: day(1), checkOut: day(2), totalPrice: 100, ...patch };
    const res = await confirm(renter.token, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    expect(await bookingsOf(listing.id)).toHaveLength(0);
    expect(bus.events).toEqual([]);
  });

  it('refuses malformed JSON (400), other media types (415) and huge bodies (413)', async () => {
    expect((await confirm(renter.token, '{nope')).status).toBe(400);
    expect((await confirm(renter.token, '[]')).status).toBe(400);
    expect((await confirm(renter.token, '{}', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await confirm(renter.token, { promoCode: 'x'.repeat(20_000) })).status).toBe(413);
  });
});
