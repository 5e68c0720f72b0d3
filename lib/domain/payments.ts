/**
 * What a verified Stripe event does to a booking (matched by `stripe_payment_intent_id`):
 *
 * - `payment_intent.succeeded`: a `pending` booking becomes `confirmed` (`booking_updated`, plus
 *   `occupancy_changed` if that makes it active now); a `confirmed`/`completed` one keeps its
 *   status. Either way `revenue_received` is published. A `cancelled`/`rejected` booking is left
 *   alone and nothing is published: its spot may be gone, so the payment needs a refund, which is
 *   logged for a human.
 * - `payment_intent.payment_failed`: a `pending`/`confirmed` booking becomes `cancelled`.
 *
 * Each event id is applied once: it is inserted into `stripe_events` in the same transaction as
 * the change, so a replay (or a concurrent duplicate) changes nothing and answers
 * `{ duplicate: true }`. Every answer is a 200, because Stripe retries anything else for days:
 * other event types, and intents that match no booking, are acknowledged as `ignored` (and not
 * recorded, so a resend after the booking exists still applies).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../db/client';
import { hangarBookings, stripeEvents, type BookingStatus } from '../db/schema';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { recordPaymentOutcome } from './booking-payments';
import { setBookingStatus } from './booking-status';
import { amountOf, lockBookingWhere, statusOf, type LockedBooking } from './bookings';
import { roundCents } from './money';
import type { WebhookEvent } from './stripe-webhook';
import { logger } from '../observability/logger';

export const PAYMENT_SUCCEEDED = 'payment_intent.succeeded';
export const PAYMENT_FAILED = 'payment_intent.payment_failed';

/** The body of every webhook answer (status 200). */
export interface WebhookOutcome {
  received: true;
  duplicate?: true;
  /** why nothing was applied */
  ignored?: string;
  bookingId?: string;
  status?: BookingStatus;
}

const IntentShape = z.object({
  // Stripe ids are `pi_` + alphanumerics; anything else is refused before it reaches a query.
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_]+$/),
  amount: z.int().nonnegative().optional(),
  amount_received: z.int().nonnegative().optional(),
  currency: z.string().optional(),
  /** The charge of a succeeded intent (the portal read `charges`, which intents no longer carry). */
  latest_charge: z
    .union([z.string().max(255), z.object({ id: z.string().max(255) }).transform((c) => c.id)])
    .nullable()
    .optional(),
  last_payment_error: z.object({ message: z.string().optional() }).passthrough().nullable().optional(),
});
type Intent = z.infer<typeof IntentShape>;

/**
 * BRL received: the intent's `amount_received` (else `amount`) in cents ÷ 100 when it is in BRL;
 * otherwise, or when it carries no amount, the booking's `total_price`.
 */
export function revenueAmount(intent: Intent, booking: { totalPrice: string | null }): number {
  const cents = intent.amount_received || intent.amount;
  const brl = !intent.currency || intent.currency.toLowerCase() === 'brl';
  return brl && cents ? roundCents(cents / 100) : amountOf(booking);
}

const outcome = (b: { id: number; status: BookingStatus | null }, ignored?: string): WebhookOutcome => ({
  received: true,
  bookingId: String(b.id),
  status: statusOf(b),
  ...(ignored ? { ignored } : {}),
});

async function applySucceeded(tx: Tx, emit: Emit, locked: LockedBooking, event: WebhookEvent, intent: Intent, now: Date): Promise<WebhookOutcome> {
  const from = statusOf(locked.booking);
  if (from === 'cancelled' || from === 'rejected') {
    logger().warn(
      { paymentIntent: intent.id, bookingId: locked.booking.id, status: from },
      'payment succeeded for a booking no longer payable; it needs a refund',
    );
    return outcome(locked.booking, `booking_${from}`);
  }
  const after = from === 'pending' ? await setBookingStatus(tx, emit, locked, 'confirmed', now) : locked.booking;
  const receivedAt = new Date(event.created ? event.created * 1000 : now.getTime());
  const amount = revenueAmount(intent, after);
  await recordPaymentOutcome(tx, after, { status: 'succeeded', amount, chargeId: intent.latest_charge ?? null, at: receivedAt });
  await emit(locked.listing.ownerId, 'revenue_received', {
    bookingId: String(after.id),
    amount,
    currency: 'BRL',
    paymentIntentId: intent.id,
    receivedAt: receivedAt.toISOString(),
  });
  return outcome(after);
}

async function applyFailed(tx: Tx, emit: Emit, locked: LockedBooking, intent: Intent, now: Date): Promise<WebhookOutcome> {
  const from = statusOf(locked.booking);
  if (from !== 'pending' && from !== 'confirmed') return outcome(locked.booking, `booking_${from}`);
  const reason = intent.last_payment_error?.message ?? 'Erro desconhecido';
  logger().warn({ paymentIntent: intent.id, bookingId: locked.booking.id, reason }, 'payment failed; the booking is cancelled');
  await recordPaymentOutcome(tx, locked.booking, { status: 'failed', at: now });
  return outcome(await setBookingStatus(tx, emit, locked, 'cancelled', now));
}

/** Applies one payment-intent event inside the caller's transaction (see the file comment). */
export async function applyIntentEvent(tx: Tx, emit: Emit, event: WebhookEvent, intent: Intent, now: Date): Promise<WebhookOutcome> {
  const locked = await lockBookingWhere(tx, eq(hangarBookings.stripePaymentIntentId, intent.id));
  if (!locked) return { received: true, ignored: 'unknown_payment_intent' };
  const [fresh] = await tx
    .insert(stripeEvents)
    .values({ eventId: event.id, type: event.type, processedAt: now })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.eventId });
  if (!fresh) return { received: true, duplicate: true };
  return event.type === PAYMENT_SUCCEEDED ? applySucceeded(tx, emit, locked, event, intent, now) : applyFailed(tx, emit, locked, intent, now);
}

/** Handles a verified event; always resolves to a 200 body unless the database fails. */
export async function handleStripeEvent(event: WebhookEvent, now = new Date()): Promise<WebhookOutcome> {
  if (event.type !== PAYMENT_SUCCEEDED && event.type !== PAYMENT_FAILED) return { received: true, ignored: 'unhandled_event_type' };
  const intent = IntentShape.safeParse(event.object);
  if (!intent.success) return { received: true, ignored: 'invalid_payment_intent' };
  return transactWithEvents((tx, emit) => applyIntentEvent(tx, emit, event, intent.data, now));
}
