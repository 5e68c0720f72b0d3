/**
 * The stream bench's database: a dedicated PostgreSQL database (created if missing), migrated
 * with the app's own `migrate`, holding bench users, owners (one user each), listings and a few
 * bookings per owner, inserted in bulk; and the tokens, minted by the product's signer.
 */
import postgres from 'postgres';
import { openDatabase, rows, type Database } from '../../lib/db/client';
import { migrate } from '../../lib/db/migrate';
import { sql } from 'drizzle-orm';
import { mintToken } from '../../test/support/tokens';

/** One bench owner and the user whose token opens its streams. */
export interface BenchOwner {
  ownerId: number;
  userId: number;
}

/** Creates `name` on the server of `base` when missing; returns its URL. */
export async function ensureDatabase(base: string, name: string): Promise<string> {
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function countOwners(database: Database): Promise<number> {
  const [c] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from hangar_owners`);
  return c.n;
}

/** Bulk seed: `owners` users + owners, 2 listings each, 12 bookings per owner over the last year. */
async function seed(database: Database, owners: number): Promise<void> {
  await database.exec(`
    truncate hangar_bookings, hangar_listings, hangar_owners, users restart identity cascade;
    select setseed(0.6);
    insert into users (first_name, email, role, is_hangar_owner)
      select 'Owner' || g, 'owner' || g || '@stream.bench', 'user', true from generate_series(1, ${owners}) g;
    insert into hangar_owners (user_id, company_name, is_verified)
      select id, 'Stream Bench ' || id, true from users order by id;
    insert into hangar_listings (owner_id, icao_code, hangar_number, daily_rate, status, total_spaces, available_spaces)
      select o.id, 'SBMT', 'H-' || o.id || '-' || g, 200, 'active', 3, 3
        from hangar_owners o cross join generate_series(1, 2) g;
    insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, subtotal, fees, total_price, status, created_at)
      select l.id, 1 + (l.id % ${owners}), c.at, c.at + interval '2 days', 2, 400, 40, 440,
             (array['pending','confirmed','completed','cancelled'])[1 + (g % 4)], c.at
        from hangar_listings l cross join generate_series(1, 6) g
        cross join lateral (select now() - (random() * 360 || ' days')::interval as at) c;
    analyze;`);
}

/**
 * Prepares the bench database with at least `owners` owners (reseeding only when there are
 * fewer) and an empty event log; returns the owners, oldest first.
 */
export async function prepareDatabase(url: string, owners: number, log: (m: string) => void): Promise<BenchOwner[]> {
  const database = await openDatabase({ url });
  try {
    await migrate(database);
    if ((await countOwners(database)) < owners) {
      log(`seeding ${owners} owners, ${owners * 2} listings, ${owners * 12} bookings`);
      await seed(database, owners);
    }
    await database.exec('truncate realtime_events, owner_sequences, realtime_instances;');
    return await rows<BenchOwner>(database.db, sql`select id as "ownerId", user_id as "userId" from hangar_owners order by id limit ${owners}`);
  } finally {
    await database.close();
  }
}

/** Empties the event log between runs (each server starts from sequence 0 for every owner). */
export async function resetEventLog(url: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe('truncate realtime_events, owner_sequences, realtime_instances');
  } finally {
    await admin.end();
  }
}

/** HS256 tokens as the portal signs them (claims id/email/role/name, 1 day), one per owner. */
export async function mintTokens(owners: BenchOwner[], secret: string): Promise<Map<number, string>> {
  const tokens = new Map<number, string>();
  for (const o of owners) {
    const claims = { id: o.userId, email: `owner${o.userId}@stream.bench`, role: 'user', name: `Owner ${o.userId}` };
    tokens.set(o.ownerId, await mintToken(claims, { secret, expiresIn: 86_400 }));
  }
  return tokens;
}
