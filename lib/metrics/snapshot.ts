/**
 * Turning the aggregator's rows into snapshots: one zeroed snapshot per owner, filled family by
 * family, plus the plan of which owners' closed months must be counted and which are already known.
 * Pure functions; no database access.
 */
import { LISTING_STATUSES, type ListingStatus } from '../db/schema';
import { emptyMetrics, type MetricsSnapshot } from './types';
import type { MetricsWindows } from './windows';

export type MonthCount = MetricsSnapshot['bookingsByMonth'][number];

/** The rows of each family, as the queries in `queries.ts` return them. */
export interface FamilyRows {
  /** Listing counts per status, and `spaces`: the total spaces of the active listings. */
  listings: ({ ownerId: number; spaces: number } & Record<ListingStatus, number>)[];
  active: { ownerId: number; active: number; occupied: number }[];
  windows: { ownerId: number; revenueToday: number; bookingsToday: number; current: number; previous: number; revenue30: number; thisMonth: number }[];
  /** All closed months of the owners without known history (bucket k = month k − 1). */
  history: { ownerId: number; bucket: number; n: number }[];
  /** The refreshed month of the others (bucket 1). */
  refreshed: { ownerId: number; bucket: number; n: number }[];
}

/** Which owners need which history queries. */
export interface HistoryPlan {
  known: Map<number, number[]>;
  cold: number[];
  warm: number[];
  /** Index in `w.months` of the month recounted for the warm owners, or -1. */
  refresh: number;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
};

/** (cur − prev) ÷ prev × 100, 1 decimal; with prev = 0: 0 when cur = 0, else 100. */
export function growthPercentage(current: number, previous: number): number {
  if (previous === 0) return current === 0 ? 0 : 100;
  return round(((current - previous) / previous) * 100, 1);
}

/** A zeroed snapshot with the 12 month buckets of `w` (what an owner with no data gets). */
export function zeroed(w: MetricsWindows): MetricsSnapshot {
  return { ...emptyMetrics(w.now.getTime()), bookingsByMonth: w.months.map((m) => ({ month: m.label, count: 0 })) };
}

/** Splits owners into those whose closed months are all known (warm) and the rest (cold). */
export function planHistory(ids: number[], w: MetricsWindows, knownHistory?: ReadonlyMap<number, readonly MonthCount[]>, refreshMonth?: string): HistoryPlan {
  const closed = w.months.slice(0, -1);
  const slot = new Map(closed.map((m, i) => [m.label, i]));
  const known = new Map<number, number[]>();
  const cold: number[] = [];
  for (const id of ids) {
    const counts: number[] = new Array(closed.length);
    let found = 0;
    for (const h of knownHistory?.get(id) ?? []) {
      const i = slot.get(h.month);
      if (i !== undefined && counts[i] === undefined) {
        counts[i] = h.count;
        found++;
      }
    }
    if (found === closed.length) known.set(id, counts);
    else cold.push(id);
  }
  const refresh = closed.findIndex((m) => m.label === refreshMonth);
  return { known, cold, warm: [...known.keys()], refresh: known.size > 0 ? refresh : -1 };
}

/** Sets the month counts: known ones, then the cold owners' eleven months, then the refreshed month. */
function fillMonths(of: (id: number) => MetricsSnapshot, plan: HistoryPlan, rows: FamilyRows, closedCount: number) {
  for (const [id, counts] of plan.known) {
    counts.forEach((count, i) => (of(id).bookingsByMonth[i].count = count));
    if (plan.refresh >= 0) of(id).bookingsByMonth[plan.refresh].count = 0;
  }
  for (const r of rows.history) if (r.bucket >= 1 && r.bucket <= closedCount) of(r.ownerId).bookingsByMonth[r.bucket - 1].count = r.n;
  for (const r of rows.refreshed) if (r.bucket === 1) of(r.ownerId).bookingsByMonth[plan.refresh].count = r.n;
}

/** Folds the family rows into one snapshot per owner. */
export function assemble(ids: number[], w: MetricsWindows, rows: FamilyRows, plan: HistoryPlan) {
  const result = new Map<number, MetricsSnapshot>(ids.map((id) => [id, zeroed(w)]));
  const of = (id: number) => result.get(id)!;
  const spacesOf = new Map<number, number>();
  const occupied = new Map<number, number>();
  for (const r of rows.listings) {
    for (const status of LISTING_STATUSES) of(r.ownerId).listingsByStatus[status] = r[status];
    spacesOf.set(r.ownerId, r.spaces);
  }
  for (const r of rows.active) {
    of(r.ownerId).activeBookings = r.active;
    occupied.set(r.ownerId, r.occupied);
  }
  const last = w.months.length - 1;
  for (const r of rows.windows) {
    const m = of(r.ownerId);
    m.revenueToday = m.todayRevenue = round(r.revenueToday, 2);
    m.bookingsToday = r.bookingsToday;
    m.growthPercentage = growthPercentage(r.current, r.previous);
    m.revenueLast30Days = round(r.revenue30, 2);
    m.bookingsByMonth[last].count = r.thisMonth;
  }
  fillMonths(of, plan, rows, last);
  for (const [id, m] of result) {
    const total = spacesOf.get(id) ?? 0;
    m.occupancyRate = total > 0 ? round((100 * (occupied.get(id) ?? 0)) / total, 1) : 0;
  }
  return result;
}
