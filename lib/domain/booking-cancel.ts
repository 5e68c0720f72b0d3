/**
 * `POST /api/hangarshare/booking/cancel`: the renter (or an admin: role admin, master or staff, any
 * case) cancels a booking. Body `{ bookingId, reason, refundType? }` (`full` by default; `partial`,
 * for admins, refunds half).
 *
 * In one transaction holding the listing's and the booking's locks: the refund is computed by the
 * portal's policy (`refund-policy.ts`), made through Stripe when the booking was paid (an unpaid
 * intent is cancelled instead, so it can no longer be paid) and recorded in `booking_refunds`;
 * the booking becomes `cancelled` and `booking_updated` (plus `occupancy_changed` when the stay was
 * under way) reaches the owner's dashboard. Unlike the portal, a refund that fails cancels
 * nothing (502; retry), and the amount answered is the amount actually refunded.
 */
import { z } from 'zod';
import type { TokenClaims } from '../auth/jwt';
import type { Tx } from '../db/client';
import { badRequest, forbidden } from '../errors';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { idSchema, loadActor } from './access';
import { field, parseFields } from './body';
import { settleCancellation } from './booking-payments';
import { setBookingStatus } from './booking-status';
import { amountOf, lockBookingOrThrow, statusOf } from './bookings';
import { fromMoneyText, roundCents } from './money';
import { daysUntil, policyFor, refundShare } from './refund-policy';

export const CANCEL_FIELDS = {
  bookingId: field(idSchema, 'id da reserva (inteiro positivo)'),
  reason: field(z.string().trim().min(1).max(1000), 'texto de 1 a 1000 caracteres'),
  refundType: field(z.enum(['full', 'partial']), 'full ou partial'),
};

export interface CancelInput {
  bookingId: number;
  reason: string;
  refundType?: 'full' | 'partial';
}

/** Validates a cancel body (missing `bookingId` or `reason` → 400 `missing_fields`). */
export function parseCancelBody(body: Record<string, unknown>): CancelInput {
  return parseFields(body, CANCEL_FIELDS, { required: ['bookingId', 'reason'] }) as CancelInput;
}

/** The portal's "admin" for this route: admin, master or staff, in any case. */
export const mayCancelAny = (role: string) => ['admin', 'master', 'staff'].includes(role.toLowerCase());

export interface CancelResult {
  id: number;
  status: 'cancelled';
  originalAmount: number;
  refundAmount: number;
  refundId: string | null;
}

/** Cancels inside the caller's transaction; see the file comment. */
export async function cancelBookingTx(tx: Tx, emit: Emit, claims: TokenClaims, input: CancelInput, now: Date): Promise<CancelResult> {
  const actor = await loadActor(tx, claims);
  const locked = await lockBookingOrThrow(tx, input.bookingId);
  const { booking, listing } = locked;
  const admin = mayCancelAny(actor.role);
  if (booking.userId !== actor.userId && !admin) throw forbidden('forbidden', `This token may not cancel booking ${booking.id}.`);
  const status = statusOf(booking);
  if (status === 'cancelled') throw badRequest('already_cancelled', `Booking ${booking.id} is already cancelled.`);
  if (status === 'completed') throw badRequest('booking_completed', `Booking ${booking.id} is completed.`);
  if (status === 'rejected') throw badRequest('booking_rejected', `Booking ${booking.id} was rejected.`);
  const share = refundShare({
    bookingType: booking.bookingType,
    policy: policyFor(booking, listing),
    daysUntilCheckIn: daysUntil(booking.checkIn, now),
    adminPartial: admin && input.refundType === 'partial',
  });
  const base = Math.max(0, amountOf(booking) - (fromMoneyText(booking.fees) ?? 0));
  const settled = await settleCancellation(tx, booking, roundCents(base * share), { reason: input.reason, by: actor.userId, now });
  await setBookingStatus(tx, emit, locked, 'cancelled', now);
  return { id: booking.id, status: 'cancelled', originalAmount: amountOf(booking), refundAmount: settled.amount, refundId: settled.refundId };
}

/** `cancelBookingTx` in its own transaction; events are published after commit. */
export function cancelBooking(claims: TokenClaims, input: CancelInput, now = new Date()): Promise<CancelResult> {
  return transactWithEvents((tx, emit) => cancelBookingTx(tx, emit, claims, input, now));
}
