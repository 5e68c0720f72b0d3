/**
 * `POST booking/confirm` with a Stripe key: the real `stripe` SDK, pointed by STRIPE_API_BASE at a
 * local stand-in, creates the PaymentIntent as the portal does (checked on what the stand-in
 * received), a replay retrieves it, a Stripe failure leaves nothing behind, and a checkout left
 * unpaid for 30 minutes gives its space back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { resetConfig } from '@/lib/config';
import type { Db } from '@/lib/db/client';
import { bookingPayments, hangarBookings } from '@/lib/db/schema';
import { apiRequest, captureBus, createBooking, createListing, createOwner, createUser } from '@/test/support/fixtures';
import { CONFIRM_OK, CONFIRM_REPLAY, expectRefusal, expectShape } from '@/test/support/portal-contract';
import { describePaymentMode } from '@/lib/domain/stripe-gateway';
import { StripeStandIn } from '@/test/support/stripe-stand-in';
import { POST } from './route';
import { getDb } from '@/lib/runtime';

const D = 86_400_000;
const BASE = Math.ceil(Date.now() / 60_000) * 60_000;
const day = (n: number) => new Date(BASE + n * D).toISOString();
const stripe = new StripeStandIn();
let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let bus: Awaited<ReturnType<typeof captureBus>>;

const confirm = (token: string, body: unknown) => POST(apiRequest('POST', '/api/hangarshare/booking/confirm', { token, body }));
const bookingsOf = (hangarId: number) => db.select().from(hangarBookings).where(eq(hangarBookings.hangarId, hangarId));

beforeAll(async () => {
  await stripe.start();
  Object.assign(process.env, { STRIPE_SECRET_KEY: 'sk_test_standin', STRIPE_API_BASE: stripe.url, NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_standin' });
  resetConfig();
  db = await getDb();
  owner = await createOwner(db);
  renter = await createUser(db);
  bus = await captureBus();
});
afterEach(() => bus.clear());
afterAll(async () => {
  for (const k of ['STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY']) delete process.env[k];
  resetConfig();
  await stripe.stop();
});

describe('booking/confirm with STRIPE_SECRET_KEY', () => {
  it('says at boot that payments go through the SDK to STRIPE_API_BASE', () => {
    expect(describePaymentMode()).toBe(`[payments] Stripe via the official SDK at ${stripe.url}`);
  });

  it('creates the PaymentIntent as the portal does and answers its client secret', async () => {
    const listing = await createListing(db, owner.ownerId);
    const before = stripe.calls.length;
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn: day(10), checkOut: day(12), totalPrice: 1050.0 });
    expect(res.status).toBe(200);
    const body = expectShape(CONFIRM_OK, await res.json());
    const [call, ...more] = stripe.calls.slice(before);
    expect(more).toEqual([]);
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v1/payment_intents');
    expect(call.headers.authorization).toBe('Bearer sk_test_standin');
    expect(call.params).toEqual({
      amount: '105000',
      currency: 'brl',
      allowed_payment_method_types: ['card'],
      receipt_email: expect.stringMatching(/@test\.local$/),
      description: `Reserva de hangar ${listing.hangarNumber} (SBMT) - 2 noite(s)`,
      metadata: {
        hangarId: String(listing.id),
        userId: String(renter.userId),
        hangarNumber: listing.hangarNumber!,
        checkIn: day(10),
        checkOut: day(12),
        nights: '2',
        bookingType: 'refundable',
        promoCode: '',
      },
    });
    const intent = stripe.intents.get(body.payment.paymentIntentId)!;
    expect(body.payment).toEqual({ clientSecret: intent.client_secret, paymentIntentId: intent.id, publishableKey: 'pk_test_standin' });
    const [row] = await bookingsOf(listing.id);
    expect(row).toMatchObject({ status: 'confirmed', stripePaymentIntentId: intent.id, totalPrice: '1050.00' });
    expect(await db.select().from(bookingPayments).where(eq(bookingPayments.bookingId, row.id))).toEqual([
      expect.objectContaining({ paymentIntentId: intent.id, status: 'requires_payment', amount: '1050.00' }),
    ]);
    expect(bus.types()).toEqual(['booking_created']);
  });

  it('retrieves the same PaymentIntent for a replay within 15 minutes, creating none', async () => {
    const listing = await createListing(db, owner.ownerId);
    const body = { hangarId: listing.id, checkIn: day(20), checkOut: day(21), totalPrice: 525 };
    const first = expectShape(CONFIRM_OK, await (await confirm(renter.token, body)).json());
    const before = stripe.calls.length;
    const again = expectShape(CONFIRM_REPLAY, await (await confirm(renter.token, body)).json());
    expect(again.payment).toEqual(first.payment);
    expect(stripe.calls.slice(before).map((c) => `${c.method} ${c.path}`)).toEqual([`GET /v1/payment_intents/${first.payment.paymentIntentId}`]);
    expect(await bookingsOf(listing.id)).toHaveLength(1);
  });

  it('changes nothing when Stripe refuses (502 "Erro ao confirmar reserva")', async () => {
    const listing = await createListing(db, owner.ownerId);
    stripe.failNext(/^POST \/v1\/payment_intents$/, 400, { error: { type: 'invalid_request_error', message: 'Amount must be at least R$0.50' } });
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn: day(30), checkOut: day(31), totalPrice: 525 });
    await expectRefusal(res, 502, 'Erro ao confirmar reserva', 'payment_provider_error');
    expect(await bookingsOf(listing.id)).toEqual([]);
    expect(bus.events).toEqual([]);
  });

  it('gives back the space of a confirmed checkout whose payment never came within 30 minutes', async () => {
    const listing = await createListing(db, owner.ownerId, { totalSpaces: 1 });
    const abandoned = await createBooking(db, listing.id, (await createUser(db)).userId, {
      status: 'confirmed',
      createdAt: new Date(Date.now() - 45 * 60_000),
      checkIn: new Date(BASE + 40 * D),
      checkOut: new Date(BASE + 41 * D),
      paymentIntent: 'pi_abandoned',
    });
    await db.insert(bookingPayments).values({ bookingId: abandoned.id, paymentIntentId: 'pi_abandoned', status: 'requires_payment' });
    const paid = await createBooking(db, listing.id, (await createUser(db)).userId, {
      status: 'confirmed',
      createdAt: new Date(Date.now() - 45 * 60_000),
      checkIn: new Date(BASE + 42 * D),
      checkOut: new Date(BASE + 43 * D),
      paymentIntent: 'pi_paid',
    });
    await db.insert(bookingPayments).values({ bookingId: paid.id, paymentIntentId: 'pi_paid', status: 'succeeded' });
    const res = await confirm(renter.token, { hangarId: listing.id, checkIn: day(40), checkOut: day(41), totalPrice: 525 });
    expect(res.status).toBe(200);
    const rows = await bookingsOf(listing.id);
    expect(rows.find((r) => r.id === abandoned.id)?.status).toBe('cancelled');
    expect(rows.find((r) => r.id === paid.id)?.status).toBe('confirmed');
    expect(bus.types()).toEqual(['booking_updated', 'booking_created']);
    // The paid one still holds its dates.
    expect((await confirm(renter.token, { hangarId: listing.id, checkIn: day(42), checkOut: day(43), totalPrice: 525 })).status).toBe(409);
  });
});
