import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openScratch } from '../../test/support/db';
import { rows, type Queryable } from './client';
import { migrate, migrationsFolder } from './migrate';

const tablesOf = async (db: Queryable) =>
  (await rows<{ table_name: string }>(db, sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).map((r) => r.table_name);

/** Everything a migration can change: columns, constraints, indexes, and the migrations journal. */
async function schemaDump(db: Queryable) {
  return {
    columns: await rows(db, sql`select table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
      from information_schema.columns where table_schema = 'public' order by table_name, column_name`),
    constraints: await rows(db, sql`select conrelid::regclass::text as table_name, conname, contype, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`),
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

describe('migrations', () => {
  it('create every table on an empty database, and a second run changes nothing', async () => {
    const s = await scratch();
    await migrate(s);
    expect(await tablesOf(s.db)).toEqual(['hangar_bookings', 'hangar_listings', 'hangar_owners', 'owner_sequences', 'realtime_events', 'realtime_instances', 'stripe_events', 'users']);
    const first = await schemaDump(s.db);
    expect(first.migrations).toHaveLength(journal().length);
    expect(first.constraints.length).toBeGreaterThan(0);
    expect(first.indexes.length).toBeGreaterThan(0);
    await migrate(s);
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
      await failureOf(s.db.execute(sql`insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, status) values (1, 1, now(), now(), 1, 'paid')`)),
    ).toEqual({ code: '23514', constraint: 'chk_booking_status' });
  });

  it("apply over the portal's production tables without touching their rows", async () => {
    const s = await scratch();
    // The portal's four tables as its dumps have them: FK listings.owner_id → users, extra columns,
    // its own constraint names, no total_spaces (an older database), rows already in place.
    await s.exec(`
      create table users (id serial primary key, first_name varchar(100) not null, last_name varchar(100),
        email varchar(255) not null unique, password_hash varchar(255), role varchar(20) default 'user',
        plan varchar(20) default 'free', asaas_customer_id varchar(100), created_at timestamptz default now());
      create table hangar_owners (id serial primary key, user_id integer references users(id) on delete cascade,
        company_name varchar(255) not null, cnpj varchar(18) unique, pix_key varchar(100),
        created_at timestamp default now());
      create table hangar_listings (id serial primary key, owner_id integer not null references users(id),
        icao_code varchar(4) not null, hangar_number varchar(50), daily_rate numeric(10,2),
        status varchar(20) default 'active', photos jsonb,
        constraint chk_listing_status check (status in ('active','inactive','pending','rejected','suspended')));
      create table hangar_bookings (id serial primary key, hangar_id integer references hangar_listings(id) on delete cascade,
        user_id integer references users(id) on delete cascade, check_in timestamp not null, check_out timestamp not null,
        nights integer not null, subtotal numeric(12,2), fees numeric(12,2), total_price numeric(12,2),
        status varchar(20) default 'pending', stripe_payment_intent_id varchar(100), promo_code varchar(50),
        created_at timestamp default now(),
        constraint chk_booking_status check (status in ('pending','confirmed','completed','cancelled','rejected')));
      insert into users (first_name, email, plan) values ('Portal', 'portal@x', 'pro'), ('Renter', 'renter@x', 'free');
      insert into hangar_owners (user_id, company_name, pix_key) values (1, 'Portal Hangares', 'pix-1');
      insert into hangar_listings (owner_id, icao_code, hangar_number, daily_rate, photos) values (1, 'SBMT', 'H1', 350, '["a.jpg"]');
      insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, total_price, status, promo_code)
        values (1, 2, '2026-01-01', '2026-01-03', 2, 700.00, 'completed', 'PROMO10');
    `);
    const snapshot = async () => ({
      users: await rows(s.db, sql`select id, first_name, email, plan, asaas_customer_id from users order by id`),
      owners: await rows(s.db, sql`select id, user_id, company_name, pix_key from hangar_owners`),
      listings: await rows(s.db, sql`select id, owner_id, icao_code, daily_rate, status, photos from hangar_listings`),
      bookings: await rows(s.db, sql`select id, hangar_id, check_in, total_price, status, promo_code from hangar_bookings`),
    });
    const before = await snapshot();

    await migrate(s);

    expect(await snapshot()).toEqual(before);
    expect(await tablesOf(s.db)).toContain('realtime_events');
    // Missing columns were added with their defaults; the portal's own columns were kept.
    const [listing] = await rows<{ total_spaces: number; available_spaces: number; photos: unknown }>(
      s.db,
      sql`select total_spaces, available_spaces, photos from hangar_listings where id = 1`,
    );
    expect(listing).toEqual({ total_spaces: 1, available_spaces: 1, photos: ['a.jpg'] });
    // The portal's FK (listings.owner_id → users) is untouched and no second one was added.
    const fks = await rows<{ n: number }>(
      s.db,
      sql`select count(*)::int as n from pg_constraint where conrelid = 'hangar_bookings'::regclass and contype = 'f'`,
    );
    expect(fks[0].n).toBe(2);
    const schema = await schemaDump(s.db);
    await migrate(s); // and again, idempotent
    expect(await snapshot()).toEqual(before);
    expect(await schemaDump(s.db)).toEqual(schema);
  });
});
