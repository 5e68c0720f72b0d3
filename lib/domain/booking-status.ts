/**
 * A booking's life after creation, as the portal's owner route allows it:
 * `pending → confirmed | cancelled`, `confirmed → completed | cancelled`; `completed`,
 * `cancelled` and `rejected` are terminal. Every change publishes `booking_updated` (or
 * `booking_completed`), plus `occupancy_changed` when the booking enters or leaves the listing's
 * active set at that moment.
 *
 * Asking for the status a booking already has is a 200 no-op (no row change, no event): PATCH is
 * idempotent, and a client retrying after a lost response must not be told it failed.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { TokenClaims } from '../auth/jwt';
import { type Tx } from '../db/client';
import { BOOKING_STATUSES, hangarBookings, hangarListings, type BookingStatus } from '../db/schema';
import { conflict, forbidden, notFound } from '../errors';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { assertCanManageListing, canManageListing, loadActor } from './access';
import { lockBookingOrThrow, statusOf, toBookingDto, updatedEventData, type BookingDto, type BookingRow, type LockedBooking } from './bookings';
import { isActiveAt, occupancyOf } from './occupancy';
import { getDb } from '../runtime';

/** Allowed transitions, from → to. */
export const TRANSITIONS: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
  rejected: [],
};

/** True when `from → to` is an allowed transition (a status to itself is not one). */
export const canTransition = (from: BookingStatus, to: BookingStatus): boolean => TRANSITIONS[from].includes(to);

const status = z.enum(BOOKING_STATUSES);

/** PATCH body: `{ booking_status }` as the portal sends it, or `{ status }`; both must agree when both are sent. */
export const BookingStatusBody = z
  .object({ booking_status: status.optional(), status: status.optional() })
  .refine((b) => b.booking_status ?? b.status, { message: 'booking_status is required', path: ['booking_status'] })
  .refine((b) => !b.booking_status || !b.status || b.booking_status === b.status, {
    message: 'booking_status and status disagree',
    path: ['status'],
  })
  .transform((b) => ({ status: (b.booking_status ?? b.status)! }));

/**
 * Sets a locked booking's status and publishes what changed. No authorization or transition
 * check here: callers (the owner route, the Stripe webhook) decide whether the change is allowed.
 */
export async function setBookingStatus(tx: Tx, emit: Emit, locked: LockedBooking, next: BookingStatus, now: Date): Promise<BookingRow> {
  const { booking, listing } = locked;
  const [after] = await tx
    .update(hangarBookings)
    .set({ status: next, updatedAt: now })
    .where(eq(hangarBookings.id, booking.id))
    .returning();
  const type = next === 'completed' ? 'booking_completed' : 'booking_updated';
  await emit(listing.ownerId, type, updatedEventData(after, listing, statusOf(booking)));
  if (isActiveAt(booking, now) !== isActiveAt(after, now)) {
    await emit(listing.ownerId, 'occupancy_changed', await occupancyOf(tx, listing, now));
  }
  return after;
}

/** The outcome of a status change: the booking as it now is, and whether anything changed. */
export interface TransitionResult {
  booking: BookingDto;
  changed: boolean;
}

/**
 * Moves booking `id` to `next` inside the caller's transaction, as the listing's owner or an
 * admin: 404 when missing, 403 for anyone else (the renter included), 409 `invalid_transition`.
 */
export async function transitionBooking(tx: Tx, emit: Emit, claims: TokenClaims, id: number, next: BookingStatus, now: Date): Promise<TransitionResult> {
  const actor = await loadActor(tx, claims);
  const locked = await lockBookingOrThrow(tx, id);
  await assertCanManageListing(tx, actor, locked.listing);
  const from = statusOf(locked.booking);
  if (from === next) return { booking: toBookingDto(locked.booking), changed: false };
  if (!canTransition(from, next)) {
    const allowed = TRANSITIONS[from].length ? `it may become ${TRANSITIONS[from].join(' or ')}` : 'that status is final';
    throw conflict('invalid_transition', `Booking ${id} is ${from} and cannot become ${next}; ${allowed}.`);
  }
  const after = await setBookingStatus(tx, emit, locked, next, now);
  return { booking: toBookingDto(after), changed: true };
}

/** `transitionBooking` in its own transaction; events are published after commit. */
export function changeBookingStatus(claims: TokenClaims, id: number, next: BookingStatus, now = new Date()): Promise<TransitionResult> {
  return transactWithEvents((tx, emit) => transitionBooking(tx, emit, claims, id, next, now));
}

/** A booking as its renter, the listing's owner or an admin sees it; 403 for anyone else, 404 when missing. */
export async function getBooking(claims: TokenClaims, id: number): Promise<BookingDto> {
  const db = await getDb();
  const actor = await loadActor(db, claims);
  const [row] = await db
    .select({ booking: hangarBookings, listingOwnerId: hangarListings.ownerId })
    .from(hangarBookings)
    .innerJoin(hangarListings, eq(hangarListings.id, hangarBookings.hangarId))
    .where(eq(hangarBookings.id, id))
    .limit(1);
  if (!row) throw notFound('booking_not_found', `There is no booking ${id}.`);
  const isRenter = row.booking.userId === actor.userId;
  if (!isRenter && !(await canManageListing(db, actor, { ownerId: row.listingOwnerId }))) {
    throw forbidden('forbidden', `This token may not read booking ${id}.`);
  }
  return toBookingDto(row.booking);
}
