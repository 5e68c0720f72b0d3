/**
 * `POST booking/confirm` in local payment mode (no STRIPE_SECRET_KEY): the portal's request keys,
 * its success shapes and status codes, `{ error, code }` refusals with the portal's sentences, and
 * what this service checks beyond the portal (verified token, `userId`, prices against the rates,
 * capacity by spaces, replays before the overlap check, abandoned checkouts released). The Stripe
 * path is in `stripe.test.ts`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { bookingPayments, hangarBookings, hangarListings, realtimeEvents } from '@/lib/db/schema';
import { zonedDay } from '@/lib/time';
import { describePaymentMode, paymentMode } from '@/lib/domain/stripe-gateway';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { CONFIRM_OK, CONFIRM_REPLAY, expectRefusal, expectShape } from '@/test/support/portal-contract';
import { POST } from './route';
import { getDb } from '@/lib/runtime';

const D = 86_400_000;
// One fixed base, so day(2) means the same instant in every request of a test.
const BASE = Math.ceil(Date.now() / 60_000) * 60_000;
const day = (n: number) => new Date(BASE + n * D).toISOString();
/** The fixture listing's price: 500/night + 5 % fees. */
const total = (nights: number) => Math.round(nights * 525 * 100) / 100;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const confirm = (token: string | undefined, body: unknown, headers?: Record<string, string>) =>
  POST(apiRequest('POST', '/api/hangarshare/booking/confirm', { token, body, headers }));
const bookingsOf = (hangarId: number) => db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, hangarId));
const logOf = (ownerId: number) => db.select().from(realtimeEvents).where(eq(realtimeEvents.ownerId, ownerId));
const stayBody = (hangarId: number, from: number, to: number) => ({ hangarId, checkIn: day(from), checkOut: day(to), totalPrice: total(to - from) });

beforeAll(async () => {
  db = await getDb();
  owner = await createOwner(db);
  renter = await createUser(db);
  bus = await captureBus();
});
afterEach(() => bus.clear());

describe('POST /api/hangarshare/booking/confirm: success', () => {
  it('runs in an explicit local payment mode without STRIPE_SECRET_KEY, and says so at boot', () => {
    expect(paymentMode()).toBe('local');
    expect(describePaymentMode()).toMatch(/STRIPE_SECRET_KEY is not set: local payment mode .*clientSecret null/);
  });

  it("answers the portal's shape, writes the portal's columns and publishes booking_created", async () => {
    const listing = await createListing(db, owner.ownerId);
    const res = await confirm(renter.token, {
      hangarId: listing.id,
      userId: renter.userId,
      checkIn: day(10),
      checkOut: day(13),
      totalPrice: 1575,
      subtotal: 1500,
      fees: 75,
      promoCode: '',
    });
    expect(res.status).toBe(200);
    const body = expectShape(CONFIRM_OK, await res.json());
    expect(body.booking).toEqual({
      id: expect.any(Number),
      status: 'confirmed',
      hangarNumber: listing.hangarNumber,
      checkIn: day(10),
      checkOut: day(13),
      nights: 3,
      subtotal: 1500,
      discount: null,
      fees: 75,
      totalPrice: 1575,
      bookingType: 'refundable',
    });
    expect(body.payment).toEqual({ clientSecret: null, paymentIntentId: expect.stringMatching(/^pi_local_[0-9a-f]{24}$/), publishableKey: null });
    const [row] = await bookingsOf(listing.id);
    expect(row).toMatchObject({
      id: body.booking.id,
      userId: renter.userId,
      nights: 3,
      subtotal: '1500.00',
      fees: '75.00',
      totalPrice: '1575.00',
      status: 'confirmed',
      paymentMethod: 'stripe',
      stripePaymentIntentId: body.payment.paymentIntentId,
      bookingType: 'refundable',
      refundPolicyApplied: 'flexible_v1',
      promoCode: null,
      discountAmount: null,
    });
    // Local mode records no Stripe payment to wait for.
    expect(await db.select().from(bookingPayments).where(eq(bookingPayments.bookingId, row.id))).toEqual([]);
    expect(bus.types()).toEqual(['booking_created']);
    expect(bus.events[0]).toMatchObject({ ownerId: owner.ownerId });
    expect(bus.events[0].data).toEqual({
      id: String(row.id),
      guestName: expect.stringMatching(/^User\d+$/),
      hangarId: listing.id,
      hangarNumber: listing.hangarNumber,
      checkIn: day(10),
      checkOut: day(13),
      amount: 1575,
      duration: 3,
      status: 'confirmed',
    });
    expect((await logOf(owner.ownerId)).map((e) => e.type)).toContain('booking_created');
  });

  it('records the policy of the listing it was sold under', async () => {
    const listing = await createListing(db, owner.ownerId);
    await db.update(hangarListings).set({ cancellationPolicy: 'strict' }).where(eq(hangarListings.id, listing.id));
    expect((await confirm(renter.token, stayBody(listing.id, 40, 41))).status).toBe(200);
    expect((await bookingsOf(listing.id))[0].refundPolicyApplied).toBe('strict_v1');
  });

  it('also publishes occupancy_changed when the stay has already begun', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 2 });
    const checkIn = new Date(BASE - 3_600_000).toISOString();
    const checkOut = new Date(BASE + 23 * 3_600_000).toISOString();
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn, checkOut, totalPrice: total(1) });
    expect(res.status).toBe(200);
    expect((await res.json()).booking.bookingType).toBe('non_refundable');
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

  it('decides booking_type on the calendar day in BOOKING_TIMEZONE (a date-only check-in is that day)', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 5 });
    const today = zonedDay(new Date(), 'America/Sao_Paulo').day;
    const inDays = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * D).toISOString().slice(0, 10);
    // Date-only days are judged as days in São Paulo, at any hour (portal-routes.md step 7).
    const sameDay = await confirm(renter.token, { hangarId: listing.id, checkIn: today, checkOut: inDays(2), totalPrice: total(2) });
    expect((await sameDay.json()).booking.bookingType).toBe('non_refundable');
    const later = await confirm(renter.token, { hangarId: listing.id, checkIn: inDays(5), checkOut: inDays(6), totalPrice: total(1) });
    expect((await later.json()).booking.bookingType).toBe('refundable');
  });
});

describe('replays', () => {
  it("answers an identical request within 15 minutes with the portal's replay shape (no new row, no event)", async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = stayBody(listing.id, 10, 12);
    const first = expectShape(CONFIRM_OK, await (await confirm(renter.token, body)).json());
    bus.clear();
    const again = await confirm(renter.token, { ...body, hangarId: String(listing.id), totalPrice: `${total(2)}` });
    expect(again.status).toBe(200);
    const replay = expectShape(CONFIRM_REPLAY, await again.json());
    expect(replay.booking).toEqual({
      id: first.booking.id,
      status: 'confirmed',
      hangarNumber: listing.hangarNumber,
      checkIn: body.checkIn,
      checkOut: body.checkOut,
      nights: 2,
      totalPrice: total(2),
      bookingType: 'refundable',
    });
    expect(replay.payment.paymentIntentId).toBe(first.payment.paymentIntentId);
    expect(bus.events).toEqual([]);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
  });

  it('replays instead of answering 409 when the retry finds its own booking holding the last space', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    const body = stayBody(listing.id, 3, 4);
    expect((await confirm(renter.token, body)).status).toBe(200);
    expect((await confirm(renter.token, body)).status).toBe(200);
  });

  it('answers concurrent identical requests with one booking', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 5 });
    const body = stayBody(listing.id, 20, 21);
    const results = await Promise.all([confirm(renter.token, body), confirm(renter.token, body), confirm(renter.token, body)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const ids = new Set(await Promise.all(results.map(async (r) => (await r.json()).booking.id)));
    expect(ids.size).toBe(1);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
  });

  it('answers 409 "Reserva existente sem pagamento associado" for a replayed booking without a PaymentIntent', async () => {
    const listing = await createListing(db, owner.ownerId);
    await createBooking(db, listing.id, renter.userId, { status: 'pending', checkIn: new Date(BASE + 7 * D), checkOut: new Date(BASE + 8 * D) });
    await expectRefusal(await confirm(renter.token, stayBody(listing.id, 7, 8)), 409, 'Reserva existente sem pagamento associado', 'booking_without_payment');
  });
});

describe('capacity (by spaces)', () => {
  const FULL = 'Hangar indisponível para as datas selecionadas';

  it('refuses an overlapping stay with 409 once every space is taken, and changes nothing', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    expect((await confirm(renter.token, stayBody(listing.id, 1, 3))).status).toBe(200);
    bus.clear();
    const other = await createUser(db);
    await expectRefusal(await confirm(other.token, stayBody(listing.id, 2, 4)), 409, FULL, 'no_availability');
    expect(await bookingsOf(listing.id)).toHaveLength(1);
    expect(bus.events).toEqual([]);
    expect((await confirm(other.token, stayBody(listing.id, 3, 4))).status).toBe(200); // back to back
  });

  it('counts spaces in use at each instant, not every booking touching the stay', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 2 });
    const book = async (from: number, to: number) => (await confirm((await createUser(db)).token, stayBody(listing.id, from, to))).status;
    expect(await book(1, 2)).toBe(200);
    expect(await book(3, 4)).toBe(200);
    expect(await book(1, 4)).toBe(200);
    expect(await book(1, 4)).toBe(409);
    expect(await book(2, 3)).toBe(200);
  });

  it('lets exactly one of two concurrent requests take the last space', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    const [a, b] = await Promise.all([createUser(db), createUser(db)]);
    const results = await Promise.all([confirm(a.token, stayBody(listing.id, 5, 6)), confirm(b.token, stayBody(listing.id, 5, 6))]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
  });

  it('gives back the space of a checkout left pending for 30 minutes (the portal rule), with its event', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    const stale = await createBooking(db, listing.id, (await createUser(db)).userId, {
      status: 'pending',
      createdAt: new Date(Date.now() - 31 * 60_000),
      checkIn: new Date(BASE + 30 * D),
      checkOut: new Date(BASE + 31 * D),
      paymentIntent: 'pi_old',
    });
    const res = await confirm(renter.token, stayBody(listing.id, 30, 31));
    expect(res.status).toBe(200);
    const rows = await bookingsOf(listing.id);
    expect(rows.find((r) => r.id === stale.id)?.status).toBe('cancelled');
    expect(bus.types()).toEqual(['booking_updated', 'booking_created']);
  });

  it('keeps the space of a checkout pending for less than 30 minutes', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    await createBooking(db, listing.id, (await createUser(db)).userId, {
      status: 'pending',
      createdAt: new Date(Date.now() - 5 * 60_000),
      checkIn: new Date(BASE + 32 * D),
      checkOut: new Date(BASE + 33 * D),
    });
    expect((await confirm(renter.token, stayBody(listing.id, 32, 33))).status).toBe(409);
  });
});

describe('the listing', () => {
  const GONE = 'Hangar não encontrado ou indisponível';
  it.each([
    ['inactive', { status: 'inactive' }, 404, GONE, 'listing_not_active'],
    ['suspended', { status: 'suspended' }, 404, GONE, 'listing_not_active'],
    ['awaiting approval', { approvalStatus: 'pending_approval' }, 404, GONE, 'listing_not_active'],
    ['marked unavailable', { isAvailable: false }, 404, GONE, 'listing_unavailable'],
    [
      'outside its availability window',
      { availableUntil: new Date(BASE + 3 * D).toISOString().slice(0, 10) },
      409,
      'Hangar indisponível para as datas selecionadas',
      'outside_availability',
    ],
    ['without any rate', { dailyRate: null }, 409, 'Hangar sem tarifa definida', 'listing_without_price'],
  ])('refuses a listing %s and writes nothing', async (_name, patch, status, error, code) => {
    const listing = await createListing(db, owner.ownerId);
    await db
      .update(hangarListings)
      .set(patch as never)
      .where(eq(hangarListings.id, listing.id));
    await expectRefusal(await confirm(renter.token, stayBody(listing.id, 1, 5)), status, error, code);
    expect(await bookingsOf(listing.id)).toHaveLength(0);
  });

  it('answers 404 for a listing that does not exist', async () => {
    await expectRefusal(await confirm(renter.token, stayBody(999_999, 1, 2)), 404, 'Hangar não encontrado ou indisponível', 'listing_not_found');
  });
});

describe('prices are checked against the listing rates', () => {
  it('refuses a total, subtotal or fees that do not match, naming the right figures', async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = stayBody(listing.id, 50, 52);
    const wrong = await expectRefusal(await confirm(renter.token, { ...body, totalPrice: 1 }), 400, /^Valor da reserva não confere/, 'price_mismatch');
    expect(wrong.error).toContain('total R$ 1050,00');
    await expectRefusal(await confirm(renter.token, { ...body, subtotal: 999 }), 400, /^Valor da reserva não confere/, 'price_mismatch');
    await expectRefusal(await confirm(renter.token, { ...body, fees: 0 }), 400, /^Valor da reserva não confere/, 'price_mismatch');
    expect(await bookingsOf(listing.id)).toHaveLength(0);
  });

  it('prices a long stay with the cheaper weekly rate, as the portal calculates it', async () => {
    const listing = await createListing(db, owner.ownerId);
    await db.update(hangarListings).set({ weeklyRate: '3000' }).where(eq(hangarListings.id, listing.id));
    // 9 nights: 1 week (3 000) + 2 nights (1 000) = 4 000 < 9 × 500; fees 200.
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn: day(60), checkOut: day(69), totalPrice: 4200, subtotal: 4000, fees: 200 });
    expect(res.status).toBe(200);
  });
});

describe('who books', () => {
  it('refuses a non-admin booking for someone else (403), lets an admin do it, 404 for an unknown user', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 3 });
    const body = { ...stayBody(listing.id, 1, 2), userId: renter.userId };
    const other = await createUser(db);
    await expectRefusal(await confirm(other.token, body), 403, 'Você só pode reservar em seu próprio nome', 'forbidden_user');
    const admin = await createUser(db, { role: 'ADMIN' });
    const res = await confirm(admin.token, body);
    expect(res.status).toBe(200);
    expect((await bookingsOf(listing.id))[0].userId).toBe(renter.userId);
    await expectRefusal(await confirm(admin.token, { ...body, userId: 999_999 }), 404, 'Usuário não encontrado', 'user_not_found');
  });

  it('requires a verified Bearer token (401 "Autenticação necessária"), even with a token cookie', async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = stayBody(listing.id, 1, 2);
    await expectRefusal(await confirm(undefined, body), 401, 'Autenticação necessária', 'missing_token');
    await expectRefusal(await confirm(undefined, body, { cookie: `token=${renter.token}` }), 401, 'Autenticação necessária', 'missing_token');
    await expectRefusal(await confirm('not-a-jwt', body), 401, 'Autenticação necessária', 'invalid_token');
    expect(await bookingsOf(listing.id)).toHaveLength(0);
  });
});

describe('validation', () => {
  it.each([
    ['a missing hangarId', { hangarId: undefined }, 'Dados obrigatórios faltando', 'missing_fields'],
    ['a missing totalPrice', { totalPrice: undefined }, 'Dados obrigatórios faltando', 'missing_fields'],
    ['a null checkIn', { checkIn: null }, 'Dados obrigatórios faltando', 'missing_fields'],
    ['checkOut before checkIn', { checkIn: day(3), checkOut: day(1) }, 'Datas inválidas', 'invalid_dates'],
    ['equal dates', { checkIn: day(3), checkOut: day(3) }, 'Datas inválidas', 'invalid_dates'],
    ['more than 365 nights', { checkIn: day(1), checkOut: day(370) }, 'Datas inválidas', 'invalid_dates'],
    ['a stay in the past', { checkIn: day(-5), checkOut: day(-3) }, 'Datas inválidas', 'invalid_dates'],
    ['a time without offset', { checkIn: '2030-01-01T10:00:00' }, 'Dados inválidos: checkIn', 'invalid_field'],
    ['a non-date', { checkIn: 'tomorrow' }, 'Dados inválidos: checkIn', 'invalid_field'],
    ['a zero price', { totalPrice: 0 }, 'Dados inválidos: totalPrice', 'invalid_field'],
    ['three decimals', { totalPrice: 10.001 }, 'Dados inválidos: totalPrice', 'invalid_field'],
    ['a string price', { totalPrice: 'cheap' }, 'Dados inválidos: totalPrice', 'invalid_field'],
    ['negative fees', { fees: -1 }, 'Dados inválidos: fees', 'invalid_field'],
    ['a hangarId of 0', { hangarId: 0 }, 'Dados inválidos: hangarId', 'invalid_field'],
    ['a fractional hangarId', { hangarId: 1.5 }, 'Dados inválidos: hangarId', 'invalid_field'],
    ['a huge promo code', { promoCode: 'x'.repeat(51) }, 'Dados inválidos: promoCode', 'invalid_field'],
    ['an unknown key', { status: 'completed' }, 'Campo desconhecido: status', 'unknown_field'],
    ['a snake_case spelling', { hangar_id: 1 }, 'Campo desconhecido: hangar_id', 'unknown_field'],
  ])('refuses %s with 400, naming it, and writes nothing', async (_name, patch, error, code) => {
    const listing = await createListing(db, owner.ownerId);
    await expectRefusal(await confirm(renter.token, { ...stayBody(listing.id, 1, 2), ...patch }), 400, error, code);
    expect(await bookingsOf(listing.id)).toHaveLength(0);
    expect(bus.events).toEqual([]);
  });

  it('refuses malformed JSON (400), other media types (415) and huge bodies (413), as { error, code }', async () => {
    await expectRefusal(await confirm(renter.token, '{nope'), 400, 'Corpo da requisição não é um JSON válido', 'invalid_json');
    await expectRefusal(await confirm(renter.token, '[]'), 400, 'Dados inválidos: (body)', 'invalid_field');
    await expectRefusal(
      await confirm(renter.token, '{}', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'Envie o corpo como application/json',
      'unsupported_media_type',
    );
    await expectRefusal(await confirm(renter.token, { promoCode: 'x'.repeat(20_000) }), 413, 'Corpo da requisição grande demais', 'payload_too_large');
  });
});
