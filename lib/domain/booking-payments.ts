/**
 * What this service knows about a booking's payment, in its own tables (the portal's
 * `hangar_bookings` has no column for a charge, a payment date or a refund):
 *
 * - `booking_payments`: one row per booking whose PaymentIntent was created by this service's
 *   checkout with a Stripe key: `requires_payment` until the webhook reports
 *   `payment_intent.succeeded` (`succeeded`, with `latest_charge` and the time) or
 *   `payment_intent.payment_failed` (`failed`).
 * - `booking_refunds`: each refund made on cancellation, with Stripe's refund id and status.
 *
 * `settleCancellation` is the one place a cancellation touches money: refund by the rule the caller
 * computed, or cancel an intent that was never paid so it cannot be paid later.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client';
import { bookingPayments, bookingRefunds } from '../db/schema';
import type { BookingRow } from './bookings';
import { roundCents, toMoneyText } from './money';
import { settlePayment, type RefundRef } from './stripe-gateway';

export type PaymentRow = typeof bookingPayments.$inferSelect;

/** Records the intent a checkout created (Stripe mode), awaiting payment. */
export async function recordIntent(tx: Tx, bookingId: number, intentId: string, amount: number, now: Date): Promise<void> {
  await tx
    .insert(bookingPayments)
    .values({ bookingId, paymentIntentId: intentId, status: 'requires_payment', amount: toMoneyText(amount), createdAt: now, updatedAt: now });
}

/** Records a payment outcome reported by Stripe (upsert: bookings made by the portal have no row yet). */
export async function recordPaymentOutcome(
  tx: Tx,
  booking: Pick<BookingRow, 'id' | 'stripePaymentIntentId'>,
  outcome: { status: 'succeeded' | 'failed'; amount?: number; chargeId?: string | null; at: Date },
): Promise<void> {
  const values = {
    status: outcome.status,
    ...(outcome.amount !== undefined && { amount: toMoneyText(outcome.amount) }),
    ...(outcome.chargeId && { chargeId: outcome.chargeId }),
    ...(outcome.status === 'succeeded' && { paidAt: outcome.at }),
    updatedAt: outcome.at,
  };
  await tx
    .insert(bookingPayments)
    .values({ bookingId: booking.id, paymentIntentId: booking.stripePaymentIntentId ?? '', createdAt: outcome.at, ...values })
    .onConflictDoUpdate({ target: bookingPayments.bookingId, set: values });
}

/** The payment row of a booking, if this service has one. */
export async function paymentOf(db: Queryable, bookingId: number): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(bookingPayments).where(eq(bookingPayments.bookingId, bookingId)).limit(1);
  return row;
}

/** Refunded so far, BRL. */
export async function refundedTotal(db: Queryable, bookingId: number): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${bookingRefunds.amount}), 0)` })
    .from(bookingRefunds)
    .where(and(eq(bookingRefunds.bookingId, bookingId), sql`${bookingRefunds.status} <> 'failed'`));
  return Number(row?.total ?? 0);
}

/**
 * The payment status shown for a booking: `refunded` / `partially_refunded` after a refund,
 * `paid`, `failed` or `pending` from this service's record; for a booking this service has no
 * record of (made by the portal, or in local mode) the booking's status, as the portal's
 * `bookings` view reports it.
 */
export async function paymentStatusOf(db: Queryable, booking: Pick<BookingRow, 'id' | 'status' | 'totalPrice'>): Promise<string> {
  const refunded = await refundedTotal(db, booking.id);
  if (refunded > 0) return refunded >= Number(booking.totalPrice ?? 0) ? 'refunded' : 'partially_refunded';
  const payment = await paymentOf(db, booking.id);
  if (!payment) return booking.status ?? 'pending';
  return payment.status === 'succeeded' ? 'paid' : payment.status === 'failed' ? 'failed' : 'pending';
}

/** The latest refund of a booking. */
export async function lastRefundOf(db: Queryable, bookingId: number) {
  const [row] = await db.select().from(bookingRefunds).where(eq(bookingRefunds.bookingId, bookingId)).orderBy(desc(bookingRefunds.id)).limit(1);
  return row;
}

/** The outcome of settling a cancelled booking's payment. */
export interface Settlement extends RefundRef {
  /** True when money had been received (so a refund was due, whatever its amount). */
  paid: boolean;
}

/**
 * Refunds `amount` BRL of booking `b` (or cancels its unpaid intent) and records the refund, inside
 * the cancelling transaction. A booking without an intent, or free, settles to nothing.
 */
export async function settleCancellation(tx: Tx, b: BookingRow, amount: number, meta: { reason: string; by: number; now: Date }): Promise<Settlement> {
  const total = Number(b.totalPrice ?? 0);
  if (!b.stripePaymentIntentId || total <= 0) return { refundId: null, amount: 0, status: 'no_payment', paid: false };
  const cents = Math.round(roundCents(Math.max(0, amount)) * 100);
  const ref = await settlePayment(b.stripePaymentIntentId, cents, b.id);
  const paid = ref.status !== 'not_paid';
  if (ref.refundId || ref.status === 'not_paid') {
    await tx.insert(bookingRefunds).values({
      bookingId: b.id,
      paymentIntentId: b.stripePaymentIntentId,
      refundId: ref.refundId,
      amount: toMoneyText(ref.amount),
      status: ref.status,
      reason: meta.reason.slice(0, 1000),
      requestedBy: meta.by,
      createdAt: meta.now,
    });
  }
  return { ...ref, paid };
}
