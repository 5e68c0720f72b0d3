/**
 * The metrics aggregator: every field of the contract's metrics table for a *set* of owners, with
 * one query per metric family whatever the size of the set — listings, active bookings, bookings by
 * creation window (today, 7/14/30 days, the current month) and the closed months of
 * `bookingsByMonth` — each `owner_id = any(…)` + `GROUP BY`. Never one query per owner.
 *
 * The families run in one REPEATABLE READ, READ ONLY transaction, so a snapshot never mixes
 * before and after a concurrent commit (e.g. `bookingsToday` without the same booking in its month).
 *
 * The closed months are the expensive part (eleven months of bookings) and change rarely, so a
 * caller may pass the counts it already has (`knownHistory`): the eleven months are then counted
 * only for owners it lacks some of, and the others get one month recounted (`refreshMonth`), so a
 * caller that rotates it keeps every month current within eleven computations at the cost of
 * scanning about one month of bookings each time.
 *
 * Scope: bookings join `hangar_listings` on `hangar_id`, filtered by `hangar_listings.owner_id`.
 * Status sets are SQL literals, not parameters, so the planner can match partial indexes.
 */
import { and, eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { rows, type Db, type Queryable } from '../db/client';
import { hangarBookings as b, hangarListings as l, LISTING_STATUSES, type ListingStatus } from '../db/schema';
import { assemble, planHistory, zeroed, type FamilyRows, type MonthCount } from './snapshot';
import type { BookingUpdatedData, LoggedEvent } from '../realtime/wire/events';
import type { MetricsSnapshot } from './types';
import { metricsWindows, sqlThresholds, sqlTimestamp as ts, type MetricsWindows } from './windows';

export { growthPercentage, type MonthCount } from './snapshot';

/** Options of a computation. */
export interface ComputeOptions {
  /** The instant the metrics describe; default the current time. */
  now?: Date;
  /** IANA zone that defines "today" and the calendar months. */
  timeZone: string;
  /**
   * Month counts already known, per owner (an earlier snapshot's `bookingsByMonth`), matched by
   * label: an owner who has all eleven closed months of this computation is not recounted, except
   * for `refreshMonth`. Owners missing any of them get all eleven counted.
   */
  knownHistory?: ReadonlyMap<number, readonly MonthCount[]>;
  /** The closed month (`YYYY-MM`) to recount for owners whose history is known; none by default. */
  refreshMonth?: string;
}

/** Statuses a booking counts under in the booking counts (today, windows, months). */
const LIVE_STATUSES: readonly string[] = ['pending', 'confirmed', 'completed'];
const LIVE = sql`${b.status} in (${sql.raw(LIVE_STATUSES.map((s) => `'${s}'`).join(', '))})`;
const PAID = sql`${b.status} in ('confirmed', 'completed')`;
const count = (where?: SQL) => (where ? sql`count(*) filter (where ${where})` : sql`count(*)`);
const sumPrice = (where: SQL) => sql`coalesce(sum(${b.totalPrice}) filter (where ${where}), 0)`;
/** Spaces of a listing; a missing or negative `total_spaces` counts as none. */
const spaces = sql`greatest(coalesce(${l.totalSpaces}, 0), 0)`;
/** The owner set as one array parameter (not one parameter per owner), so the statement text is stable. */
const ownedBy = (ids: number[]) => sql`${l.ownerId} = any(${`{${ids.join(',')}}`}::int[])`;

/**
 * Whether `event` can change an owner's closed months (`bookingsByMonth` before the current one):
 * only a booking moving into or out of the counted statuses can (cancelled, or reinstated) — it may
 * be months old. A new booking is created now (the current month, counted every time); payments,
 * occupancy and completion (confirmed → completed: counted both ways) leave past months alone.
 * Anything unrecognised is assumed to change them.
 */
export function changesClosedMonths(event: LoggedEvent): boolean {
  switch (event.type) {
    case 'booking_created':
    case 'occupancy_changed':
    case 'revenue_received':
      return false;
    case 'booking_updated':
    case 'booking_completed': {
      const { status, previousStatus } = event.data as Partial<BookingUpdatedData>;
      if (typeof status !== 'string' || typeof previousStatus !== 'string') return true;
      return LIVE_STATUSES.includes(status) !== LIVE_STATUSES.includes(previousStatus);
    }
    default:
      return true;
  }
}

/** Each expression aliased with its key, for `db.select(…)`. */
function aliased<K extends string>(fields: Record<K, SQL>): Record<K, SQL.Aliased> {
  return Object.fromEntries(Object.entries<SQL>(fields).map(([key, expr]) => [key, expr.as(key)])) as Record<K, SQL.Aliased>;
}

/**
 * Runs a select built with the query builder through `rows()` and reads every column as a number
 * (ids, counts, sums, buckets). Drizzle's own per-field row mapping costs about as much as the
 * query itself for thousands of rows (measured twice the time for 5 000 rows × 8 fields).
 */
async function numericRows<K extends string>(db: Queryable, query: SQLWrapper, keys: K[]): Promise<Record<K, number>[]> {
  const raw = await rows<Record<K, unknown>>(db, query.getSQL());
  return raw.map((r) => {
    const out = {} as Record<K, number>;
    for (const key of keys) out[key] = Number(r[key]);
    return out;
  });
}

/** Selects `fields` (aliased by key) with `build`, and returns the rows as numbers. */
function select<K extends string>(db: Queryable, fields: Record<K, SQL>, build: (q: ReturnType<Queryable['select']>) => SQLWrapper) {
  return numericRows(db, build(db.select(aliased(fields)) as ReturnType<Queryable['select']>), Object.keys(fields) as K[]);
}

/** Listing counts per status and the spaces of active listings, one row per owner. */
function listingFamily(db: Queryable, ids: number[]) {
  const byStatus = Object.fromEntries(LISTING_STATUSES.map((status) => [status, count(sql`${l.status} = ${sql.raw(`'${status}'`)}`)]));
  const fields = {
    ownerId: sql`${l.ownerId}`,
    ...(byStatus as Record<ListingStatus, SQL>),
    spaces: sql`coalesce(sum(${spaces}) filter (where ${l.status} = 'active'), 0)`,
  };
  return select(db, fields, (q) => q.from(l).where(ownedBy(ids)).groupBy(l.ownerId));
}

/** Active bookings (confirmed, check_in ≤ now < check_out) per owner, and Σ min(active, spaces) over active listings. */
function activeFamily(db: Queryable, ids: number[], w: MetricsWindows) {
  const perListing = db
    .select({
      ownerId: sql<number>`${l.ownerId}`.as('owner_id'),
      listed: sql<boolean>`${l.status} = 'active'`.as('listed'),
      spaces: sql<number>`${spaces}`.as('spaces'),
      n: sql<number>`count(*)`.as('n'),
    })
    .from(b)
    .innerJoin(l, eq(b.hangarId, l.id))
    .where(and(ownedBy(ids), sql`${b.status} = 'confirmed'`, sql`${b.checkOut} > ${ts(w.now)}`, sql`${b.checkIn} <= ${ts(w.now)}`))
    .groupBy(l.id)
    .as('per_listing');
  const fields = {
    ownerId: sql`${perListing.ownerId}`,
    active: sql`sum(${perListing.n})`,
    occupied: sql`coalesce(sum(least(${perListing.n}, ${perListing.spaces})) filter (where ${perListing.listed}), 0)`,
  };
  return select(db, fields, (q) => q.from(perListing).groupBy(perListing.ownerId));
}

/** Today, the 7/14/30-day windows and the current month, in one range scan of about a month of bookings. */
function windowFamily(db: Queryable, ids: number[], w: MetricsWindows) {
  const today = sql`${b.createdAt} >= ${ts(w.todayStart)} and ${b.createdAt} < ${ts(w.tomorrowStart)}`;
  const within = (from: Date, to: Date) => sql`${b.createdAt} > ${ts(from)} and ${b.createdAt} <= ${ts(to)}`;
  const monthStart = w.months[w.months.length - 1].start;
  const from = new Date(Math.min(w.monthAgo.getTime(), w.todayStart.getTime(), monthStart.getTime()));
  const to = new Date(Math.max(w.now.getTime() + 1, w.tomorrowStart.getTime(), w.monthsEnd.getTime()));
  const fields = {
    ownerId: sql`${l.ownerId}`,
    revenueToday: sumPrice(sql`${PAID} and ${today}`),
    bookingsToday: count(today),
    current: count(within(w.weekAgo, w.now)),
    previous: count(within(w.twoWeeksAgo, w.weekAgo)),
    revenue30: sumPrice(sql`${PAID} and ${within(w.monthAgo, w.now)}`),
    thisMonth: count(sql`${b.createdAt} >= ${ts(monthStart)} and ${b.createdAt} < ${ts(w.monthsEnd)}`),
  };
  const range = and(ownedBy(ids), sql`${b.createdAt} >= ${ts(from)}`, sql`${b.createdAt} < ${ts(to)}`, LIVE);
  return select(db, fields, (q) => q.from(b).innerJoin(l, eq(b.hangarId, l.id)).where(range).groupBy(l.ownerId));
}

/**
 * Live bookings per owner in months `first … first + n − 1` of `w.months` (`width_bucket` over the
 * month starts computed in the time zone; bucket 1 is month `first`).
 */
function historyFamily(db: Queryable, ids: number[], w: MetricsWindows, first: number, n: number) {
  const starts = w.months.slice(first, first + n).map((m) => m.start);
  const end = first + n < w.months.length ? w.months[first + n].start : w.monthsEnd;
  const fields = { ownerId: sql`${l.ownerId}`, bucket: sql`width_bucket(${b.createdAt}, ${sqlThresholds(starts)})`, n: count() };
  const range = and(ownedBy(ids), LIVE, sql`${b.createdAt} >= ${ts(starts[0])}`, sql`${b.createdAt} < ${ts(end)}`);
  // Grouped by position: repeating the bucket expression would bind the thresholds again as another
  // parameter, which PostgreSQL does not recognise as the selected expression.
  return select(db, fields, (q) => q.from(b).innerJoin(l, eq(b.hangarId, l.id)).where(range).groupBy(l.ownerId, sql.raw('2')));
}

/** Runs `work` in one consistent snapshot: a read-only repeatable-read transaction, or the caller's own. */
function inSnapshot<T>(db: Queryable, work: (q: Queryable) => Promise<T>): Promise<T> {
  if (db instanceof PgTransaction) return work(db);
  return (db as Db).transaction((tx) => work(tx), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

/**
 * Computes the metrics of every owner in `ownerIds` with at most five queries in total (the
 * history family runs once for owners without known history and once for the refreshed month),
 * in one snapshot. Owners without listings or bookings get a full zeroed snapshot (12 months of 0).
 * `lastUpdate` is `now`; `stale` is false. An empty set costs no query.
 */
export async function computeMetrics(db: Queryable, ownerIds: readonly number[], opts: ComputeOptions): Promise<Map<number, MetricsSnapshot>> {
  const ids = [...new Set(ownerIds)].filter((id) => Number.isSafeInteger(id));
  if (ids.length === 0) return new Map();
  const w = metricsWindows(opts.now ?? new Date(), opts.timeZone);
  const plan = planHistory(ids, w, opts.knownHistory, opts.refreshMonth);
  const none = Promise.resolve([] as FamilyRows['history']);
  const found = await inSnapshot(db, async (q) => {
    const [listings, active, windows, history, refreshed] = await Promise.all([
      listingFamily(q, ids),
      activeFamily(q, ids, w),
      windowFamily(q, ids, w),
      plan.cold.length > 0 ? historyFamily(q, plan.cold, w, 0, w.months.length - 1) : none,
      plan.refresh >= 0 ? historyFamily(q, plan.warm, w, plan.refresh, 1) : none,
    ]);
    return { listings, active, windows, history, refreshed };
  });
  return assemble(ids, w, found, plan);
}

/** The same computation for one owner, from scratch (the per-owner baseline tests and the benchmark compare with). */
export async function computeOwnerMetrics(
  db: Queryable,
  ownerId: number,
  opts: Omit<ComputeOptions, 'knownHistory' | 'refreshMonth'>,
): Promise<MetricsSnapshot> {
  const result = await computeMetrics(db, [ownerId], opts);
  return result.get(ownerId) ?? zeroed(metricsWindows(opts.now ?? new Date(), opts.timeZone));
}
