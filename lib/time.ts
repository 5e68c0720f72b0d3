/** Calendar helpers for BOOKING_TIMEZONE ("today" in the metrics is a day in that zone). */

/** One formatter per zone: building an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The calendar day (`YYYY-MM-DD`) and the hour (0–23) of `at` in `zone`. */
export function zonedDay(at: Date, zone: string): { day: string; hour: number } {
  const parts = formatterFor(zone).formatToParts(at);
  const get = (t: string, width: number) => parts.find((p) => p.type === t)!.value.padStart(width, '0');
  return { day: `${get('year', 4)}-${get('month', 2)}-${get('day', 2)}`, hour: Number(get('hour', 2)) };
}

/** The UTC offset of `zone` at `at`, in minutes (São Paulo → -180). */
export function zoneOffsetMinutes(at: Date, zone: string): number {
  const parts = formatterFor(zone).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant the calendar day containing `at` began in `zone`. */
export function startOfDayInZone(at: Date, zone: string): Date {
  const offset = zoneOffsetMinutes(at, zone);
  const local = new Date(at.getTime() + offset * 60_000);
  const midnightLocal = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  // The offset at midnight can differ from now's on a DST day; recompute it there.
  const guess = new Date(midnightLocal - offset * 60_000);
  return new Date(midnightLocal - zoneOffsetMinutes(guess, zone) * 60_000);
}

export const DAY_MS = 86_400_000;
