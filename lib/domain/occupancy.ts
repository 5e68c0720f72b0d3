/**
 * Occupancy of one listing, the one place it is computed for `occupancy_changed`.
 *
 * A booking is *active* when it is `confirmed` and `check_in <= now < check_out` (the contract's
 * metrics definition). A listing's occupied spots are its active bookings, capped at
 * `total_spaces`; the rate is 100 × occupied ÷ total with one decimal (0 when there are no spaces).
 */
import { and, count, eq, gt, lte } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { hangarBookings } from '../db/schema';
import type { OccupancyChangedData } from '../realtime/wire/events';

/** The status a booking must have to occupy a spot. */
export const ACTIVE_STATUS = 'confirmed';

/** True when the booking occupies a spot at `now` (confirmed, `checkIn <= now < checkOut`). */
export function isActiveAt(b: { status: string | null; checkIn: Date; checkOut: Date }, now: Date): boolean {
  const t = now.getTime();
  return b.status === ACTIVE_STATUS && b.checkIn.getTime() <= t && t < b.checkOut.getTime();
}

/** Spots, rate and flag from a count of active bookings and the listing's capacity. */
export function computeOccupancy(activeBookings: number, totalSpaces: number) {
  const totalSpots = Math.max(0, totalSpaces);
  const occupiedSpots = Math.min(Math.max(0, activeBookings), totalSpots);
  const occupancyRate = totalSpots === 0 ? 0 : Math.round((1000 * occupiedSpots) / totalSpots) / 10;
  return { totalSpots, occupiedSpots, occupancyRate, isNowOccupied: occupiedSpots > 0 };
}

/** How many bookings of the listing are active at `now`. */
export async function countActiveBookings(db: Queryable, hangarId: number, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(hangarBookings)
    .where(
      and(eq(hangarBookings.hangarId, hangarId), eq(hangarBookings.status, ACTIVE_STATUS), lte(hangarBookings.checkIn, now), gt(hangarBookings.checkOut, now)),
    );
  return Number(row?.n ?? 0);
}

/** The listing fields an `occupancy_changed` payload needs. */
export interface OccupancyListing {
  id: number;
  hangarNumber: string | null;
  totalSpaces: number | null;
}

/** A listing's display number; the portal allows none, so fall back to its id. */
export const hangarNumberOf = (l: { id: number; hangarNumber: string | null }): string => l.hangarNumber ?? `#${l.id}`;

/**
 * The `occupancy_changed` payload of one listing at `now`, read inside the caller's transaction
 * (so it sees the change the transaction just made). `timestamp` is `now` in ms.
 */
export async function occupancyOf(db: Queryable, listing: OccupancyListing, now: Date): Promise<OccupancyChangedData> {
  const active = await countActiveBookings(db, listing.id, now);
  return {
    hangarId: listing.id,
    hangarNumber: hangarNumberOf(listing),
    ...computeOccupancy(active, listing.totalSpaces ?? 1),
    timestamp: now.getTime(),
  };
}
