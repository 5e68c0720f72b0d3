/**
 * The portal's refund rules, decided in `BOOKING_TIMEZONE` (default America/Sao_Paulo):
 *
 * - At checkout a booking is `non_refundable` when its check-in day is today, or tomorrow once it
 *   is 18:00 or later; otherwise `refundable`. A date-only check-in ("2026-12-01") *is* that day;
 *   the portal read it as UTC midnight, the evening before in Brazil, so the rule fired a day early.
 *   A check-in already past (up to a day, as `booking/confirm` allows) is non-refundable too.
 * - The policy in force is recorded as `refund_policy_applied` = `<listing's cancellation_policy>_v1`
 *   (`moderate` when unset); the portal always wrote `moderate_v1` whatever the listing said.
 * - On cancellation by the renter, of `total_price − fees`: nothing for a non-refundable booking;
 *   otherwise by the policy and the days left before check-in (rounded up): flexible ≥ 1 → 100 %;
 *   strict ≥ 30 → 100 %; moderate ≥ 7 → 100 %, > 1 → 50 %, else 0. An admin's `partial` is 50 %.
 */
import { DAY_MS, zonedDay } from '../time';

export type BookingType = 'refundable' | 'non_refundable';
export type CancellationPolicy = 'flexible' | 'moderate' | 'strict';
export const CANCELLATION_POLICIES: readonly CancellationPolicy[] = ['flexible', 'moderate', 'strict'];

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** The calendar day a check-in means: the date itself when only a date was sent, else its day in `timeZone`. */
export const checkInDay = (raw: string, checkIn: Date, timeZone: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : zonedDay(checkIn, timeZone).day);

/** `refundable` or `non_refundable` for a check-in on `day`, booked at `now`. */
export function bookingTypeOf(day: string, now: Date, timeZone: string): BookingType {
  const today = zonedDay(now, timeZone);
  if (day <= today.day) return 'non_refundable';
  if (day === nextDay(today.day) && today.hour >= 18) return 'non_refundable';
  return 'refundable';
}

/** A listing's policy (unknown or unset → moderate, the portal's default in the refund rule). */
export const policyOf = (p: string | null | undefined): CancellationPolicy =>
  CANCELLATION_POLICIES.includes(p as CancellationPolicy) ? (p as CancellationPolicy) : 'moderate';

/** What `refund_policy_applied` records for a listing's policy. */
export const policyLabel = (p: string | null | undefined) => `${policyOf(p)}_v1`;

/** The policy a booking was sold under: its recorded one, else the listing's current one. */
export function policyFor(booking: { refundPolicyApplied: string | null }, listing: { cancellationPolicy: string | null }): CancellationPolicy {
  const recorded = /^(flexible|moderate|strict)_v1$/.exec(booking.refundPolicyApplied ?? '')?.[1];
  return policyOf(recorded ?? listing.cancellationPolicy);
}

/** Whole days from `now` to check-in, rounded up (0 or less once it has begun). */
export const daysUntil = (checkIn: Date, now: Date) => Math.ceil((checkIn.getTime() - now.getTime()) / DAY_MS);

/** The refunded share (0, 0.5 or 1) of `total_price − fees`. */
export function refundShare(opts: { bookingType: string | null; policy: CancellationPolicy; daysUntilCheckIn: number; adminPartial: boolean }): number {
  if (opts.bookingType === 'non_refundable') return 0;
  if (opts.adminPartial) return 0.5;
  const d = opts.daysUntilCheckIn;
  if (opts.policy === 'flexible') return d >= 1 ? 1 : 0;
  if (opts.policy === 'strict') return d >= 30 ? 1 : 0;
  return d >= 7 ? 1 : d > 1 ? 0.5 : 0;
}
