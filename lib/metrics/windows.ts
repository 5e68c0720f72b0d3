/**
 * The time windows the metrics count over, computed once per computation in JavaScript so the
 * SQL only compares `created_at` with constants (cheap, and index-friendly) instead of converting
 * every row to the booking time zone.
 *
 * `hangar_bookings` stores UTC wall time in `timestamp without time zone` columns, so every bound
 * here is a UTC instant, rendered by `sqlTimestamp` as a UTC wall-time literal.
 */
import { sql, type SQL } from 'drizzle-orm';
import { DAY_MS, startOfDayInZone, zoneOffsetMinutes } from '../time';

/** How many calendar months `bookingsByMonth` covers, the current one included. */
export const MONTHS = 12;

export interface MetricsWindows {
  now: Date;
  /** Start of today in the time zone, and of tomorrow (23–25 h later on DST days). */
  todayStart: Date;
  tomorrowStart: Date;
  /** now − 7 × 24 h and now − 14 × 24 h: the growth windows are (weekAgo, now] and (twoWeeksAgo, weekAgo]. */
  weekAgo: Date;
  twoWeeksAgo: Date;
  /** now − 30 × 24 h: revenueLast30Days counts (monthAgo, now]. */
  monthAgo: Date;
  /** The 12 calendar months in the time zone, oldest first, ending with the current one (shared: read-only). */
  months: readonly { readonly label: string; readonly start: Date }[];
  /** Start of the month after the current one (exclusive upper bound of the last bucket). */
  monthsEnd: Date;
}

/** Day and month boundaries depend only on the local date; cache them (a few entries live at a time). */
const boundaries = new Map<string, unknown>();
function memo<T>(key: string, make: () => T): T {
  if (!boundaries.has(key)) {
    if (boundaries.size > 64) boundaries.clear();
    boundaries.set(key, make());
  }
  return boundaries.get(key) as T;
}

/** The 12 months ending with (year, month) in `timeZone`, and the start of the month after. */
function monthBoundaries(year: number, month: number, offsetMinutes: number, timeZone: string) {
  const monthStart = (k: number) => {
    // Noon of the 1st as wall time, shifted by today's offset: inside that local day even if the
    // offset differs by DST, so startOfDayInZone lands on the 1st's midnight.
    const noon = Date.UTC(year, month + k, 1, 12) - offsetMinutes * 60_000;
    return startOfDayInZone(new Date(noon), timeZone);
  };
  const months = Array.from({ length: MONTHS }, (_, i) => {
    const k = i - (MONTHS - 1);
    const d = new Date(Date.UTC(year, month + k, 1));
    const label = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    return { label, start: monthStart(k) };
  });
  return { months, monthsEnd: monthStart(1) };
}

/** Computes every window for `now` in `timeZone` (an IANA name, e.g. `America/Sao_Paulo`). */
export function metricsWindows(now: Date, timeZone: string): MetricsWindows {
  const offset = zoneOffsetMinutes(now, timeZone);
  const local = new Date(now.getTime() + offset * 60_000);
  const [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  const { todayStart, tomorrowStart } = memo(`${timeZone} ${year}-${month}-${day}`, () => {
    const start = startOfDayInZone(now, timeZone);
    // 30 h after midnight is always inside the next day, whatever the DST transition.
    return { todayStart: start, tomorrowStart: startOfDayInZone(new Date(start.getTime() + 30 * 3_600_000), timeZone) };
  });
  const { months, monthsEnd } = memo(`${timeZone} ${year}-${month}`, () => monthBoundaries(year, month, offset, timeZone));
  const at = (ms: number) => new Date(now.getTime() - ms);
  return { now, todayStart, tomorrowStart, weekAgo: at(7 * DAY_MS), twoWeeksAgo: at(14 * DAY_MS), monthAgo: at(30 * DAY_MS), months, monthsEnd };
}

/** A `timestamp without time zone` literal holding `d` as UTC wall time. */
export function sqlTimestamp(d: Date): SQL {
  return sql`${d.toISOString().slice(0, -1)}::timestamp`;
}

/** A `timestamp[]` of instants, for `width_bucket(created_at, …)`: bucket k ↔ [starts[k − 1], starts[k]). */
export function sqlThresholds(starts: readonly Date[]): SQL {
  return sql`${`{${starts.map((d) => `"${d.toISOString().slice(0, -1)}"`).join(',')}}`}::timestamp[]`;
}
