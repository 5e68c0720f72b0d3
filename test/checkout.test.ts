/**
 * The checkout end to end, as a Vitest integration test (not Playwright): the real route handlers,
 * the real `stripe` SDK against the local Stripe stand-in (STRIPE_API_BASE), a webhook signed with
 * the SDK, and the owner's dashboard read as the SSE stream of `GET /api/ws` — the events and the
 * `metrics_updated` snapshots the dashboard renders.
 *
 * booking/confirm → PaymentIntent created at the stand-in (amount, currency, metadata checked) →
 * the stand-in charges it and Stripe's `payment_intent.succeeded` arrives, signed → the owner's
 * stream shows the booking, the revenue, and a revenue today that includes it → booking/cancel →
 * a refund requested at the stand-in (amount by the listing's policy) → the owner's stream shows
 * the cancellation and the revenue today back without it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { POST as cancelRoute } from '../app/api/hangarshare/booking/cancel/route';
import { POST as confirmRoute } from '../app/api/hangarshare/booking/confirm/route';
import { GET as ownerBookingRoute } from '../app/api/hangarshare/owner/bookings/[bookingId]/route';
import { POST as webhookRoute } from '../app/api/hangarshare/webhook/stripe/route';
import { resetConfig } from '../lib/config';
import type { Db } from '../lib/db/client';
import { bookingPayments, bookingRefunds, hangarListings } from '../lib/db/schema';
import { apiRequest, createListing, createOwner, createUser, routeParams } from './support/fixtures';
import { CANCEL_OK, CONFIRM_OK, expectShape, OWNER_BOOKING_GET_OK } from './support/portal-contract';
import { openStream, streamTracker, type SseClient } from './support/sse-client';
import { StripeStandIn } from './support/stripe-stand-in';
import { getDb, getRuntime } from '../lib/runtime';

const WEBHOOK_SECRET = 'whsec_checkout_0123456789';
const D = 86_400_000;
const stripe = new StripeStandIn();
const { track, closeAll } = streamTracker();
let db: Db;

beforeAll(async () => {
  await stripe.start();
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: 'sk_test_checkout',
    STRIPE_API_BASE: stripe.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_checkout',
  });
  resetConfig();
  db = await getDb();
});
afterEach(async () => {
  const hub = (await getRuntime()).hub;
  await closeAll(() => hub.connectionCount());
});
afterAll(async () => {
  for (const k of ['STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'STRIPE_WEBHOOK_SECRET', 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY']) delete process.env[k];
  resetConfig();
  await stripe.stop();
});

/** What Stripe posts to the webhook once the intent succeeded, signed with the endpoint secret. */
function stripeDelivers(intent: object, type = 'payment_intent.succeeded') {
  const payload = JSON.stringify({
    id: `evt_${Date.now()}_${Math.random().toString(36).slice(2)}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object: intent },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return webhookRoute(apiRequest('POST', '/api/hangarshare/webhook/stripe', { body: payload, headers: { 'stripe-signature': signature } }));
}

/** Waits for a `metrics_updated` frame after index `from` that satisfies `cond`. */
async function metricsWhere(s: SseClient, from: number, cond: (m: Record<string, number>) => boolean, what: string) {
  await s.until(() => s.frames.slice(from).some((f) => f.event === 'metrics_updated' && cond(f.envelope.data)), 10_000, what);
  return s.frames
    .slice(from)
    .filter((f) => f.event === 'metrics_updated')
    .map((f) => f.envelope.data)
    .find(cond)!;
}

describe('checkout end to end: confirm → Stripe → webhook → dashboard → cancel → refund → dashboard', () => {
  it('shows the booking and its revenue on the owner dashboard, then the cancellation and the refund', async () => {
    const owner = await createOwner(db);
    const renter = await createUser(db);
    const listing = await createListing(db, owner.ownerId);
    await db.update(hangarListings).set({ cancellationPolicy: 'moderate' }).where(eq(hangarListings.id, listing.id));
    const dashboard = await track(openStream({ token: owner.token }));
    const first = await dashboard.next('metrics_updated');
    expect(first.envelope.data).toMatchObject({ revenueToday: 0, bookingsToday: 0 });

    // 1. Checkout: 3 nights at 500 + 5 % = 1 575, check-in in 10 days (moderate policy: full refund of 1 500).
    const checkIn = new Date(Math.ceil(Date.now() / D) * D + 10 * D).toISOString();
    const checkOut = new Date(Date.parse(checkIn) + 3 * D).toISOString();
    const confirmed = await confirmRoute(
      apiRequest('POST', '/api/hangarshare/booking/confirm', {
        token: renter.token,
        body: { hangarId: listing.id, checkIn, checkOut, totalPrice: 1575, subtotal: 1500, fees: 75 },
      }),
    );
    expect(confirmed.status).toBe(200);
    const { booking, payment } = expectShape(CONFIRM_OK, await confirmed.json());

    // 2. The PaymentIntent, as the stand-in received it from the SDK.
    const [create] = stripe.callsTo('POST', /^\/v1\/payment_intents$/);
    expect(create.params).toMatchObject({
      amount: '157500',
      currency: 'brl',
      allowed_payment_method_types: ['card'],
      metadata: {
        hangarId: String(listing.id),
        userId: String(renter.userId),
        hangarNumber: listing.hangarNumber,
        checkIn,
        checkOut,
        nights: '3',
        bookingType: 'refundable',
        promoCode: '',
      },
    });
    const intent = stripe.intents.get(payment.paymentIntentId)!;
    expect(payment).toEqual({ clientSecret: intent.client_secret, paymentIntentId: intent.id, publishableKey: 'pk_test_checkout' });

    // The dashboard shows the booking at once (the portal records it confirmed).
    const created = await dashboard.next('booking_created');
    expect(created.envelope.data).toMatchObject({ id: String(booking.id), hangarNumber: listing.hangarNumber, amount: 1575, duration: 3 });

    // 3. The card is charged; Stripe sends the signed event.
    const hook = await stripeDelivers(stripe.succeed(intent.id));
    expect(await hook.json()).toEqual({ received: true, bookingId: String(booking.id), status: 'confirmed' });
    const revenue = await dashboard.next('revenue_received');
    expect(revenue.envelope.data).toMatchObject({ bookingId: String(booking.id), amount: 1575, currency: 'BRL', paymentIntentId: intent.id });
    const paid = await metricsWhere(dashboard, 0, (m) => m.revenueToday === 1575 && m.bookingsToday === 1, 'revenue today = 1575');
    expect(paid).toMatchObject({ revenueToday: 1575, bookingsToday: 1 });
    expect((await db.select().from(bookingPayments).where(eq(bookingPayments.bookingId, booking.id)))[0]).toMatchObject({
      status: 'succeeded',
      chargeId: `ch_${intent.id.slice(3)}`,
    });
    const view = expectShape(
      OWNER_BOOKING_GET_OK,
      await (
        await ownerBookingRoute(
          apiRequest('GET', `/api/hangarshare/owner/bookings/${booking.id}`, { token: owner.token }),
          routeParams({ bookingId: String(booking.id) }),
        )
      ).json(),
    );
    expect(view.booking).toMatchObject({ booking_status: 'confirmed', payment_status: 'paid', total: '1575.00' });

    // 4. The renter cancels: the stand-in is asked for a refund of total − fees (10 days ahead, moderate: 100 %).
    const mark = dashboard.frames.length;
    const cancelled = await cancelRoute(
      apiRequest('POST', '/api/hangarshare/booking/cancel', { token: renter.token, body: { bookingId: booking.id, reason: 'Viagem adiada' } }),
    );
    const cancelBody = expectShape(CANCEL_OK, await cancelled.json());
    const [refundCall] = stripe.callsTo('POST', /^\/v1\/refunds$/);
    expect(refundCall.params).toEqual({ payment_intent: intent.id, amount: '150000', reason: 'requested_by_customer' });
    expect(refundCall.headers['idempotency-key']).toBe(`hangarshare-refund-booking-${booking.id}`);
    expect(cancelBody.booking).toEqual({ id: booking.id, status: 'cancelled', originalAmount: 1575, refundAmount: 1500, refundId: stripe.refunds[0].id });
    expect(await db.select().from(bookingRefunds).where(eq(bookingRefunds.bookingId, booking.id))).toEqual([
      expect.objectContaining({ refundId: stripe.refunds[0].id, amount: '1500.00', status: 'succeeded', reason: 'Viagem adiada' }),
    ]);

    // 5. The dashboard shows the cancellation, and revenue today without the booking.
    const update = await dashboard.next('booking_updated', mark);
    expect(update.envelope.data).toMatchObject({ id: String(booking.id), status: 'cancelled', previousStatus: 'confirmed' });
    await metricsWhere(dashboard, mark, (m) => m.revenueToday === 0, 'revenue today back to 0');
  });

  it('cancels an intent that was never paid instead of refunding it, so it can no longer be charged', async () => {
    const owner = await createOwner(db);
    const renter = await createUser(db);
    const listing = await createListing(db, owner.ownerId);
    const checkIn = new Date(Math.ceil(Date.now() / D) * D + 20 * D).toISOString();
    const checkOut = new Date(Date.parse(checkIn) + D).toISOString();
    const { booking, payment } = expectShape(
      CONFIRM_OK,
      await (
        await confirmRoute(
          apiRequest('POST', '/api/hangarshare/booking/confirm', { token: renter.token, body: { hangarId: listing.id, checkIn, checkOut, totalPrice: 525 } }),
        )
      ).json(),
    );
    const refundsBefore = stripe.refunds.length;
    const body = expectShape(
      CANCEL_OK,
      await (
        await cancelRoute(apiRequest('POST', '/api/hangarshare/booking/cancel', { token: renter.token, body: { bookingId: booking.id, reason: 'x' } }))
      ).json(),
    );
    expect(body.booking).toMatchObject({ refundAmount: 0, refundId: null });
    expect(stripe.refunds.length).toBe(refundsBefore);
    expect(stripe.intents.get(payment.paymentIntentId)!.status).toBe('canceled');
  });

  it('keeps the booking when the refund fails (502), and a retry refunds it once', async () => {
    const owner = await createOwner(db);
    const renter = await createUser(db);
    const listing = await createListing(db, owner.ownerId);
    const checkIn = new Date(Math.ceil(Date.now() / D) * D + 30 * D).toISOString();
    const checkOut = new Date(Date.parse(checkIn) + D).toISOString();
    const { booking, payment } = expectShape(
      CONFIRM_OK,
      await (
        await confirmRoute(
          apiRequest('POST', '/api/hangarshare/booking/confirm', { token: renter.token, body: { hangarId: listing.id, checkIn, checkOut, totalPrice: 525 } }),
        )
      ).json(),
    );
    stripe.succeed(payment.paymentIntentId);
    stripe.failNext(/^POST \/v1\/refunds$/, 402, { error: { type: 'invalid_request_error', message: 'stand-in refusal' } });
    const cancel = () =>
      cancelRoute(apiRequest('POST', '/api/hangarshare/booking/cancel', { token: renter.token, body: { bookingId: booking.id, reason: 'x' } }));
    const failed = await cancel();
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: 'The refund failed, so the booking was not cancelled; try again', code: 'payment_provider_error' });
    expect(await db.select().from(bookingRefunds).where(eq(bookingRefunds.bookingId, booking.id))).toEqual([]);
    const ok = expectShape(CANCEL_OK, await (await cancel()).json());
    expect(ok.booking.refundAmount).toBe(500); // flexible (the listing default), 30 days ahead: 100 % of 525 − 25
    expect(stripe.refunds.filter((r) => r.payment_intent === payment.paymentIntentId)).toHaveLength(1);
  });
});
