import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/client';
import { createBooking, createListing, createOwner, createUser } from '../../test/support/fixtures';
import { eq } from 'drizzle-orm';
import { changesClosedMonths, computeMetrics, computeOwnerMetrics, growthPercentage } from './queries';
import { BOOKING_STATUSES, hangarBookings, type BookingStatus } from '../db/schema';
import type { LoggedEvent } from '../realtime/wire/events';
import { getDb } from '../runtime';

const TZ = 'America/Sao_Paulo';
/** 23:45 on 2026-03-10 in São Paulo (UTC−3). */
const NOW = new Date('2026-03-11T02:45:00Z');
const at = (iso: string) => new Date(iso);
const FAR = { checkIn: at('2027-01-01T12:00:00Z'), checkOut: at('2027-01-03T12:00:00Z') };
const ACTIVE = { checkIn: at('2026-03-01T12:00:00Z'), checkOut: at('2026-03-20T12:00:00Z') };

let db: Db;
let ownerA: number;
let ownerB: number;
let ownerC: number;

/** Owner A: every field known; B: a little data of its own (must not bleed into A); C: nothing. */
async function buildFixture() {
  const renter = (await createUser(db)).userId;
  ownerA = (await createOwner(db)).ownerId;
  ownerB = (await createOwner(db)).ownerId;
  ownerC = (await createOwner(db)).ownerId;
  const l1 = (await createListing(db, ownerA, { totalSpaces: 4 })).id;
  const l2 = (await createListing(db, ownerA, { totalSpaces: 1 })).id;
  await createListing(db, ownerA, { totalSpaces: 1 }); // active, idle
  const l3 = (await createListing(db, ownerA, { totalSpaces: 3, status: 'inactive' })).id;
  await createListing(db, ownerA, { totalSpaces: 1, status: 'pending' });
  await createListing(db, ownerA, { totalSpaces: 2, status: 'suspended' });
  const book = (hangar: number, created: string, status: BookingStatus, totalPrice: number, dates = FAR) =>
    createBooking(db, hangar, renter, { createdAt: at(created), status, totalPrice, ...dates });
  await book(l1, '2026-03-11T02:30:00Z', 'confirmed', 200.25); // 23:30 SP on the 10th: today
  await book(l1, '2026-03-10T03:00:00Z', 'pending', 50); // 00:00 SP: today, not paid
  await book(l1, '2026-03-10T02:30:00Z', 'completed', 1000); // 23:30 SP on the 9th: not today
  await book(l1, '2026-03-10T12:00:00Z', 'cancelled', 999); // not live
  await book(l1, '2026-03-10T13:00:00Z', 'rejected', 888); // not live
  await book(l2, '2026-03-10T20:00:00Z', 'completed', 99.99); // today, paid
  await book(l1, '2026-03-01T10:00:00Z', 'pending', 10); // previous week
  await book(l1, '2026-02-26T00:00:00Z', 'confirmed', 500); // previous week, paid, 30 days
  await book(l1, '2026-03-04T02:45:00Z', 'confirmed', 20); // exactly now − 7 d: previous week
  await book(l1, '2026-02-09T02:45:00Z', 'completed', 7000); // exactly now − 30 d: outside 30 days
  await book(l1, '2026-02-09T03:00:00Z', 'completed', 300); // inside 30 days
  await book(l1, '2026-02-01T02:30:00Z', 'confirmed', 1); // Jan 31 23:30 SP: January
  await book(l1, '2025-04-01T02:59:00Z', 'completed', 5); // Mar 31 2025 SP: before the 12 months
  await book(l1, '2025-04-01T03:00:00Z', 'completed', 5); // Apr 1 2025 00:00 SP: first month
  const dec = '2025-12-01T12:00:00Z';
  for (let i = 0; i < 3; i++) await book(l1, dec, 'confirmed', 1, ACTIVE); // 3 active on 4 spaces
  await book(l2, dec, 'confirmed', 1, { checkIn: NOW, checkOut: at('2026-03-12T00:00:00Z') }); // check_in = now: active
  await book(l2, dec, 'confirmed', 1, ACTIVE); // 2 active on 1 space: occupies 1
  await book(l2, dec, 'confirmed', 1, { checkIn: at('2026-03-01T00:00:00Z'), checkOut: NOW }); // check_out = now: over
  await book(l2, dec, 'pending', 1, ACTIVE); // pending is never active
  await book(l3, dec, 'confirmed', 1, ACTIVE); // active booking on an inactive listing
  const lb = (await createListing(db, ownerB, { totalSpaces: 2 })).id;
  await book(lb, '2026-03-10T15:00:00Z', 'confirmed', 42, ACTIVE);
}

const months = (counts: Record<string, number>) =>
  ['2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'].map((month) => ({
    month,
    count: counts[month] ?? 0,
  }));

beforeAll(async () => {
  db = await getDb();
  await buildFixture();
});

describe('computeMetrics on a hand-built fixture', () => {
  it('computes every field of the contract for a set of owners in one call', async () => {
    const result = await computeMetrics(db, [ownerA, ownerB, ownerC], { now: NOW, timeZone: TZ });
    expect(result.get(ownerA)).toEqual({
      revenueToday: 300.24,
      todayRevenue: 300.24,
      bookingsToday: 3,
      activeBookings: 6,
      occupancyRate: 66.7,
      growthPercentage: 33.3,
      revenueLast30Days: 2120.24,
      listingsByStatus: { active: 3, inactive: 1, pending: 1, rejected: 0, suspended: 1 },
      bookingsByMonth: months({ '2025-04': 1, '2025-12': 8, '2026-01': 1, '2026-02': 3, '2026-03': 6 }),
      lastUpdate: NOW.getTime(),
      stale: false,
    });
    expect(result.get(ownerB)).toMatchObject({
      revenueToday: 42,
      bookingsToday: 1,
      activeBookings: 1,
      occupancyRate: 50,
      growthPercentage: 100,
      revenueLast30Days: 42,
      listingsByStatus: { active: 1, inactive: 0, pending: 0, rejected: 0, suspended: 0 },
      bookingsByMonth: months({ '2026-03': 1 }),
    });
    expect(result.get(ownerC)).toEqual({
      revenueToday: 0,
      todayRevenue: 0,
      bookingsToday: 0,
      activeBookings: 0,
      occupancyRate: 0,
      growthPercentage: 0,
      revenueLast30Days: 0,
      listingsByStatus: { active: 0, inactive: 0, pending: 0, rejected: 0, suspended: 0 },
      bookingsByMonth: months({}),
      lastUpdate: NOW.getTime(),
      stale: false,
    });
  });

  it('puts "today" in the given time zone: in UTC the 23:30 São Paulo bookings fall on other days', async () => {
    const utc = await computeOwnerMetrics(db, ownerA, { now: NOW, timeZone: 'UTC' });
    expect(utc.bookingsToday).toBe(1); // only the one at 02:30 UTC on the 11th
    expect(utc.revenueToday).toBe(200.25);
    // Months move too: 02:30 UTC on Feb 1 is February, and both bookings of Apr 1 2025 (UTC) are in the first month.
    expect(utc.bookingsByMonth.slice(-3)).toEqual(months({ '2026-02': 4, '2026-03': 6 }).slice(-3));
    expect(utc.bookingsByMonth[0]).toEqual({ month: '2025-04', count: 2 });
  });

  it('returns numbers, not strings, and an empty map for an empty set', async () => {
    const m = await computeOwnerMetrics(db, ownerA, { now: NOW, timeZone: TZ });
    for (const v of [m.revenueToday, m.revenueLast30Days, m.bookingsToday, m.occupancyRate]) expect(typeof v).toBe('number');
    expect((await computeMetrics(db, [], { now: NOW, timeZone: TZ })).size).toBe(0);
  });
});

describe('computeMetrics with known history', () => {
  const truth = months({ '2025-04': 1, '2025-12': 8, '2026-01': 1, '2026-02': 3, '2026-03': 6 });

  it('carries known closed months over, recounts only refreshMonth, and always counts the current month', async () => {
    const known = truth.map((m) => ({ ...m, count: 99 }));
    const result = await computeMetrics(db, [ownerA], { now: NOW, timeZone: TZ, knownHistory: new Map([[ownerA, known]]), refreshMonth: '2026-02' });
    const expected = truth.map((m) => (m.month === '2026-02' || m.month === '2026-03' ? m : { ...m, count: 99 }));
    expect(result.get(ownerA)!.bookingsByMonth).toEqual(expected);
    expect(result.get(ownerA)!.bookingsToday).toBe(3);
  });

  it('matches known months by label: after a month rollover the shifted history is still used', async () => {
    const lastMonth = [{ month: '2025-03', count: 7 }, ...truth.slice(0, 11).map((m) => ({ ...m, count: m.count + 10 }))];
    const result = await computeMetrics(db, [ownerA], { now: NOW, timeZone: TZ, knownHistory: new Map([[ownerA, lastMonth]]) });
    expect(result.get(ownerA)!.bookingsByMonth).toEqual([...truth.slice(0, 11).map((m) => ({ ...m, count: m.count + 10 })), truth[11]]);
  });

  it('counts all closed months for owners whose known history lacks one of them', async () => {
    const partial = truth.slice(1).map((m) => ({ ...m, count: 99 }));
    const result = await computeMetrics(db, [ownerA, ownerB], { now: NOW, timeZone: TZ, knownHistory: new Map([[ownerA, partial]]), refreshMonth: '2025-05' });
    expect(result.get(ownerA)!.bookingsByMonth).toEqual(truth);
    expect(result.get(ownerB)!.bookingsByMonth).toEqual(months({ '2026-03': 1 }));
  });
});

describe('changesClosedMonths', () => {
  it('is true exactly when a status change of a months-old booking changes its month in bookingsByMonth', async () => {
    const owner = (await createOwner(db)).ownerId;
    const hangar = (await createListing(db, owner)).id;
    const renter = (await createUser(db)).userId;
    const closedMonths = async () => JSON.stringify((await computeOwnerMetrics(db, owner, { now: NOW, timeZone: TZ })).bookingsByMonth);
    for (const from of BOOKING_STATUSES) {
      for (const to of BOOKING_STATUSES) {
        const booking = await createBooking(db, hangar, renter, { status: from, createdAt: at('2025-11-15T12:00:00Z') });
        const before = await closedMonths();
        await db.update(hangarBookings).set({ status: to }).where(eq(hangarBookings.id, booking.id));
        const changed = (await closedMonths()) !== before;
        const event = {
          ownerId: owner,
          seq: 1,
          type: to === 'completed' ? 'booking_completed' : 'booking_updated',
          data: { id: String(booking.id), hangarId: hangar, hangarNumber: 'H1', status: to, previousStatus: from, amount: 1 },
          timestamp: NOW.getTime(),
        } as LoggedEvent;
        expect(changesClosedMonths(event), `${from} → ${to}`).toBe(changed);
        await db.delete(hangarBookings).where(eq(hangarBookings.id, booking.id));
      }
    }
  });

  it('is false for new bookings, payments and occupancy, and true for what it cannot read', () => {
    const event = (type: string, data: unknown) => ({ ownerId: 1, seq: 1, type, data, timestamp: 0 }) as LoggedEvent;
    expect(changesClosedMonths(event('booking_created', {}))).toBe(false);
    expect(changesClosedMonths(event('revenue_received', {}))).toBe(false);
    expect(changesClosedMonths(event('occupancy_changed', {}))).toBe(false);
    expect(changesClosedMonths(event('booking_updated', { status: 'cancelled' }))).toBe(true);
    expect(changesClosedMonths(event('something_new', {}))).toBe(true);
  });
});

describe('growthPercentage', () => {
  it('follows the contract, including prev = 0', () => {
    expect(growthPercentage(0, 0)).toBe(0);
    expect(growthPercentage(5, 0)).toBe(100);
    expect(growthPercentage(1, 3)).toBe(-66.7);
    expect(growthPercentage(4, 3)).toBe(33.3);
  });
});
