/**
 * Capacity of a listing over a stay. Bookings that hold a spot — `confirmed` ones, and `pending`
 * ones younger than `PENDING_HOLD_MS` (the portal's rule: an older pending checkout was abandoned)
 * — are half-open intervals `[checkIn, checkOut)`; a new stay fits when, at every instant of it, fewer
 * than `total_spaces` of them overlap. Counting every booking that touches the stay would refuse
 * stays that fit (two back-to-back bookings use one spot, not two), hence the sweep.
 */
import { and, eq, gt, lt, or } from 'drizzle-orm';
import type { Queryable } from '../db/client';
import { hangarBookings } from '../db/schema';
import { conflict } from '../errors';

/** How long a checkout that was not paid holds its spot (the portal's 30 minutes). */
export const PENDING_HOLD_MS = 30 * 60_000;

/** A half-open time interval in ms since the epoch. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * The largest number of `intervals` that overlap at one instant inside `[from, to)`. Ends sort
 * before starts at the same instant, because a stay ending at 12:00 frees its spot for one
 * starting at 12:00.
 */
export function peakOverlap(intervals: readonly Interval[], from: number, to: number): number {
  const edges: [number, number][] = [];
  for (const iv of intervals) {
    const start = Math.max(iv.start, from);
    const end = Math.min(iv.end, to);
    if (start < end) edges.push([start, 1], [end, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    current += delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

/**
 * Throws 409 `no_availability` when the listing has no free spot for the whole of
 * `[checkIn, checkOut)`. Call it while holding the listing's row lock, so two bookings cannot both
 * take the last spot.
 */
export async function assertCapacity(
  db: Queryable,
  listing: { id: number; totalSpaces: number | null },
  stay: { checkIn: Date; checkOut: Date },
  now: Date,
): Promise<void> {
  const overlapping = await db
    .select({ checkIn: hangarBookings.checkIn, checkOut: hangarBookings.checkOut })
    .from(hangarBookings)
    .where(
      and(
        eq(hangarBookings.hangarId, listing.id),
        or(
          eq(hangarBookings.status, 'confirmed'),
          and(eq(hangarBookings.status, 'pending'), gt(hangarBookings.createdAt, new Date(now.getTime() - PENDING_HOLD_MS))),
        ),
        lt(hangarBookings.checkIn, stay.checkOut),
        gt(hangarBookings.checkOut, stay.checkIn),
      ),
    );
  const intervals = overlapping.map((b) => ({ start: b.checkIn.getTime(), end: b.checkOut.getTime() }));
  const peak = peakOverlap(intervals, stay.checkIn.getTime(), stay.checkOut.getTime());
  const total = listing.totalSpaces ?? 1;
  if (peak + 1 > total) {
    throw conflict('no_availability', `Hangar listing ${listing.id} is fully booked for these dates (${peak} of ${total} spaces taken).`);
  }
}
