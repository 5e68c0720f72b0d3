import { and, count, eq, gte, lte, gt, inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOfDayInZone } from '../time';
import type { Db } from './client';
import { hangarBookings, hangarListings, hangarOwners, users } from './schema';
import { DEMO_ACCOUNTS, seedDemoData } from './seed';
import { getDb } from '../runtime';

let db: Db;
beforeAll(async () => {
  db = await getDb();
});

describe('seedDemoData', () => {
  it('seeds owners, ~30 listings and ~2 000 bookings that make every metric non-trivial, once', async () => {
    const now = new Date();
    const first = await seedDemoData(db, { now });
    expect(first).toMatchObject({ seeded: true, owners: 3, listings: 30 });
    expect(first.bookings).toBeGreaterThan(1800);

    const [todays] = await db
      .select({ n: count() })
      .from(hangarBookings)
      .where(gte(hangarBookings.createdAt, startOfDayInZone(now, 'America/Sao_Paulo')));
    expect(todays.n).toBeGreaterThan(0);
    const [active] = await db
      .select({ n: count() })
      .from(hangarBookings)
      .where(and(eq(hangarBookings.status, 'confirmed'), lte(hangarBookings.checkIn, now), gt(hangarBookings.checkOut, now)));
    expect(active.n).toBeGreaterThan(5);
    const months = await db
      .select({ m: sql<string>`to_char(${hangarBookings.createdAt}, 'YYYY-MM')` })
      .from(hangarBookings)
      .groupBy(sql`1`);
    expect(months.length).toBeGreaterThanOrEqual(12);
    const statuses = await db.selectDistinct({ s: hangarListings.status }).from(hangarListings);
    expect(statuses.length).toBeGreaterThanOrEqual(3);

    const second = await seedDemoData(db, { now });
    expect(second.seeded).toBe(false);
    const [u] = await db
      .select({ n: count() })
      .from(users)
      .where(
        inArray(
          users.email,
          DEMO_ACCOUNTS.map((a) => a.email),
        ),
      );
    expect(u.n).toBe(DEMO_ACCOUNTS.length);
    const [o] = await db.select({ n: count() }).from(hangarOwners);
    expect(o.n).toBe(3);
  });
});
