/**
 * The write bench's database (`hangarshare_bench_write` by default): owners (one user each, five
 * active listings with room to spare, so capacity never refuses a stay), renter users, and per
 * run a fresh booking table — a year of past history per owner (the metrics have something to
 * count) plus two pools of `pending` bookings in the future, one the owner PATCHes to `confirmed`
 * and one whose PaymentIntent the Stripe webhook reports paid.
 */
import postgres from 'postgres';
import { openDatabase } from '../../lib/db/client';
import { migrate } from '../../lib/db/migrate';
import { mintToken } from '../../test/support/tokens';

/** Listings per owner. */
export const LISTINGS_PER_OWNER = 5;
/** Every listing's daily rate, BRL (no weekly or monthly rate): what booking/confirm prices a stay with. */
export const DAILY_RATE = 200;
/** Renter users who book (their tokens call booking/confirm). */
const RENTERS = 20;

/** A bench owner: its owner id, the user behind it, its listings. */
export interface WriteOwner {
  ownerId: number;
  userId: number;
  listings: number[];
}

/** The seeded world: owners, renter user ids. */
export interface WriteWorld {
  owners: WriteOwner[];
  renters: number[];
}

/** Pending bookings of one run, by owner: ids to PATCH, PaymentIntent ids for the webhook. */
export interface Pools {
  patch: Map<number, number[]>;
  webhook: Map<number, { bookingId: number; intent: string }[]>;
}

const connect = (url: string) => postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });

/** Migrates with the app's `migrate` and seeds `owners` owners (reseeding only when there are fewer). */
export async function prepareWriteDatabase(url: string, owners: number, log: (m: string) => void): Promise<WriteWorld> {
  try {
    await migrateOnce(url);
  } catch (err) {
    // A bench database made before the app recorded which portal tables it owns counts as a
    // foreign portal database, which migrate refuses to alter: it is the bench's own, so start over.
    if ((err as Error).name !== 'MissingPortalColumnsError') throw err;
    log('the bench database predates table ownership: recreating it');
    await recreateDatabase(url);
    await migrateOnce(url);
  }
  const sql = connect(url);
  try {
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from hangar_owners`;
    if (n < owners) {
      log(`seeding ${owners} owners, ${owners * LISTINGS_PER_OWNER} listings, ${RENTERS} renters`);
      await sql.unsafe(seedScript(owners));
    }
    const rows = await sql<{ ownerId: number; userId: number; listings: number[] }[]>`
      select o.id as "ownerId", o.user_id as "userId", array_agg(l.id order by l.id) as listings
      from hangar_owners o join hangar_listings l on l.owner_id = o.id
      group by o.id order by o.id limit ${owners}`;
    const renters = await sql<{ id: number }[]>`select id from users where email like 'renter%' order by id`;
    return { owners: rows, renters: renters.map((r) => r.id) };
  } finally {
    await sql.end();
  }
}

async function migrateOnce(url: string): Promise<void> {
  const database = await openDatabase({ url });
  try {
    await migrate(database);
  } finally {
    await database.close();
  }
}

/** Drops and creates the database of `url` (through the server's `postgres` database). */
async function recreateDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = connect(admin.toString());
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
}

function seedScript(owners: number): string {
  return `
    truncate hangar_bookings, hangar_listings, hangar_owners, users, stripe_events restart identity cascade;
    insert into users (first_name, last_name, email, role, is_hangar_owner)
      select 'Owner', g::text, 'owner' || g || '@write.bench', 'user', true from generate_series(1, ${owners}) g;
    insert into hangar_owners (user_id, company_name, is_verified)
      select id, 'Write Bench ' || id, true from users order by id;
    insert into users (first_name, last_name, email, role)
      select 'Renter', g::text, 'renter' || g || '@write.bench', 'user' from generate_series(1, ${RENTERS}) g;
    insert into hangar_listings (owner_id, icao_code, hangar_number, daily_rate, status, total_spaces, available_spaces)
      select o.id, 'SBWB', 'W-' || o.id || '-' || g, ${DAILY_RATE}, 'active', 100000, 100000
        from hangar_owners o cross join generate_series(1, ${LISTINGS_PER_OWNER}) g;
    analyze;`;
}

/**
 * Empties bookings, the event log and processed Stripe events, then inserts the history and
 * `perOwner` pending bookings per owner in each pool; returns the pools.
 */
export async function resetRun(url: string, perOwner: number): Promise<Pools> {
  const sql = connect(url);
  const renter = `(select min(id) from users where email like 'renter%')`;
  const pending = (prefix: string) => `
    insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, subtotal, fees, total_price, status, payment_method, stripe_payment_intent_id, created_at)
      select l.id, ${renter}, d.at, d.at + interval '1 day', 1, 200, 20, 220, 'pending', 'stripe', '${prefix}' || l.id || '_' || g, now()
        from hangar_listings l cross join generate_series(1, ${Math.ceil(perOwner / LISTINGS_PER_OWNER)}) g
        cross join lateral (select date_trunc('day', now()) + ((30 + (g * 7 + l.id) % 600) || ' days')::interval as at) d;`;
  try {
    await sql.unsafe(`
      truncate hangar_bookings, realtime_events, owner_sequences, stripe_events, realtime_instances restart identity;
      insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, subtotal, fees, total_price, status, created_at)
        select l.id, ${renter}, d.at, d.at + interval '2 days', 2, 400, 40, 440, (array['completed','cancelled'])[1 + g % 2], d.at - interval '3 days'
          from hangar_listings l cross join generate_series(1, 3) g
          cross join lateral (select now() - ((20 + g * 90 + l.id % 60) || ' days')::interval as at) d;
      ${pending('pi_bpatch_')}
      ${pending('pi_bhook_')}
      analyze hangar_bookings;`);
    const rows = await sql<{ id: number; ownerId: number; intent: string }[]>`
      select b.id, l.owner_id as "ownerId", b.stripe_payment_intent_id as intent
      from hangar_bookings b join hangar_listings l on l.id = b.hangar_id
      where b.status = 'pending' order by b.id`;
    const pools: Pools = { patch: new Map(), webhook: new Map() };
    for (const r of rows) {
      if (r.intent.startsWith('pi_bpatch_')) push(pools.patch, r.ownerId, r.id);
      else push(pools.webhook, r.ownerId, { bookingId: r.id, intent: r.intent });
    }
    return pools;
  } finally {
    await sql.end();
  }
}

function push<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** HS256 tokens (1 day) from the product's signer: owners' by owner id, renters' by user id. */
export async function mintWriteTokens(world: WriteWorld, secret: string): Promise<{ owners: Map<number, string>; renters: Map<number, string> }> {
  const sign = (id: number, who: string) => mintToken({ id, email: `${who}${id}@write.bench`, name: `${who} ${id}` }, { secret, expiresIn: 86_400 });
  const owners = new Map<number, string>();
  for (const o of world.owners) owners.set(o.ownerId, await sign(o.userId, 'owner'));
  const renters = new Map<number, string>();
  for (const id of world.renters) renters.set(id, await sign(id, 'renter'));
  return { owners, renters };
}
