/** The portal's price and refund rules as pure functions (see pricing.ts and refund-policy.ts). */
import { describe, expect, it } from 'vitest';
import { discountOf, quote, subtotalOf } from './pricing';
import { bookingTypeOf, checkInDay, policyFor, refundShare } from './refund-policy';

describe('subtotalOf: the cheapest of the portal scenarios', () => {
  const rates = { dailyRate: 500, weeklyRate: 3000, monthlyRate: 10_000 };
  it.each([
    [1, 500],
    [6, 3000], // 6 × 500 = 3 000 (the weekly rate needs 7 nights)
    [7, 3000],
    [9, 4000], // 1 week + 2 nights
    [30, 10_000], // the month beats 4 weeks + 2 nights (13 000)
    [45, 15_000], // 1 month + 15 nights at 500 (17 500) vs 6 weeks + 3 nights (19 500) vs month + 15 × 10 000/30 (15 000)
  ])('%i nights → R$ %d', (nights, subtotal) => {
    expect(subtotalOf(rates, nights)).toBe(subtotal);
  });
  it('prices pro rata from the monthly rate when there is neither a daily nor a weekly one', () => {
    expect(subtotalOf({ dailyRate: null, weeklyRate: null, monthlyRate: 3000 }, 3)).toBe(300);
  });
  it('skips a scenario whose rate is missing instead of pricing it at zero (the portal charged 0 per month)', () => {
    expect(subtotalOf({ dailyRate: 100, weeklyRate: null, monthlyRate: null }, 31)).toBe(3100);
    expect(subtotalOf({ dailyRate: null, weeklyRate: null, monthlyRate: null }, 3)).toBeNull();
  });
});

describe('discount and fees', () => {
  it('takes a percentage or a fixed amount, capped at the subtotal, in cents', () => {
    expect(discountOf(999.99, { type: 'percent', value: 15 })).toBe(150);
    expect(discountOf(200, { type: 'fixed', value: 500 })).toBe(200);
    expect(discountOf(200, null)).toBe(0);
  });
  it('charges 5 % fees on the discounted subtotal', () => {
    expect(quote({ dailyRate: 500, weeklyRate: null, monthlyRate: null }, 2, { type: 'percent', value: 10 })).toEqual({
      subtotal: 1000,
      discount: 100,
      fees: 45,
      total: 945,
    });
  });
});

describe('booking type in BOOKING_TIMEZONE', () => {
  const tz = 'America/Sao_Paulo';
  // 2026-06-01 17:59 and 18:00 in São Paulo (UTC−3).
  const before18 = new Date('2026-06-01T20:59:00Z');
  const at18 = new Date('2026-06-01T21:00:00Z');
  it('is non-refundable for a check-in today, or tomorrow from 18:00 on', () => {
    expect(bookingTypeOf('2026-06-01', before18, tz)).toBe('non_refundable');
    expect(bookingTypeOf('2026-06-02', before18, tz)).toBe('refundable');
    expect(bookingTypeOf('2026-06-02', at18, tz)).toBe('non_refundable');
    expect(bookingTypeOf('2026-06-03', at18, tz)).toBe('refundable');
  });
  it("reads a date-only check-in as that day, not as UTC midnight (the portal's rule fired a day early)", () => {
    // "2026-06-03" parsed as UTC midnight is 2026-06-02 21:00 in São Paulo: tomorrow after 18:00.
    expect(checkInDay('2026-06-03', new Date('2026-06-03T00:00:00Z'), tz)).toBe('2026-06-03');
    expect(bookingTypeOf(checkInDay('2026-06-03', new Date('2026-06-03T00:00:00Z'), tz), at18, tz)).toBe('refundable');
    expect(checkInDay('2026-06-03T01:00:00Z', new Date('2026-06-03T01:00:00Z'), tz)).toBe('2026-06-02');
  });
});

describe('refund share', () => {
  const share = (policy: 'flexible' | 'moderate' | 'strict', days: number, extra: Partial<Parameters<typeof refundShare>[0]> = {}) =>
    refundShare({ bookingType: 'refundable', policy, daysUntilCheckIn: days, adminPartial: false, ...extra });
  it.each([
    ['flexible', 1, 1],
    ['flexible', 0, 0],
    ['strict', 30, 1],
    ['strict', 29, 0],
    ['moderate', 7, 1],
    ['moderate', 6, 0.5],
    ['moderate', 2, 0.5],
    ['moderate', 1, 0],
  ] as const)('%s with %i days left → %d', (policy, days, expected) => {
    expect(share(policy, days)).toBe(expected);
  });
  it('refunds nothing on a non-refundable booking, half on an admin partial', () => {
    expect(share('flexible', 100, { bookingType: 'non_refundable' })).toBe(0);
    expect(share('strict', 1, { adminPartial: true })).toBe(0.5);
  });
  it('uses the policy recorded at checkout, else the listing policy', () => {
    expect(policyFor({ refundPolicyApplied: 'strict_v1' }, { cancellationPolicy: 'flexible' })).toBe('strict');
    expect(policyFor({ refundPolicyApplied: null }, { cancellationPolicy: 'flexible' })).toBe('flexible');
    expect(policyFor({ refundPolicyApplied: 'moderate_v1' }, { cancellationPolicy: null })).toBe('moderate');
    expect(policyFor({ refundPolicyApplied: null }, { cancellationPolicy: null })).toBe('moderate');
  });
});
