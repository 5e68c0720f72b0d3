/**
 * A booking's life after creation, as the portal's owner route allows it:
 * `pending → confirmed | cancelled`, `confirmed → completed | cancelled`; `completed`,
 * `cancelled` and `rejected` are terminal. Every change publishes `booking_updated` (or
 * `booking_completed`), plus `occupancy_changed` when the booking enters or leaves the listing's
 * active set at that moment. An owner cancelling a paid booking refunds it in full (the portal's
 * rule), inside the same transaction: a failed refund changes nothing.
 *
 * Asking for the status a booking already has is a 200 no-op (no row change, no event): PATCH is
 * idempotent, and a client retrying after a lost response must not be told it failed. (The
 * portal answered 400 "Transição inválida" there.)
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { TokenClaims } from '../auth/jwt';
import { inTurn, type Tx } from '../db/client';
import { hangarBookings, hangarListings, hangarOwners, users, type BookingStatus } from '../db/schema';
import { forbidden, notFound } from '../errors';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { getDb } from '../runtime';
import { assertCanManageListing, canManageListing, fullName, loadActor } from './access';
import { field, parseFields } from './body';
import { paymentStatusOf, settleCancellation } from './booking-payments';
import { lockBookingOrThrow, statusOf, updatedEventData, type BookingRow, type LockedBooking } from './bookings';
import { isActiveAt, occupancyOf } from './occupancy';
import { RouteError } from './portal-errors';

/** Allowed transitions, from → to. */
export const TRANSITIONS: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
  rejected: [],
};

/** The portal's pt-BR labels. */
export const STATUS_LABELS: Readonly<Record<BookingStatus, string>> = {
  pending: 'Pendente',
  confirmed: 'Confirmada',
  completed: 'Concluída',
  cancelled: 'Cancelada',
  rejected: 'Rejeitada',
};

/** True when `from → to` is an allowed transition (a status to itself is not one). */
export const canTransition = (from: BookingStatus, to: BookingStatus): boolean => TRANSITIONS[from].includes(to);

/** The values the portal's route accepts. */
const REQUESTABLE = ['pending', 'confirmed', 'completed', 'cancelled'] as const;
const statusField = field(z.enum(REQUESTABLE), 'pending, confirmed, completed ou cancelled');

/** PATCH body: `{ booking_status }` as the portal sends it (`status` is accepted as another spelling). */
export function parseStatusBody(body: Record<string, unknown>): BookingStatus {
  const parsed = parseFields(body, { booking_status: statusField }, { required: ['booking_status'], aliases: { status: 'booking_status' } });
  return parsed.booking_status!;
}

/**
 * Sets a locked booking's status and publishes what changed. No authorization or transition
 * check here: callers (the owner route, the renter's cancel, the Stripe webhook) decide.
 */
export async function setBookingStatus(tx: Tx, emit: Emit, locked: LockedBooking, next: BookingStatus, now: Date): Promise<BookingRow> {
  const { booking, listing } = locked;
  const [after] = await tx.update(hangarBookings).set({ status: next, updatedAt: now }).where(eq(hangarBookings.id, booking.id)).returning();
  const type = next === 'completed' ? 'booking_completed' : 'booking_updated';
  await emit(listing.ownerId, type, updatedEventData(after, listing, statusOf(booking)));
  if (isActiveAt(booking, now) !== isActiveAt(after, now)) {
    await emit(listing.ownerId, 'occupancy_changed', await occupancyOf(tx, listing, now));
  }
  return after;
}

/** `booking` of the PATCH answer, as the portal shapes it (money as numeric text). */
export interface PatchedBooking {
  id: number;
  status: BookingStatus;
  paymentStatus: string;
  total: string | null;
  checkin: string;
  checkout: string;
  updatedAt: string | null;
}

/** The outcome of a status change. */
export interface TransitionResult {
  booking: PatchedBooking;
  changed: boolean;
  /** The booking was paid and is now cancelled: it was refunded in full. */
  refundNeeded: boolean;
}

/**
 * Moves booking `id` to `next` inside the caller's transaction, as the listing's owner or an
 * admin: 404 when missing, 403 for anyone else (the renter included), 400 `invalid_transition`
 * with `currentStatus`, `requestedStatus` and `allowedTransitions`.
 */
export async function transitionBooking(tx: Tx, emit: Emit, claims: TokenClaims, id: number, next: BookingStatus, now: Date): Promise<TransitionResult> {
  const [actor, locked] = await inTurn(loadActor(tx, claims), lockBookingOrThrow(tx, id));
  await assertCanManageListing(tx, actor, locked.listing);
  const from = statusOf(locked.booking);
  const shape = async (b: BookingRow): Promise<PatchedBooking> => ({
    id: b.id,
    status: statusOf(b),
    paymentStatus: await paymentStatusOf(tx, b),
    total: b.totalPrice,
    checkin: b.checkIn.toISOString(),
    checkout: b.checkOut.toISOString(),
    updatedAt: b.updatedAt?.toISOString() ?? null,
  });
  if (from === next) return { booking: await shape(locked.booking), changed: false, refundNeeded: false };
  if (!canTransition(from, next)) {
    throw new RouteError(400, 'invalid_transition', `Transição inválida: ${STATUS_LABELS[from]} → ${STATUS_LABELS[next]}`, {
      currentStatus: from,
      requestedStatus: next,
      allowedTransitions: TRANSITIONS[from],
    });
  }
  let refundNeeded = false;
  if (next === 'cancelled') {
    const full = Number(locked.booking.totalPrice ?? 0);
    const settled = await settleCancellation(tx, locked.booking, full, { reason: 'Cancelada pelo proprietário', by: actor.userId, now });
    refundNeeded = settled.paid && full > 0;
  }
  const after = await setBookingStatus(tx, emit, locked, next, now);
  return { booking: await shape(after), changed: true, refundNeeded };
}

/** `transitionBooking` in its own transaction; events are published after commit. */
export function changeBookingStatus(claims: TokenClaims, id: number, next: BookingStatus, now = new Date()): Promise<TransitionResult> {
  return transactWithEvents((tx, emit) => transitionBooking(tx, emit, claims, id, next, now));
}

/** The success message of a PATCH. */
export const patchMessage = (s: BookingStatus) => `Reserva atualizada para: ${STATUS_LABELS[s]}`;

/** `booking` of the GET answer: the portal's `bookings` view columns plus its joins. */
export interface OwnerBookingView {
  id: number;
  listing_id: number;
  user_id: number;
  checkin: string;
  checkout: string;
  subtotal: string | null;
  fees: string | null;
  total: string | null;
  payment_method: string | null;
  payment_status: string;
  booking_status: BookingStatus;
  special_requests: null;
  created_at: string | null;
  updated_at: string | null;
  icaoCode: string;
  hangarNumber: string | null;
  dailyRate: string | null;
  owner_id: number;
  owner_user_id: number | null;
  clientName: string;
  clientEmail: string;
}

/** A booking as its renter, the listing's owner or an admin sees it; 403 for anyone else, 404 when missing. */
export async function getBooking(claims: TokenClaims, id: number): Promise<OwnerBookingView> {
  const db = await getDb();
  const actor = await loadActor(db, claims);
  const [row] = await db
    .select({ b: hangarBookings, l: hangarListings, ownerUserId: hangarOwners.userId, client: users })
    .from(hangarBookings)
    .innerJoin(hangarListings, eq(hangarListings.id, hangarBookings.hangarId))
    .leftJoin(hangarOwners, eq(hangarOwners.id, hangarListings.ownerId))
    .innerJoin(users, eq(users.id, hangarBookings.userId))
    .where(eq(hangarBookings.id, id))
    .limit(1);
  if (!row) throw notFound('booking_not_found', `There is no booking ${id}.`);
  const isRenter = row.b.userId === actor.userId;
  if (!isRenter && !(await canManageListing(db, actor, { ownerId: row.l.ownerId }))) {
    throw forbidden('forbidden', `This token may not read booking ${id}.`);
  }
  const b = row.b;
  return {
    id: b.id,
    listing_id: b.hangarId,
    user_id: b.userId,
    checkin: b.checkIn.toISOString(),
    checkout: b.checkOut.toISOString(),
    subtotal: b.subtotal,
    fees: b.fees,
    total: b.totalPrice,
    payment_method: b.paymentMethod,
    payment_status: await paymentStatusOf(db, b),
    booking_status: statusOf(b),
    special_requests: null,
    created_at: b.createdAt?.toISOString() ?? null,
    updated_at: b.updatedAt?.toISOString() ?? null,
    icaoCode: row.l.icaoCode,
    hangarNumber: row.l.hangarNumber,
    dailyRate: row.l.dailyRate,
    owner_id: row.l.ownerId,
    owner_user_id: row.ownerUserId ?? null,
    clientName: fullName(row.client),
    clientEmail: row.client.email,
  };
}
