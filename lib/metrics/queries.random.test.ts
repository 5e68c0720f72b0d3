/**
 * The batched aggregator against two baselines on random data for 50 owners: the one-owner
 * computation (same SQL, one owner at a time — catches rows bleeding between owners of a set) and
 * a plain JavaScript reference written from the contract's definitions (catches wrong SQL).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/client';
import { hangarBookings, hangarListings, BOOKING_STATUSES, LISTING_STATUSES } from '../db/schema';
import { createOwner, createUser } from '../../test/support/fixtures';
import { computeMetrics, computeOwnerMetrics } from './queries';
import type { MetricsSnapshot } from './types';
import { getDb } from '../runtime';

const TZ = 'America/Sao_Paulo';
const NOW = new Date('2026-06-01T02:50:00Z'); // 23:50 on May 31 in São Paulo: June already in UTC
const DAY = 86_400_000;

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(4);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];

/** Creation times that hit the edges: SP midnights, month starts, the 7/14/30-day cut-offs. */
function randomCreatedAt(): Date {
  const n = NOW.getTime();
  const edges = [
    Date.parse('2026-05-31T03:00:00Z'),
    Date.parse('2026-05-01T03:00:00Z'),
    Date.parse('2025-06-01T03:00:00Z'),
    n - 7 * DAY,
    n - 14 * DAY,
    n - 30 * DAY,
  ];
  const r = rand();
  if (r < 0.3) return new Date(pick(edges) + int(-3, 3) * 60_000);
  if (r < 0.6) return new Date(n - rand() * 16 * DAY + 15 * 60_000);
  return new Date(n - rand() * 400 * DAY);
}

let db: Db;
const owners: number[] = [];

async function seedRandom() {
  const renter = (await createUser(db)).userId;
  for (let i = 0; i < 50; i++) owners.push((await createOwner(db)).ownerId);
  const listings = owners.flatMap((ownerId) =>
    Array.from({ length: int(0, 4) }, (_, k) => ({
      ownerId,
      icaoCode: 'SBMT',
      hangarNumber: `R-${k}`,
      status: pick(LISTING_STATUSES),
      totalSpaces: int(0, 4),
    })),
  );
  const ids = await db.insert(hangarListings).values(listings).returning({ id: hangarListings.id });
  const bookings = ids.flatMap(({ id }) =>
    Array.from({ length: int(0, 25) }, () => {
      const checkIn = new Date(NOW.getTime() + int(-10, 5) * DAY + (rand() < 0.1 ? 0 : int(-600, 600) * 60_000));
      const checkOut = new Date(checkIn.getTime() + int(0, 8) * DAY + 3_600_000);
      const price = (int(100, 99_999) / 100).toFixed(2);
      return { hangarId: id, userId: renter, checkIn, checkOut, nights: 1, totalPrice: price, status: pick(BOOKING_STATUSES), createdAt: randomCreatedAt() };
    }),
  );
  for (let i = 0; i < bookings.length; i += 500) await db.insert(hangarBookings).values(bookings.slice(i, i + 500));
}

/** The contract's definitions, in plain JavaScript over every row (no shared code with queries.ts). */
async function reference(ownerIds: number[]): Promise<Map<number, MetricsSnapshot>> {
  const ls = await db.select().from(hangarListings);
  const bs = await db.select().from(hangarBookings);
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
  const day = (d: Date) => fmt.format(d);
  const today = day(NOW);
  const monthKeys = Array.from({ length: 12 }, (_, i) => {
    const d = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1 - 11 + i, 1));
    return d.toISOString().slice(0, 7);
  });
  const r1 = (x: number) => (Math.sign(x) * Math.round(Math.abs(x) * 10)) / 10;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const out = new Map<number, MetricsSnapshot>();
  for (const owner of ownerIds) {
    const mine = ls.filter((l) => l.ownerId === owner);
    const mb = bs.filter((b) => mine.some((l) => l.id === b.hangarId));
    const live = mb.filter((b) => ['pending', 'confirmed', 'completed'].includes(b.status!));
    const paid = mb.filter((b) => ['confirmed', 'completed'].includes(b.status!));
    const t = (b: (typeof bs)[number]) => b.createdAt!.getTime();
    const inWindow = (b: (typeof bs)[number], from: number, to: number) => t(b) > NOW.getTime() - from * DAY && t(b) <= NOW.getTime() - to * DAY;
    const isActive = (b: (typeof bs)[number]) => b.status === 'confirmed' && b.checkIn <= NOW && b.checkOut > NOW;
    const activeListings = mine.filter((l) => l.status === 'active');
    const spaces = activeListings.reduce((s, l) => s + Math.max(l.totalSpaces ?? 0, 0), 0);
    const occupied = activeListings.reduce(
      (s, l) => s + Math.min(mb.filter((b) => b.hangarId === l.id && isActive(b)).length, Math.max(l.totalSpaces ?? 0, 0)),
      0,
    );
    const cur = live.filter((b) => inWindow(b, 7, 0)).length;
    const prev = live.filter((b) => inWindow(b, 14, 7)).length;
    const revenueToday = r2(paid.filter((b) => day(b.createdAt!) === today).reduce((s, b) => s + Number(b.totalPrice), 0));
    out.set(owner, {
      revenueToday,
      todayRevenue: revenueToday,
      bookingsToday: live.filter((b) => day(b.createdAt!) === today).length,
      activeBookings: mb.filter(isActive).length,
      occupancyRate: spaces ? r1((100 * occupied) / spaces) : 0,
      growthPercentage: prev === 0 ? (cur === 0 ? 0 : 100) : r1(((cur - prev) / prev) * 100),
      revenueLast30Days: r2(paid.filter((b) => inWindow(b, 30, 0)).reduce((s, b) => s + Number(b.totalPrice), 0)),
      listingsByStatus: Object.fromEntries(LISTING_STATUSES.map((s) => [s, mine.filter((l) => l.status === s).length])) as MetricsSnapshot['listingsByStatus'],
      bookingsByMonth: monthKeys.map((month) => ({ month, count: live.filter((b) => day(b.createdAt!).slice(0, 7) === month).length })),
      lastUpdate: NOW.getTime(),
      stale: false,
    });
  }
  return out;
}

beforeAll(async () => {
  db = await getDb();
  await seedRandom();
}, 120_000);

describe('computeMetrics on random data for 50 owners', () => {
  it('gives, in one batch, exactly what the one-owner computation gives for each owner', async () => {
    const batched = await computeMetrics(db, owners, { now: NOW, timeZone: TZ });
    expect(batched.size).toBe(50);
    for (const owner of owners) {
      expect(batched.get(owner), `owner ${owner}`).toEqual(await computeOwnerMetrics(db, owner, { now: NOW, timeZone: TZ }));
    }
    // Carrying the closed months over (as the cache does) changes nothing when the data did not change.
    const knownHistory = new Map([...batched].map(([id, m]) => [id, m.bookingsByMonth]));
    const refreshMonth = batched.get(owners[0])!.bookingsByMonth[4].month;
    expect(await computeMetrics(db, owners, { now: NOW, timeZone: TZ, knownHistory, refreshMonth })).toEqual(batched);
  });

  it('matches a plain JavaScript reference of the contract', async () => {
    const batched = await computeMetrics(db, owners, { now: NOW, timeZone: TZ });
    const expected = await reference(owners);
    for (const owner of owners) expect(batched.get(owner), `owner ${owner}`).toEqual(expected.get(owner));
    // The data must exercise the metrics, or the comparison proves little.
    const all = [...batched.values()];
    expect(all.filter((m) => m.bookingsToday > 0).length).toBeGreaterThan(5);
    expect(all.filter((m) => m.activeBookings > 0).length).toBeGreaterThan(5);
    expect(all.filter((m) => m.occupancyRate > 0 && m.occupancyRate < 100).length).toBeGreaterThan(2);
    expect(all.filter((m) => m.growthPercentage !== 0 && m.growthPercentage !== 100).length).toBeGreaterThan(5);
  });
});
