/**
 * Hangar bookings: the event payloads they produce, and how a write finds and locks one.
 * Creation is in `booking-confirm.ts`, status changes in `booking-status.ts`, cancellation by the
 * renter in `booking-cancel.ts`.
 *
 * Lock order, everywhere: the listing row first, then the booking row. A booking's `hangar_id`
 * never changes, so it can be read before either lock is taken.
 */
import { asc, eq, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { hangarBookings, hangarListings, type BookingStatus } from '../db/schema';
import { notFound } from '../errors';
import type { BookingCreatedData, BookingUpdatedData } from '../realtime/wire/events';
import type { ListingRow } from './listings';
import { fromMoneyText } from './money';
import { hangarNumberOf } from './occupancy';

/** A `hangar_bookings` row as Drizzle returns it. */
export type BookingRow = typeof hangarBookings.$inferSelect;

/** The status of a row; the column's default is `pending`, so a NULL reads as that. */
export const statusOf = (b: { status: BookingStatus | null }): BookingStatus => b.status ?? 'pending';

/** The revenue of a booking in BRL: its `total_price`. */
export const amountOf = (b: { totalPrice: string | null }): number => fromMoneyText(b.totalPrice) ?? 0;

/** The `booking_created` payload: id as a string, the renter's name, ISO dates, BRL amount, nights as days. */
export function createdEventData(b: BookingRow, listing: ListingRow, guestName: string): BookingCreatedData {
  return {
    id: String(b.id),
    guestName,
    hangarId: listing.id,
    hangarNumber: hangarNumberOf(listing),
    checkIn: b.checkIn.toISOString(),
    checkOut: b.checkOut.toISOString(),
    amount: amountOf(b),
    duration: b.nights,
    status: statusOf(b),
  };
}

/** The `booking_updated` / `booking_completed` payload. */
export function updatedEventData(b: BookingRow, listing: ListingRow, previousStatus: BookingStatus): BookingUpdatedData {
  return {
    id: String(b.id),
    hangarId: listing.id,
    hangarNumber: hangarNumberOf(listing),
    status: statusOf(b),
    previousStatus,
    amount: amountOf(b),
  };
}

/** A booking and its listing, both locked for the rest of the transaction. */
export interface LockedBooking {
  booking: BookingRow;
  listing: ListingRow;
}

/**
 * Finds the first booking matching `where` (lowest id) and locks its listing, then the booking.
 * Undefined when none matches (or the booking vanished between the two reads).
 */
export async function lockBookingWhere(tx: Queryable, where: SQL): Promise<LockedBooking | undefined> {
  // The listing first (locked by the statement that finds the booking), then the booking.
  const [ref] = await tx
    .select({ listing: hangarListings, bookingId: hangarBookings.id })
    .from(hangarBookings)
    .innerJoin(hangarListings, eq(hangarListings.id, hangarBookings.hangarId))
    .where(where)
    .orderBy(asc(hangarBookings.id))
    .limit(1)
    .for('update', { of: hangarListings });
  if (!ref) return undefined;
  const [booking] = await tx.select().from(hangarBookings).where(eq(hangarBookings.id, ref.bookingId)).for('update').limit(1);
  return booking ? { booking, listing: ref.listing } : undefined;
}

/** Like `lockBookingWhere` by id; a missing booking is a 404 `booking_not_found`. */
export async function lockBookingOrThrow(tx: Queryable, id: number): Promise<LockedBooking> {
  const found = await lockBookingWhere(tx, eq(hangarBookings.id, id));
  if (!found) throw notFound('booking_not_found', `There is no booking ${id}.`);
  return found;
}
