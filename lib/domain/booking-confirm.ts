/**
 * `POST /api/hangarshare/booking/confirm`: a renter books a listing for a stay.
 *
 * Inside one transaction, holding the listing's row lock: an identical request from the last
 * 15 minutes returns its booking (no insert, no event); otherwise the listing must be `active`,
 * available and have a free spot over the whole stay, and the booking is inserted and published.
 *
 * The booking starts `confirmed`, as the portal's route inserts it (before payment succeeds); the
 * Stripe webhook then records the revenue, or cancels it when the payment fails. Capacity and the
 * dashboard's "paid" figures therefore count it at once, exactly as the portal's owners expect.
 */
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gte, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { TokenClaims } from '../auth/jwt';
import type { Tx } from '../db/client';
import { hangarBookings, type BookingStatus } from '../db/schema';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { transactWithEvents, type Emit } from '../realtime/log/publish';
import { DAY_MS } from '../time';
import { idSchema, loadActor, loadUser, type Actor } from './access';
import { createdEventData, toBookingDto, type BookingDto, type BookingRow } from './bookings';
import { assertCapacity } from './capacity';
import { lockListingOrThrow, type ListingRow } from './listings';
import { MAX_BOOKING_PRICE, moneySchema, toMoneyText } from './money';
import { isActiveAt, occupancyOf } from './occupancy';

/** The status a new booking gets (the portal's choice; see the file comment). */
export const INITIAL_BOOKING_STATUS: BookingStatus = 'confirmed';

/** How long an identical request returns the booking it created instead of making another. */
export const IDEMPOTENCY_WINDOW_MS = 15 * 60_000;

// The stay. Check-in and check-out are instants, stored as UTC wall time in the portal's
// `timestamp without time zone` columns; `nights` is the length rounded up to whole days, which
// is also the `duration` of `booking_created`.

/** Longest stay accepted, in nights. */
export const MAX_NIGHTS = 365;

/** How far in the past a check-in may lie (a stay booked on arrival day, dated at midnight). */
export const MAX_CHECK_IN_PAST_MS = DAY_MS;

/** How far ahead a check-in may lie. */
export const MAX_CHECK_IN_AHEAD_MS = 2 * 366 * DAY_MS;

/** A validated stay, ready to be written. */
export interface Stay {
  checkIn: Date;
  checkOut: Date;
  nights: number;
}

const invalidDates = (message: string) => badRequest('invalid_dates', message);

/**
 * Validates a stay at `now`: check-out after check-in, at most `MAX_NIGHTS` nights, check-out in
 * the future, check-in no more than a day ago and no more than two years ahead. Throws 400
 * `invalid_dates` with the reason.
 */
export function stayOf(checkIn: Date, checkOut: Date, now: Date): Stay {
  const start = checkIn.getTime();
  const end = checkOut.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw invalidDates('checkIn and checkOut must be valid dates.');
  if (end <= start) throw invalidDates('checkOut must be after checkIn.');
  const nights = Math.ceil((end - start) / DAY_MS);
  if (nights > MAX_NIGHTS) throw invalidDates(`A stay may last at most ${MAX_NIGHTS} nights.`);
  if (end <= now.getTime()) throw invalidDates('checkOut must be in the future.');
  if (start < now.getTime() - MAX_CHECK_IN_PAST_MS) throw invalidDates('checkIn must not be more than a day in the past.');
  if (start > now.getTime() + MAX_CHECK_IN_AHEAD_MS) throw invalidDates('checkIn must be within the next two years.');
  return { checkIn, checkOut, nights };
}

/** A date ("2026-12-01", midnight UTC) or an instant with an offset; local times without one are ambiguous. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((s) => new Date(s));
const amount = moneySchema({ max: MAX_BOOKING_PRICE }).nullable().optional();

/** The portal's body. `userId` (admins only) books for another user; `promoCode` is accepted but not stored (no column). */
export const ConfirmBookingBody = z.object({
  hangarId: idSchema,
  userId: idSchema.nullable().optional(),
  checkIn: instant,
  checkOut: instant,
  totalPrice: moneySchema({ max: MAX_BOOKING_PRICE, positive: true }),
  subtotal: amount,
  fees: amount,
  promoCode: z.string().trim().max(50).nullable().optional(),
});
export type ConfirmBookingInput = z.infer<typeof ConfirmBookingBody>;

/** A booking and whether this request created it (false: an idempotent repeat). */
export interface ConfirmResult {
  booking: BookingDto;
  created: boolean;
}

/** The renter: the caller, or (admins only) the user named by `userId`. */
async function resolveRenter(tx: Tx, claims: TokenClaims, userId: number | null | undefined): Promise<Actor> {
  const caller = await loadActor(tx, claims);
  if (!userId || userId === caller.userId) return caller;
  if (!caller.admin) throw forbidden('forbidden_user', 'Only an admin may book for another user.');
  const renter = await loadUser(tx, userId);
  if (!renter) throw notFound('user_not_found', `There is no user ${userId}.`);
  return renter;
}

/** 409 unless the listing takes bookings for this stay (status, availability flag and window, in UTC days). */
function assertBookable(listing: ListingRow, stay: Stay): void {
  if ((listing.status ?? 'active') !== 'active') {
    throw conflict('listing_not_active', `Hangar listing ${listing.id} is ${listing.status} and takes no bookings.`);
  }
  if (listing.isAvailable === false) throw conflict('listing_unavailable', `Hangar listing ${listing.id} is marked unavailable.`);
  const firstDay = stay.checkIn.toISOString().slice(0, 10);
  const lastDay = stay.checkOut.toISOString().slice(0, 10);
  if ((listing.availableFrom && firstDay < listing.availableFrom) || (listing.availableUntil && lastDay > listing.availableUntil)) {
    const window = `${listing.availableFrom ?? '…'} to ${listing.availableUntil ?? '…'}`;
    throw conflict('outside_availability', `Hangar listing ${listing.id} is available from ${window} only.`);
  }
}

/** The renter's live booking of the same listing, stay and price made within the idempotency window. */
async function findRepeat(tx: Tx, renterId: number, input: ConfirmBookingInput, stay: Stay, now: Date): Promise<BookingRow | undefined> {
  const [row] = await tx
    .select()
    .from(hangarBookings)
    .where(
      and(
        eq(hangarBookings.userId, renterId),
        eq(hangarBookings.hangarId, input.hangarId),
        eq(hangarBookings.checkIn, stay.checkIn),
        eq(hangarBookings.checkOut, stay.checkOut),
        eq(hangarBookings.totalPrice, toMoneyText(input.totalPrice)),
        inArray(hangarBookings.status, ['pending', 'confirmed', 'completed']),
        gte(hangarBookings.createdAt, new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS)),
      ),
    )
    .orderBy(desc(hangarBookings.id))
    .limit(1);
  return row;
}

/** A PaymentIntent id made locally (`pi_local_…`): no Stripe call is made from here. */
export const localPaymentIntentId = (): string => `pi_local_${randomBytes(12).toString('hex')}`;

const optionalMoney = (v: number | null | undefined) => (v === undefined || v === null ? null : toMoneyText(v));

/** Creates the booking inside the caller's transaction; see the file comment for the rules. */
export async function createBooking(tx: Tx, emit: Emit, claims: TokenClaims, input: ConfirmBookingInput, now: Date): Promise<ConfirmResult> {
  const stay = stayOf(input.checkIn, input.checkOut, now);
  const renter = await resolveRenter(tx, claims, input.userId);
  const listing = await lockListingOrThrow(tx, input.hangarId);
  const repeat = await findRepeat(tx, renter.userId, input, stay, now);
  if (repeat) return { booking: toBookingDto(repeat), created: false };
  assertBookable(listing, stay);
  await assertCapacity(tx, listing, stay);
  const [row] = await tx
    .insert(hangarBookings)
    .values({
      hangarId: listing.id,
      userId: renter.userId,
      ...stay,
      subtotal: optionalMoney(input.subtotal),
      fees: optionalMoney(input.fees),
      totalPrice: toMoneyText(input.totalPrice),
      status: INITIAL_BOOKING_STATUS,
      paymentMethod: 'stripe',
      stripePaymentIntentId: localPaymentIntentId(),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await emit(listing.ownerId, 'booking_created', createdEventData(row, listing, renter.name));
  if (isActiveAt(row, now)) await emit(listing.ownerId, 'occupancy_changed', await occupancyOf(tx, listing, now));
  return { booking: toBookingDto(row), created: true };
}

/** `createBooking` in its own transaction; events are published after commit. */
export function confirmBooking(claims: TokenClaims, input: ConfirmBookingInput, now = new Date()): Promise<ConfirmResult> {
  return transactWithEvents((tx, emit) => createBooking(tx, emit, claims, input, now));
}
