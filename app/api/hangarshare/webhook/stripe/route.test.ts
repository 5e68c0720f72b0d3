import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { resetConfig } from '@/lib/config';
import type { Db } from '@/lib/db/client';
import { bookingPayments, hangarBookings, stripeEvents, type BookingStatus } from '@/lib/db/schema';
import { expectRefusal, expectShape, WEBHOOK_OK } from '@/test/support/portal-contract';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { POST as confirmRoute } from '../../booking/confirm/route';
import { POST } from './route';
import { getDb } from '@/lib/runtime';

const SECRET = 'whsec_test_0123456789abcdef';
const H = 3_600_000;
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let listing: Awaited<ReturnType<typeof createListing>>;
let bus: Awaited<ReturnType<typeof captureBus>>;
let n = 0;

function stripeEvent(type: string, intent: Record<string, unknown>, id = `evt_test_${++n}`) {
  return JSON.stringify({ id, object: 'event', type, created: 1_790_000_000, data: { object: { object: 'payment_intent', currency: 'brl', ...intent } } });
}
function send(payload: string, opts: { secret?: string; timestamp?: number; signature?: string | null } = {}) {
  const signature =
    opts.signature === undefined
      ? Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp })
      : opts.signature;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers['stripe-signature'] = signature;
  return POST(apiRequest('POST', '/api/hangarshare/webhook/stripe', { body: payload, headers }));
}
const bookingRow = async (id: number) => (await db.select().from(hangarBookings).where(eq(hangarBookings.id, id)))[0];
const booking = (status: BookingStatus, pi: string, opts: { active?: boolean } = {}) =>
  createBooking(db, listing.id, renter.userId, {
    status,
    totalPrice: 480,
    paymentIntent: pi,
    ...(opts.active ? { checkIn: new Date(Date.now() - H), checkOut: new Date(Date.now() + H) } : {}),
  });

beforeAll(async () => {
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
  resetConfig();
  db = await getDb();
  owner = await createOwner(db);
  renter = await createUser(db);
  listing = await createListing(db, owner.ownerId, { totalSpaces: 2 });
  bus = await captureBus();
});
afterEach(() => bus.clear());
afterAll(() => {
  delete process.env.STRIPE_WEBHOOK_SECRET;
  resetConfig();
});

describe('payment_intent.succeeded', () => {
  it('confirms a pending booking and publishes booking_updated and revenue_received', async () => {
    const b = await booking('pending', 'pi_succeed_1', { active: true });
    const res = await send(
      stripeEvent('payment_intent.succeeded', { id: 'pi_succeed_1', amount: 48_000, amount_received: 47_999, latest_charge: 'ch_1' }, 'evt_ok_1'),
    );
    expect(res.status).toBe(200);
    expect(expectShape(WEBHOOK_OK, await res.json())).toEqual({ received: true, bookingId: String(b.id), status: 'confirmed' });
    // The charge and the payment date the portal meant to store (its columns do not exist) are kept in booking_payments.
    expect(await db.select().from(bookingPayments).where(eq(bookingPayments.bookingId, b.id))).toEqual([
      expect.objectContaining({
        paymentIntentId: 'pi_succeed_1',
        status: 'succeeded',
        chargeId: 'ch_1',
        amount: '479.99',
        paidAt: new Date(1_790_000_000_000),
      }),
    ]);
    expect((await bookingRow(b.id)).status).toBe('confirmed');
    expect(bus.types()).toEqual(['booking_updated', 'occupancy_changed', 'revenue_received']);
    expect(bus.events[0].data).toMatchObject({ id: String(b.id), status: 'confirmed', previousStatus: 'pending', amount: 480 });
    expect(bus.events[2].data).toEqual({
      bookingId: String(b.id),
      amount: 479.99,
      currency: 'BRL',
      paymentIntentId: 'pi_succeed_1',
      receivedAt: new Date(1_790_000_000_000).toISOString(),
    });
    expect(await db.select().from(stripeEvents).where(eq(stripeEvents.eventId, 'evt_ok_1'))).toHaveLength(1);
  });

  it('keeps a confirmed booking confirmed and only records the revenue', async () => {
    const b = await booking('confirmed', 'pi_succeed_2');
    const res = await send(stripeEvent('payment_intent.succeeded', { id: 'pi_succeed_2', amount: 48_000 }));
    expect(await res.json()).toMatchObject({ status: 'confirmed' });
    expect(bus.types()).toEqual(['revenue_received']);
    expect(bus.events[0].data).toMatchObject({ amount: 480 });
    expect((await bookingRow(b.id)).status).toBe('confirmed');
  });

  it('falls back to the booking total for another currency', async () => {
    await booking('confirmed', 'pi_usd');
    await send(stripeEvent('payment_intent.succeeded', { id: 'pi_usd', amount: 100, currency: 'usd' }));
    expect(bus.events[0].data).toMatchObject({ amount: 480, currency: 'BRL' });
  });

  it('leaves a cancelled booking cancelled and publishes nothing', async () => {
    const b = await booking('cancelled', 'pi_late');
    const res = await send(stripeEvent('payment_intent.succeeded', { id: 'pi_late', amount: 48_000 }));
    expect(await res.json()).toEqual({ received: true, bookingId: String(b.id), status: 'cancelled', ignored: 'booking_cancelled' });
    expect(bus.events).toEqual([]);
  });

  it('applies an event id once: a replay answers duplicate and changes nothing', async () => {
    const b = await booking('pending', 'pi_replay');
    const payload = stripeEvent('payment_intent.succeeded', { id: 'pi_replay', amount: 48_000 }, 'evt_replay');
    expect((await send(payload)).status).toBe(200);
    await db.update(hangarBookings).set({ status: 'pending' }).where(eq(hangarBookings.id, b.id));
    bus.clear();
    const again = await send(payload);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect((await bookingRow(b.id)).status).toBe('pending');
    expect(bus.events).toEqual([]);
  });

  it('confirms end to end a booking made by the confirm route', async () => {
    const t0 = Date.now(); // one instant for both dates: exactly 2 nights
    const res = await confirmRoute(
      apiRequest('POST', '/api/hangarshare/booking/confirm', {
        token: renter.token,
        body: { hangarId: listing.id, checkIn: new Date(t0 + 40 * 24 * H).toISOString(), checkOut: new Date(t0 + 42 * 24 * H).toISOString(), totalPrice: 1050 },
      }),
    );
    const { booking: created, payment } = await res.json();
    bus.clear();
    const hook = await send(stripeEvent('payment_intent.succeeded', { id: payment.paymentIntentId, amount_received: 105_000 }));
    expect(await hook.json()).toMatchObject({ bookingId: String(created.id), status: 'confirmed' });
    expect(bus.types()).toEqual(['revenue_received']);
  });
});

describe('payment_intent.payment_failed', () => {
  it.each(['pending', 'confirmed'] as const)('cancels a %s booking and publishes booking_updated', async (status) => {
    const pi = `pi_fail_${status}`;
    const b = await booking(status, pi);
    const quiet = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const res = await send(stripeEvent('payment_intent.payment_failed', { id: pi, amount: 48_000, last_payment_error: { message: 'Cartão recusado' } }));
    quiet.mockRestore();
    expect(await res.json()).toMatchObject({ status: 'cancelled' });
    expect((await db.select().from(bookingPayments).where(eq(bookingPayments.bookingId, b.id)))[0]).toMatchObject({ status: 'failed' });
    expect((await bookingRow(b.id)).status).toBe('cancelled');
    expect(bus.types()).toEqual(['booking_updated']);
    expect(bus.events[0].data).toMatchObject({ status: 'cancelled', previousStatus: status });
  });

  it('also frees the spot of an active booking (occupancy_changed)', async () => {
    await booking('confirmed', 'pi_fail_active', { active: true });
    await send(stripeEvent('payment_intent.payment_failed', { id: 'pi_fail_active' }));
    expect(bus.types()).toEqual(['booking_updated', 'occupancy_changed']);
  });

  it('leaves a completed booking alone', async () => {
    const b = await booking('completed', 'pi_fail_done');
    const res = await send(stripeEvent('payment_intent.payment_failed', { id: 'pi_fail_done' }));
    expect(await res.json()).toMatchObject({ ignored: 'booking_completed' });
    expect((await bookingRow(b.id)).status).toBe('completed');
    expect(bus.events).toEqual([]);
  });
});

describe('acknowledged but ignored (200, so Stripe stops retrying)', () => {
  it('an intent that matches no booking', async () => {
    const res = await send(stripeEvent('payment_intent.succeeded', { id: 'pi_nobody', amount: 100 }, 'evt_nobody'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, ignored: 'unknown_payment_intent' });
    expect(await db.select().from(stripeEvents).where(eq(stripeEvents.eventId, 'evt_nobody'))).toHaveLength(0);
  });

  it('another event type', async () => {
    const res = await send(stripeEvent('charge.refunded', { id: 'ch_1' }));
    expect(await res.json()).toEqual({ received: true, ignored: 'unhandled_event_type' });
  });

  it('a payment intent without an id', async () => {
    const res = await send(stripeEvent('payment_intent.succeeded', { id: 42 }));
    expect(await res.json()).toEqual({ received: true, ignored: 'invalid_payment_intent' });
  });
});

describe('signature (security: forged, tampered or replayed webhooks are refused)', () => {
  const payload = () => stripeEvent('payment_intent.succeeded', { id: 'pi_forged', amount: 48_000 });

  it.each([
    ['a missing header', { signature: null }, 'missing_signature'],
    ['an empty header', { signature: '' }, 'missing_signature'],
    ['a malformed header', { signature: 'garbage' }, 'invalid_signature'],
    ['a signature made with another secret', { secret: 'whsec_attacker' }, 'invalid_signature'],
    ['a stale timestamp (replay of an old request)', { timestamp: Math.floor(Date.now() / 1000) - 301 }, 'invalid_signature'],
    ['a timestamp from the future', { timestamp: Math.floor(Date.now() / 1000) + 600 }, 'invalid_signature'],
  ])('refuses %s with 400 "Invalid signature" and changes nothing', async (_name, opts, code) => {
    const b = await booking('pending', 'pi_forged');
    await expectRefusal(await send(payload(), opts), 400, 'Invalid signature', code);
    expect((await bookingRow(b.id)).status).toBe('pending');
    expect(bus.events).toEqual([]);
    await db.delete(hangarBookings).where(eq(hangarBookings.id, b.id));
  });

  it('refuses a tampered body signed for another one', async () => {
    const b = await booking('pending', 'pi_tamper');
    const original = stripeEvent('payment_intent.payment_failed', { id: 'pi_tamper' });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: original, secret: SECRET });
    await expectRefusal(await send(original.replace('payment_failed', 'succeeded'), { signature }), 400, 'Invalid signature', 'invalid_signature');
    expect((await bookingRow(b.id)).status).toBe('pending');
  });

  it('refuses a signed body that is not a Stripe event (400 invalid_payload)', async () => {
    await expectRefusal(await send('not json'), 400, 'Invalid payload', 'invalid_payload');
    await expectRefusal(await send('{"hello":1}'), 400, 'Invalid payload', 'invalid_payload');
  });

  it('refuses a body over 256 KiB with 413', async () => {
    await expectRefusal(
      await send(stripeEvent('payment_intent.succeeded', { id: 'pi_big', pad: 'x'.repeat(300_000) })),
      413,
      'Payload too large',
      'payload_too_large',
    );
  });

  it('answers 503 webhook_not_configured while STRIPE_WEBHOOK_SECRET is unset', async () => {
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetConfig();
    try {
      await expectRefusal(await send(payload()), 503, 'Webhook not configured', 'webhook_not_configured');
    } finally {
      process.env.STRIPE_WEBHOOK_SECRET = SECRET;
      resetConfig();
    }
  });
});
