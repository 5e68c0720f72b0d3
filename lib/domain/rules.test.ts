import { describe, expect, it } from 'vitest';
import { peakOverlap } from './capacity';
import { hasAtMostCents, moneySchema } from './money';
import { computeOccupancy, hangarNumberOf, isActiveAt } from './occupancy';
import { stayOf } from './booking-confirm';

const H = 3_600_000;
const D = 24 * H;

describe('computeOccupancy', () => {
  it('caps occupied spots at the capacity and rounds the rate to one decimal', () => {
    expect(computeOccupancy(1, 3)).toEqual({ totalSpots: 3, occupiedSpots: 1, occupancyRate: 33.3, isNowOccupied: true });
    expect(computeOccupancy(5, 2)).toEqual({ totalSpots: 2, occupiedSpots: 2, occupancyRate: 100, isNowOccupied: true });
    expect(computeOccupancy(0, 4)).toEqual({ totalSpots: 4, occupiedSpots: 0, occupancyRate: 0, isNowOccupied: false });
    expect(computeOccupancy(2, 3).occupancyRate).toBe(66.7);
  });

  it('reports 0 % for a listing without spaces instead of dividing by zero', () => {
    expect(computeOccupancy(3, 0)).toEqual({ totalSpots: 0, occupiedSpots: 0, occupancyRate: 0, isNowOccupied: false });
  });
});

describe('isActiveAt', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const at = (h: number) => new Date(now.getTime() + h * H);
  it('counts confirmed bookings with check_in <= now < check_out', () => {
    expect(isActiveAt({ status: 'confirmed', checkIn: at(-1), checkOut: at(1) }, now)).toBe(true);
    expect(isActiveAt({ status: 'confirmed', checkIn: now, checkOut: at(1) }, now)).toBe(true);
    expect(isActiveAt({ status: 'confirmed', checkIn: at(-1), checkOut: now }, now)).toBe(false);
    expect(isActiveAt({ status: 'confirmed', checkIn: at(1), checkOut: at(2) }, now)).toBe(false);
  });
  it('ignores every other status', () => {
    for (const status of ['pending', 'completed', 'cancelled', 'rejected', null]) {
      expect(isActiveAt({ status, checkIn: at(-1), checkOut: at(1) }, now)).toBe(false);
    }
  });
  it('names a listing without a hangar number by its id', () => {
    expect(hangarNumberOf({ id: 7, hangarNumber: null })).toBe('#7');
    expect(hangarNumberOf({ id: 7, hangarNumber: 'H-1' })).toBe('H-1');
  });
});

describe('peakOverlap', () => {
  it('counts the most bookings overlapping at one instant, not every booking touching the range', () => {
    const back2back = [
      { start: 0, end: 2 * D },
      { start: 2 * D, end: 4 * D },
    ];
    expect(peakOverlap(back2back, 0, 4 * D)).toBe(1);
    expect(peakOverlap([...back2back, { start: D, end: 3 * D }], 0, 4 * D)).toBe(2);
  });
  it('clips to the stay: bookings outside it do not count', () => {
    expect(peakOverlap([{ start: 0, end: D }], D, 2 * D)).toBe(0);
    expect(
      peakOverlap(
        [
          { start: 0, end: 3 * D },
          { start: 0, end: 3 * D },
        ],
        D,
        2 * D,
      ),
    ).toBe(2);
  });
});

describe('stayOf', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const at = (d: number) => new Date(now.getTime() + d * D);
  it('rounds the length up to whole nights', () => {
    expect(stayOf(at(1), at(3), now).nights).toBe(2);
    expect(stayOf(at(1), new Date(at(1).getTime() + 5 * H), now).nights).toBe(1);
  });
  it.each([
    ['check-out before check-in', at(3), at(1)],
    ['zero-length stay', at(1), at(1)],
    ['more than 365 nights', at(1), at(367)],
    ['stay already over', at(-0.9), at(-0.1)],
    ['check-in more than a day ago', at(-2), at(1)],
    ['check-in beyond two years', at(800), at(801)],
  ])('refuses a %s with 400 invalid_dates', (_name, checkIn, checkOut) => {
    expect(() => stayOf(checkIn, checkOut, now)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_dates' }));
  });
  it('judges date-only days by the day in BOOKING_TIMEZONE, not by their UTC midnight', () => {
    // 22:00 in São Paulo on 2026-06-01 is 01:00 UTC on 06-02: "2026-06-01" (UTC midnight) is 25 h ago.
    const late = new Date('2026-06-02T01:00:00Z');
    const today = { today: '2026-06-01' };
    expect(stayOf(new Date('2026-06-01'), new Date('2026-06-03'), late, { ...today, checkIn: '2026-06-01', checkOut: '2026-06-03' }).nights).toBe(2);
    expect(() => stayOf(new Date('2026-06-01'), new Date('2026-06-03'), late)).toThrow(expect.objectContaining({ code: 'invalid_dates' }));
    expect(() => stayOf(new Date('2026-05-30'), new Date('2026-06-01'), late, { ...today, checkIn: '2026-05-30', checkOut: '2026-06-01' })).toThrow(
      expect.objectContaining({ code: 'invalid_dates' }),
    );
  });
});

describe('money', () => {
  const price = moneySchema({ max: 10_000_000, positive: true });
  it('accepts BRL amounts with up to two decimals, as numbers or decimal strings', () => {
    expect(price.parse(0.1 + 0.2)).toBeCloseTo(0.3);
    expect(price.parse('120.50')).toBe(120.5);
    expect(hasAtMostCents(19.99)).toBe(true);
  });
  it.each([0, -1, 1.001, 10_000_000.01, '1e3', '', 'abc', null])('refuses %s', (v) => {
    expect(price.safeParse(v).success).toBe(false);
  });
});
