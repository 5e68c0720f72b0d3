/**
 * `POST booking/cancel` (local payment mode; the Stripe refund path is in test/checkout.test.ts):
 * the portal's body, shape and English errors, its refund rule, who may cancel, and the events
 * that carry the cancellation to the owner's dashboard.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { bookingRefunds, hangarBookings, type BookingStatus } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { CANCEL_OK, expectRefusal, expectShape } from '@/test/support/portal-contract';
import { POST } from './route';
import { getDb } from '@/lib/runtime';

const H = 3_600_000;
const D = 24 * H;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const cancel = (token: string | undefined, body: unknown) => POST(apiRequest('POST', '/api/hangarshare/booking/cancel', { token, body }));
const row = async (id: number) => (await db.select().from(hangarBookings).where(eq(hangarBookings.id, id)))[0];

/** A booking of 1 050 (1 000 + 50 fees) starting in `days`, sold under `policy`. */
async function booking(opts: { days?: number; policy?: string; type?: string; status?: BookingStatus; active?: boolean; userId?: number } = {}) {
  const listing = await createListing(db, owner.ownerId, { totalSpaces: 2 });
  const checkIn = opts.active ? new Date(Date.now() - H) : new Date(Date.now() + (opts.days ?? 10) * D + H);
  const b = await createBooking(db, listing.id, opts.userId ?? renter.userId, {
    status: opts.status ?? 'confirmed',
    totalPrice: 1050,
    checkIn,
    checkOut: new Date(checkIn.getTime() + 2 * D),
    paymentIntent: 'pi_local_0123456789abcdef01234567',
  });
  await db
    .update(hangarBookings)
    .set({ fees: '50.00', refundPolicyApplied: opts.policy ?? 'moderate_v1', bookingType: opts.type ?? 'refundable' })
    .where(eq(hangarBookings.id, b.id));
  return { listing, b };
}

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  renter = await createUser(db);
  bus = await captureBus();
});
afterEach(() => bus.clear());

describe('POST /api/hangarshare/booking/cancel', () => {
  it("cancels the renter's booking, refunds by the policy, answers the portal's shape and tells the owner", async () => {
    const { listing, b } = await booking({ days: 10, policy: 'moderate_v1' });
    const res = await cancel(renter.token, { bookingId: b.id, reason: 'Mudança de planos' });
    expect(res.status).toBe(200);
    const body = expectShape(CANCEL_OK, await res.json());
    // moderate, 10 days ahead: 100 % of total − fees.
    expect(body.booking).toEqual({ id: b.id, status: 'cancelled', originalAmount: 1050, refundAmount: 1000, refundId: expect.stringMatching(/^re_local_/) });
    expect((await row(b.id)).status).toBe('cancelled');
    expect(await db.select().from(bookingRefunds).where(eq(bookingRefunds.bookingId, b.id))).toEqual([
      expect.objectContaining({ refundId: body.booking.refundId, amount: '1000.00', status: 'local', reason: 'Mudança de planos', requestedBy: renter.userId }),
    ]);
    expect(bus.types()).toEqual(['booking_updated']);
    expect(bus.events[0]).toMatchObject({
      ownerId: owner.ownerId,
      data: { id: String(b.id), hangarId: listing.id, status: 'cancelled', previousStatus: 'confirmed', amount: 1050 },
    });
  });

  it.each([
    ['moderate, 3 days ahead: half', { days: 3, policy: 'moderate_v1' }, 500],
    ['moderate, 1 day ahead: nothing', { days: 0.5, policy: 'moderate_v1' }, 0],
    ['strict, 10 days ahead: nothing', { days: 10, policy: 'strict_v1' }, 0],
    ['flexible, 1 day ahead: all', { days: 0.5, policy: 'flexible_v1' }, 1000],
    ['non-refundable: nothing', { days: 60, policy: 'flexible_v1', type: 'non_refundable' }, 0],
  ])('refunds %s', async (_name, opts, refund) => {
    const { b } = await booking(opts);
    const body = expectShape(CANCEL_OK, await (await cancel(renter.token, { bookingId: b.id, reason: 'x' })).json());
    expect(body.booking.refundAmount).toBe(refund);
    expect(body.booking.refundId === null).toBe(refund === 0);
  });

  it("frees the space of a stay under way (occupancy_changed) and lets an admin cancel anyone's booking, partially", async () => {
    const { b } = await booking({ active: true, policy: 'flexible_v1' });
    const staff = await createUser(db, { role: 'Staff' });
    const body = expectShape(CANCEL_OK, await (await cancel(staff.token, { bookingId: b.id, reason: 'Operação', refundType: 'partial' })).json());
    expect(body.booking.refundAmount).toBe(500);
    expect(bus.types()).toEqual(['booking_updated', 'occupancy_changed']);
    expect(bus.events[1].data).toMatchObject({ occupiedSpots: 0, isNowOccupied: false });
  });

  it("refuses the listing's owner, another user and a stranger with 403 Forbidden, changing nothing", async () => {
    const { b } = await booking();
    for (const token of [owner.token, (await createUser(db)).token]) {
      await expectRefusal(await cancel(token, { bookingId: b.id, reason: 'x' }), 403, 'Forbidden', 'forbidden');
    }
    expect((await row(b.id)).status).toBe('confirmed');
    expect(bus.events).toEqual([]);
  });

  it.each([
    ['cancelled', 'Booking is already cancelled', 'already_cancelled'],
    ['completed', 'Cannot cancel a completed booking', 'booking_completed'],
    ['rejected', 'Cannot cancel a rejected booking', 'booking_rejected'],
  ] as const)('refuses a %s booking with 400', async (status, error, code) => {
    const { b } = await booking({ status });
    await expectRefusal(await cancel(renter.token, { bookingId: b.id, reason: 'x' }), 400, error, code);
    expect(await db.select().from(bookingRefunds).where(eq(bookingRefunds.bookingId, b.id))).toEqual([]);
  });

  it.each([
    ['no reason', { reason: undefined }, 'bookingId and reason are required', 'missing_fields'],
    ['no bookingId', { bookingId: undefined }, 'bookingId and reason are required', 'missing_fields'],
    ['an empty reason', { reason: '  ' }, 'Invalid field: reason', 'invalid_field'],
    ['an unknown refundType', { refundType: 'double' }, 'Invalid field: refundType', 'invalid_field'],
    ['an unknown key', { refund: 100 }, 'Unknown field: refund', 'unknown_field'],
  ])('refuses %s with 400', async (_name, patch, error, code) => {
    const { b } = await booking();
    await expectRefusal(await cancel(renter.token, { bookingId: b.id, reason: 'x', ...patch }), 400, error, code);
    expect((await row(b.id)).status).toBe('confirmed');
  });

  it('answers 404 Booking not found and 401 Unauthorized / Invalid token', async () => {
    await expectRefusal(await cancel(renter.token, { bookingId: 2_000_000_000, reason: 'x' }), 404, 'Booking not found', 'booking_not_found');
    await expectRefusal(await cancel(undefined, { bookingId: 1, reason: 'x' }), 401, 'Unauthorized', 'missing_token');
    await expectRefusal(await cancel('x.y.z', { bookingId: 1, reason: 'x' }), 401, 'Invalid token', 'invalid_token');
  });

  it("is the renter's own, whatever the listing: a renter who is also an owner cancels only their bookings", async () => {
    const other = await createOwner(db);
    const { b } = await booking({ userId: other.userId });
    expect((await cancel(other.token, { bookingId: b.id, reason: 'x' })).status).toBe(200);
  });
});
