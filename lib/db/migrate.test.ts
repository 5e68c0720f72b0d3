import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openScratch } from '../../test/support/db';
import { portalCatalog, portalSchemaSql } from '../../test/support/portal-db';
import { MissingPortalColumnsError } from './adoption';
import { rows, type Queryable } from './client';
import { migrate, migrationsFolder } from './migrate';
import { portalIndexes } from './portal-indexes';

const tablesOf = async (db: Queryable) =>
  (await rows<{ table_name: string }>(db, sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).map(
    (r) => r.table_name,
  );

/** Everything a migration can change: columns, constraints, indexes, and the migrations journal. */
async function schemaDump(db: Queryable) {
  return {
    columns: await rows(
      db,
      sql`select table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
      from information_schema.columns where table_schema = 'public' order by table_name, column_name`,
    ),
    constraints: await rows(
      db,
      sql`select conrelid::regclass::text as table_name, conname, contype, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`,
    ),
    indexes: await rows(db, sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`),
    migrations: await rows(db, sql`select id, hash, created_at::text as created_at from drizzle.__drizzle_migrations order by id`),
  };
}

/** The committed migrations, as drizzle's journal lists them. */
const journal = () => (JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries;

/**
 * The SQLSTATE and constraint name of the error `statement` fails with. Drizzle wraps the driver's
 * error (in `cause`); postgres.js names the constraint `constraint_name`, PGlite `constraint`.
 */
async function failureOf(statement: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  const err = await statement.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) throw new Error('the statement succeeded; it was expected to fail');
  for (let e = err as { code?: unknown; constraint?: string; constraint_name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') return { code: e.code, constraint: e.constraint_name ?? e.constraint };
  }
  throw err;
}

const OWN_TABLES = [
  'booking_payments',
  'booking_refunds',
  'hangarshare_owned_tables',
  'owner_sequences',
  'realtime_events',
  'realtime_instances',
  'realtime_stream_commands',
  'stripe_events',
];
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
    const first = await schemaDump(s.db);
    expect(first.migrations).toHaveLength(journal().length);
    expect((await migrate(s)).applied).toBe(0);
    expect(await schemaDump(s.db)).toEqual(first);
  });

  it('enforce the portal CHECK values for listing and booking status', async () => {
    const s = await scratch();
    await migrate(s);
    await s.db.execute(sql`insert into users (id, first_name, email) values (1, 'A', 'a@x')`);
    // 23514 is check_violation, whichever driver reports it.
    expect(await failureOf(s.db.execute(sql`insert into hangar_listings (owner_id, icao_code, status) values (1, 'SBMT', 'occupied')`))).toEqual({
      code: '23514',
      constraint: 'chk_listing_status',
    });
    await s.db.execute(sql`insert into hangar_listings (id, owner_id, icao_code) values (1, 1, 'SBMT')`);
    expect(
      await failureOf(
        s.db.execute(sql`insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, status) values (1, 1, now(), now(), 1, 'paid')`),
      ),
    ).toEqual({ code: '23514', constraint: 'chk_booking_status' });
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
    await s.exec(
      portalSchemaSql(['hangar_bookings.booking_type', 'hangar_bookings.promo_code', 'hangar_listings.special_notes', 'hangar_listings.total_spaces']),
    );
    const before = { tables: await tablesOf(s.db), catalog: await portalCatalog(s.db) };
    const error = await migrate(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingPortalColumnsError);
    const { missing, message } = error as MissingPortalColumnsError;
    expect(missing.map((m) => `${m.table}.${m.column}`).sort()).toEqual([
      'hangar_bookings.booking_type',
      'hangar_bookings.promo_code',
      'hangar_listings.special_notes',
      'hangar_listings.total_spaces',
    ]);
    expect(message).toContain('ALTER TABLE "hangar_bookings" ADD COLUMN IF NOT EXISTS "booking_type" varchar(20);');
    expect(message).toContain('ALTER TABLE "hangar_listings" ADD COLUMN IF NOT EXISTS "total_spaces" integer DEFAULT 1;');
    expect({ tables: await tablesOf(s.db), catalog: await portalCatalog(s.db) }).toEqual(before);
    // The operator runs the SQL the message gives; the next boot adopts the database.
    await s.exec(missing.map((m) => m.sql).join('\n'));
    expect((await migrate(s)).ownership.foreign).toEqual(PORTAL);
  });

  it('creates a portal table that is missing, owns it, and leaves the existing ones alone', async () => {
    const s = await scratch();
    await s.exec(
      portalSchemaSql()
        .replace(/create table hangar_bookings[\s\S]*?;\s*create index idx_hangar_bookings_hangar_id[^;]*;[^;]*;[^;]*;/, '')
        .replace(/insert into hangar_bookings[\s\S]*?'completed'\);/, ''),
    );
    const report = await migrate(s);
    expect(report.ownership).toEqual({ owned: ['hangar_bookings'], foreign: ['hangar_listings', 'hangar_owners', 'users'] });
    const fks = await rows<{ conname: string }>(s.db, sql`select conname from pg_constraint where conrelid = 'hangar_bookings'::regclass and contype = 'f'`);
    // Its foreign keys point at tables it does not own: adding them would lock those, so they are left out.
    expect(fks).toEqual([]);
  });
});
