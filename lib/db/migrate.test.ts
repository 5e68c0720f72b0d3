import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openScratch } from '../../test/db';
import { portalCatalog, portalSchemaSql } from '../../test/portal-db';
import { MissingPortalColumnsError } from './adoption';
import { rows } from './client';
import { migrate } from './migrate';
import { portalIndexes } from './portal-indexes';

const tablesOf = async (db: Parameters<typeof rows>[0]) =>
  (await rows<{ table_name: string }>(db, sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).map((r) => r.table_name);

const OWN_TABLES = ['booking_payments', 'booking_refunds', 'hangarshare_owned_tables', 'owner_sequences', 'realtime_events', 'realtime_instances', 'stripe_events'];
const PORTAL = ['hangar_bookings', 'hangar_listings', 'hangar_owners', 'users'];

let disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers) await d();
  disposers = [];
});
async function scratch() {
  const s = await openScratch();
  disposers.push(() => s.dispose());
  return s;
}

describe('migrations on an empty database (the embedded demo, a fresh PostgreSQL)', () => {
  it('create every table, own the portal ones, and a second run changes nothing', async () => {
    const s = await scratch();
    const report = await migrate(s);
    expect(await tablesOf(s.db)).toEqual([...OWN_TABLES, ...PORTAL].sort());
    expect(report.ownership).toEqual({ owned: PORTAL, foreign: [] });
    expect(report.deferredIndexes).toEqual([]);
    expect(report.applied).toBeGreaterThan(0);
    // Every index the migrations declare on a portal table exists.
    const indexes = (await rows<{ indexname: string }>(s.db, sql`select indexname from pg_indexes where schemaname = 'public'`)).map((r) => r.indexname);
    for (const index of portalIndexes()) expect(indexes).toContain(index.name);
    expect((await migrate(s)).applied).toBe(0);
  });

  it('enforce the portal CHECK values for listing and booking status', async () => {
    const s = await scratch();
    await migrate(s);
    await s.db.execute(sql`insert into users (id, first_name, email) values (1, 'A', 'a@x')`);
    await expect(s.db.execute(sql`insert into hangar_listings (owner_id, icao_code, status) values (1, 'SBMT', 'occupied')`)).rejects.toThrow();
    await s.db.execute(sql`insert into hangar_listings (id, owner_id, icao_code) values (1, 1, 'SBMT')`);
    await expect(
      s.db.execute(sql`insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, status) values (1, 1, now(), now(), 1, 'paid')`),
    ).rejects.toThrow();
  });
});

describe("adopting the portal's live database", () => {
  it('creates only its own tables and leaves every column, constraint, index and row of the portal tables as it was', async () => {
    const s = await scratch();
    await s.exec(portalSchemaSql());
    const before = await portalCatalog(s.db);
    const data = async () => ({
      listings: await rows(s.db, sql`select * from hangar_listings order by id`),
      bookings: await rows(s.db, sql`select * from hangar_bookings order by id`),
    });
    const rowsBefore = await data();

    const report = await migrate(s);

    expect(report.ownership).toEqual({ owned: [], foreign: PORTAL });
    expect(await tablesOf(s.db)).toEqual([...OWN_TABLES, ...PORTAL].sort());
    expect(await portalCatalog(s.db)).toEqual(before);
    expect(await data()).toEqual(rowsBefore);
    // The index builds meant for portal tables were left to `npm run db:indexes`.
    expect(report.deferredIndexes.length).toBe(portalIndexes().length);
    // A later boot (a new migration, a restart) still leaves them alone.
    await migrate(s);
    expect(await portalCatalog(s.db)).toEqual(before);
  });

  it('refuses to start on a portal database that lacks columns, listing them with the SQL to add them, and changes nothing', async () => {
    const s = await scratch();
    await s.exec(portalSchemaSql(['hangar_bookings.booking_type', 'hangar_bookings.promo_code', 'hangar_listings.special_notes', 'hangar_listings.total_spaces']));
    const before = { tables: await tablesOf(s.db), catalog: await portalCatalog(s.db) };
    const error = await migrate(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingPortalColumnsError);
    const { missing, message } = error as MissingPortalColumnsError;
    expect(missing.map((m) => `${m.table}.${m.column}`).sort()).toEqual(['hangar_bookings.booking_type', 'hangar_bookings.promo_code', 'hangar_listings.special_notes', 'hangar_listings.total_spaces']);
    expect(message).toContain('ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "booking_type" varchar(20);');
    expect(message).toContain('ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "total_spaces" integer DEFAULT 1;');
    expect({ tables: await tablesOf(s.db), catalog: await portalCatalog(s.db) }).toEqual(before);
    // The operator runs the SQL the message gives; the next boot adopts the database.
    await s.exec(missing.map((m) => m.sql).join('\n'));
    expect((await migrate(s)).ownership.foreign).toEqual(PORTAL);
  });

  it('creates a portal table that is missing, owns it, and leaves the existing ones alone', async () => {
    const s = await scratch();
    await s.exec(portalSchemaSql().replace(/create table hangar_bookings[\s\S]*?;\s*create index idx_hangar_bookings_hangar_id[^;]*;[^;]*;[^;]*;/, '').replace(/insert into hangar_bookings[\s\S]*?'completed'\);/, ''));
    const report = await migrate(s);
    expect(report.ownership).toEqual({ owned: ['hangar_bookings'], foreign: ['hangar_listings', 'hangar_owners', 'users'] });
    const fks = await rows<{ conname: string }>(s.db, sql`select conname from pg_constraint where conrelid = 'hangar_bookings'::regclass and contype = 'f'`);
    // Its foreign keys point at tables it does not own: adding them would lock those, so they are left out.
    expect(fks).toEqual([]);
  });
});
