import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { hangarBookings, realtimeEvents, type BookingStatus } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser, routeParams } from '@/test/support/fixtures';
import { bookingRefunds } from '@/lib/db/schema';
import { expectRefusal, expectShape, INVALID_TRANSITION, OWNER_BOOKING_GET_OK, OWNER_BOOKING_PATCH_OK } from '@/test/support/portal-contract';
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
  it("returns the portal's view of the booking to its listing owner, an admin and its renter", async () => {
    const b = await booking('pending');
    for (const token of [owner.token, admin.token, renter.token]) {
      const res = await get(token, String(b.id));
      expect(res.status).toBe(200);
      const body = expectShape(OWNER_BOOKING_GET_OK, await res.json());
      expect(body.booking).toMatchObject({
        id: b.id,
        listing_id: listing.id,
        user_id: renter.userId,
        total: '250.50',
        booking_status: 'pending',
        payment_status: 'pending',
        special_requests: null,
        icaoCode: 'SBMT',
        hangarNumber: listing.hangarNumber,
        dailyRate: '500.00',
        owner_id: owner.ownerId,
        owner_user_id: owner.userId,
        clientName: expect.stringMatching(/^User\d+$/),
        clientEmail: expect.stringMatching(/@test\.local$/),
      });
    }
  });

  it('refuses another owner and a stranger with 403 and the portal sentence', async () => {
    const b = await booking('pending');
    const stranger = await createUser(db);
    for (const token of [otherOwner.token, stranger.token]) {
      await expectRefusal(await get(token, String(b.id)), 403, 'Você não tem permissão para ver esta reserva', 'forbidden');
    }
  });

  it.each(['abc', '0', '-1', '01', '1.5', '2147483648', '99999999999'])('answers 400 for the id %j', async (id) => {
    await expectRefusal(await get(owner.token, id), 400, 'ID de reserva inválido', 'invalid_id');
  });

  it('answers 404 Reserva não encontrada, and 401 Não autorizado / Token inválido', async () => {
    await expectRefusal(await get(owner.token, '2147483647'), 404, 'Reserva não encontrada', 'booking_not_found');
    await expectRefusal(await get(undefined, '1'), 401, 'Não autorizado', 'missing_token');
    await expectRefusal(await get('x.y.z', '1'), 401, 'Token inválido', 'invalid_token');
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
    const body = expectShape(OWNER_BOOKING_PATCH_OK, await res.json());
    const label = { confirmed: 'Confirmada', cancelled: 'Cancelada', completed: 'Concluída' }[to];
    expect(body).toMatchObject({ message: `Reserva atualizada para: ${label}`, booking: { id: b.id, status: to, total: '250.50' } });
    expect(await statusOf(b.id)).toBe(to);
    expect(bus.types()).toEqual([type]); // a future stay: occupancy does not move
    expect(bus.events[0].data).toEqual({
      id: String(b.id),
      hangarId: listing.id,
      hangarNumber: listing.hangarNumber,
      status: to,
      previousStatus: from,
      amount: 250.5,
    });
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
  ] as const)('refuses %s → %s with 400, the labels and the allowed transitions, and changes nothing', async (from, to) => {
    const b = await booking(from);
    if (to === 'rejected') {
      // Not one of the values the portal's route takes at all.
      await expectRefusal(await patch(owner.token, b.id, { booking_status: 'rejected' }), 400, 'Status de reserva inválido', 'invalid_field');
      expect(await statusOf(b.id)).toBe(from);
      return;
    }
    const res = await patch(owner.token, b.id, { booking_status: to });
    expect(res.status).toBe(400);
    const body = expectShape(INVALID_TRANSITION, await res.json());
    const labels: Record<string, string> = {
      pending: 'Pendente',
      confirmed: 'Confirmada',
      completed: 'Concluída',
      cancelled: 'Cancelada',
      rejected: 'Rejeitada',
    };
    expect(body).toEqual({
      error: `Transição inválida: ${labels[from]} → ${labels[to]}`,
      code: 'invalid_transition',
      currentStatus: from,
      requestedStatus: to,
      allowedTransitions: { pending: ['confirmed', 'cancelled'], confirmed: ['completed', 'cancelled'] }[from as string] ?? [],
    });
    expect(await statusOf(b.id)).toBe(from);
    expect(bus.events).toEqual([]);
  });

  it('treats a request for the current status as a no-op (200, no event)', async () => {
    const b = await booking('confirmed');
    const res = await patch(owner.token, b.id, { booking_status: 'confirmed' });
    expect(res.status).toBe(200);
    expect(expectShape(OWNER_BOOKING_PATCH_OK, await res.json())).toMatchObject({ booking: { status: 'confirmed' }, refundNeeded: false });
    expect(bus.events).toEqual([]);
  });

  it('refunds in full when the owner cancels a paid booking (refundNeeded), recording the refund', async () => {
    const b = await createBooking(db, listing.id, renter.userId, {
      status: 'confirmed',
      totalPrice: 250.5,
      paymentIntent: 'pi_local_00000000000000000000abcd',
    });
    const body = expectShape(OWNER_BOOKING_PATCH_OK, await (await patch(owner.token, b.id, { booking_status: 'cancelled' })).json());
    expect(body).toMatchObject({ refundNeeded: true, booking: { status: 'cancelled', paymentStatus: 'refunded' } });
    expect(await db.select().from(bookingRefunds).where(eq(bookingRefunds.bookingId, b.id))).toEqual([
      expect.objectContaining({ amount: '250.50', status: 'local', requestedBy: owner.userId }),
    ]);
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
      await expectRefusal(await patch(token, b.id, { booking_status: 'cancelled' }), 403, 'Você não tem permissão para atualizar esta reserva', 'forbidden');
    }
    expect(await statusOf(b.id)).toBe('pending');
    expect(bus.events).toEqual([]);
  });

  it.each([
    ['an empty body', {}, 'Status de reserva inválido', 'missing_fields'],
    ['an unknown status', { booking_status: 'paid' }, 'Status de reserva inválido', 'invalid_field'],
    ['a non-string status', { booking_status: 3 }, 'Status de reserva inválido', 'invalid_field'],
    ['disagreeing fields', { booking_status: 'confirmed', status: 'cancelled' }, 'Status de reserva inválido', 'conflicting_fields'],
    ['an unknown key', { booking_status: 'confirmed', note: 'x' }, 'Campo desconhecido: note', 'unknown_field'],
    ['malformed JSON', '{', 'Corpo da requisição não é um JSON válido', 'invalid_json'],
  ])('refuses %s with 400', async (_name, body, error, code) => {
    const b = await booking('pending');
    await expectRefusal(await patch(owner.token, b.id, body), 400, error, code);
    expect(await statusOf(b.id)).toBe('pending');
  });

  it('answers 404 for a missing booking, 400 for a bad id and 401 without a token', async () => {
    await expectRefusal(await patch(owner.token, 2_000_000_000, { booking_status: 'cancelled' }), 404, 'Reserva não encontrada', 'booking_not_found');
    await expectRefusal(await patch(owner.token, 'x', { booking_status: 'cancelled' }), 400, 'ID de reserva inválido', 'invalid_id');
    await expectRefusal(await patch(undefined, 1, { booking_status: 'cancelled' }), 401, 'Não autorizado', 'missing_token');
  });
});

describe('PATCH concurrency', () => {
  it('serializes two owners racing on one booking: one change wins, the other is refused', async () => {
    const b = await booking('confirmed');
    const results = await Promise.all([patch(owner.token, b.id, { booking_status: 'completed' }), patch(admin.token, b.id, { booking_status: 'cancelled' })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(bus.events).toHaveLength(1);
  });
});
