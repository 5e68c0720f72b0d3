/**
 * `npm run bench:metrics` — how long one metrics poll tick takes on a large PostgreSQL database.
 *
 * Seeds `hangarshare_bench` (created if missing, on the server of DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/) with 5 000 owners, 50 000 listings and 1 000 000 bookings
 * spread over two years, reusing the data when it is already there. Then, for 100, 1 000 and
 * 5 000 connected owners, it times the poller's batched refresh against computing the same owners
 * one at a time (sequentially; for 5 000 from a sample of 500, extrapolated), median of several
 * runs — with the indexes of the migrations only and with the two it recommends, interleaved.
 *
 * "now" for the computations is the newest booking's creation time, so a database seeded days ago
 * still has bookings today, in the last 7/30 days, etc. Environment: BENCH_DATABASE (name),
 * BENCH_RUNS (default 11); the time zone is the config's BOOKING_TIMEZONE.
 */
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { config } from '../lib/config';
import { openDatabase, rows, type Database, type Db } from '../lib/db/client';
import { migrate } from '../lib/db/migrate';
import { MetricsCache } from '../lib/metrics/cache';
import { computeOwnerMetrics } from '../lib/metrics/queries';
import { ensureDatabase } from './lib/db';
import { median } from './lib/stats';

const OWNERS = 5_000;
const LISTINGS_PER_OWNER = 10;
const BOOKINGS = 1_000_000;
const CHUNKS = 10;
const RENTERS = 2_000;
const TZ = config().BOOKING_TIMEZONE;
const RUNS = Number(process.env.BENCH_RUNS ?? 11);

const log = (msg: string) => console.log(`[bench] ${msg}`);

async function counts(db: Db) {
  const [c] = await rows<{ owners: number; listings: number; bookings: number }>(
    db,
    sql`select (select count(*) from hangar_owners)::int as owners, (select count(*) from hangar_listings)::int as listings,
               (select count(*) from hangar_bookings)::int as bookings`,
  );
  return c;
}

/** Bulk-seeds users, owners, listings and bookings with INSERT … SELECT over generate_series. */
async function seed(database: Database): Promise<void> {
  const { db } = database;
  const t0 = Date.now();
  log('emptying tables');
  await database.exec('truncate hangar_bookings, hangar_listings, hangar_owners, users restart identity cascade; select setseed(0.42);');
  log(`seeding ${OWNERS} owners and ${RENTERS} renters`);
  await database.exec(`
    insert into users (first_name, email, role, is_hangar_owner)
      select 'Owner' || g, 'owner' || g || '@bench.local', 'user', true from generate_series(1, ${OWNERS}) g;
    insert into users (first_name, email) select 'Renter' || g, 'renter' || g || '@bench.local' from generate_series(1, ${RENTERS}) g;
    insert into hangar_owners (user_id, company_name, is_verified)
      select id, 'Bench Hangares ' || id, true from users where is_hangar_owner order by id;`);
  log(`seeding ${OWNERS * LISTINGS_PER_OWNER} listings`);
  await database.exec(`
    insert into hangar_listings (owner_id, icao_code, hangar_number, daily_rate, status, total_spaces, available_spaces)
      select o.id, 'SBMT', 'H-' || o.id || '-' || g, (15 + floor(random() * 76)) * 10,
             (array['active','active','active','active','active','active','active','active','inactive','pending','rejected','suspended'])[1 + floor(random() * 12)::int],
             s, s
        from hangar_owners o cross join generate_series(1, ${LISTINGS_PER_OWNER}) g cross join lateral (select 1 + floor(random() * 6)::int as s, o.id + g as correlated) sp;`);
  const [{ lo }] = await rows<{ lo: number }>(db, sql`select min(id)::int as lo from users where not coalesce(is_hangar_owner, false)`);
  const perChunk = BOOKINGS / CHUNKS / (OWNERS * LISTINGS_PER_OWNER);
  for (let chunk = 1; chunk <= CHUNKS; chunk++) {
    await database.exec(bookingChunk(perChunk, lo));
    log(`bookings ${((chunk * BOOKINGS) / CHUNKS).toLocaleString('en')} / ${BOOKINGS.toLocaleString('en')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  log('vacuum analyze');
  await database.exec('vacuum analyze users, hangar_owners, hangar_listings, hangar_bookings');
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/**
 * `perListing` bookings on every listing, created uniformly over the last 730 days (UTC wall time,
 * like the app writes), checking in 0–20 days after creation for 1–14 nights; the status follows
 * the stay (past: mostly completed; current: mostly confirmed; future: confirmed or pending).
 */
function bookingChunk(perListing: number, firstRenter: number): string {
  return `
    insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, subtotal, fees, total_price, status, created_at, updated_at)
    select l.id, ${firstRenter} + floor(random() * ${RENTERS})::int, b.check_in, b.check_in + make_interval(days => b.nights), b.nights,
           l.daily_rate * b.nights, round(l.daily_rate * b.nights * 0.05, 2), round(l.daily_rate * b.nights * 1.05, 2),
           case when b.check_in + make_interval(days => b.nights) < b.now
                  then case when b.r < 0.75 then 'completed' when b.r < 0.9 then 'cancelled' when b.r < 0.95 then 'rejected' else 'confirmed' end
                when b.check_in <= b.now then case when b.r < 0.85 then 'confirmed' else 'pending' end
                else case when b.r < 0.6 then 'confirmed' when b.r < 0.9 then 'pending' else 'cancelled' end end,
           b.created_at, b.created_at
      from hangar_listings l
      cross join generate_series(1, ${perListing}) g
      cross join lateral (
        select c.created_at, c.created_at + make_interval(days => floor(random() * 21)::int) as check_in,
               1 + floor(random() * 14)::int as nights, random() as r, c.now
          from (select (now() at time zone 'UTC') - random() * interval '730 days' as created_at, now() at time zone 'UTC' as now, l.id + g as correlated) c
      ) b;`;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
const POLL_MS = 5_000;

/** The two indexes this benchmark recommends (not in the migrations): see BENCHMARKS.md. */
const RECOMMENDED_INDEXES = [
  'create index if not exists idx_hangar_bookings_created_cover on hangar_bookings (created_at) include (hangar_id, status, total_price)',
  "create index if not exists idx_hangar_bookings_confirmed_checkout on hangar_bookings (check_out) include (hangar_id, check_in) where status = 'confirmed'",
];

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * A poll tick as the poller runs it (`cache.refresh(ids)`), every 5 s of a simulated clock:
 * `cold` is the first tick of a fresh cache (all 12 months of every owner counted); `steady` the
 * median tick after a minute of ticks, when each tick carries the closed months over and recounts
 * one of them in rotation.
 */
async function batchedTicks(db: Db, ids: number[], now: number): Promise<{ cold: number; steady: number; steadyMin: number }> {
  const colds: number[] = [];
  let clock = now;
  let cache = new MetricsCache({ db, timeZone: TZ, clock: () => clock });
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    cache = new MetricsCache({ db, timeZone: TZ, clock: () => clock });
    colds.push(await time(() => cache.refresh(ids)));
  }
  for (let i = 0; i < 60_000 / POLL_MS; i++) {
    clock += POLL_MS;
    await cache.refresh(ids);
  }
  const steady: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    clock += POLL_MS;
    steady.push(await time(() => cache.refresh(ids)));
  }
  return { cold: median(colds), steady: median(steady), steadyMin: Math.min(...steady) };
}

/** Median time of computing `ids` from scratch one owner at a time, sequentially. */
async function oneAtATime(db: Db, ids: number[], now: number, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push(
      await time(async () => {
        for (const id of ids) await computeOwnerMetrics(db, id, { now: new Date(now), timeZone: TZ });
      }),
    );
  }
  return median(times);
}

/** Creates or drops the recommended indexes (named as recommended, so "without" is the migrations' set). */
async function setIndexes(database: Database, on: boolean): Promise<void> {
  if (on) for (const ddl of RECOMMENDED_INDEXES) await database.exec(ddl);
  else await database.exec('drop index if exists idx_hangar_bookings_created_cover; drop index if exists idx_hangar_bookings_confirmed_checkout;');
  await database.exec('vacuum analyze hangar_bookings');
}

/** One table row: batched steady and cold ticks and one-at-a-time for `n` owners spread over all. */
async function measure(db: Db, all: number[], at: number, n: number): Promise<string> {
  const ids = all.filter((_, i) => i % Math.floor(all.length / n) === 0).slice(0, n);
  const { cold, steady, steadyMin } = await batchedTicks(db, ids, at);
  const sample = n > 1_000 ? ids.slice(0, 500) : ids;
  const single = ((await oneAtATime(db, sample, at, 3)) * n) / sample.length;
  const note = sample.length < n ? ` (extrapolated from ${sample.length})` : '';
  return `| ${n.toLocaleString('en')} | ${ms(steady)} (min ${ms(steadyMin)}) | ${ms(cold)} | ${ms(single)}${note} | ${(single / steady).toFixed(0)}× / ${(single / cold).toFixed(0)}× |`;
}

/** Both index configurations, interleaved per owner count so a busy machine affects both alike. */
async function compare(database: Database, all: number[], at: number): Promise<string[]> {
  const header = [
    '| connected owners | batched tick, steady (median) | batched tick, cold (median) | one at a time (median) | ratio steady / cold |',
    '|---|---|---|---|---|',
  ];
  const tables = { without: [...header], with: [...header] };
  for (const n of [100, 1_000, 5_000]) {
    for (const on of [false, true]) {
      await setIndexes(database, on);
      const line = await measure(database.db, all, at, n);
      log(`${on ? 'with' : 'without'} the recommended indexes ${line}; load ${loadavg()[0].toFixed(1)}`);
      tables[on ? 'with' : 'without'].push(line);
    }
  }
  return ['', '### indexes of the current migrations only', '', ...tables.without, '', '### with the two recommended indexes', '', ...tables.with];
}

async function main() {
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = await ensureDatabase(base, process.env.BENCH_DATABASE ?? 'hangarshare_bench');
  const database = await openDatabase({ url });
  await migrate(database);
  const db = database.db;
  const have = await counts(db);
  if (have.owners >= OWNERS && have.listings >= OWNERS * LISTINGS_PER_OWNER && have.bookings >= BOOKINGS) log(`reusing seeded data: ${JSON.stringify(have)}`);
  else await seed(database);
  const [{ now }] = await rows<{ now: string }>(db, sql`select to_char(max(created_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as now from hangar_bookings`);
  const at = Date.parse(now);
  const all = (await rows<{ id: number }>(db, sql`select id from hangar_owners order by id`)).map((r) => r.id);
  log(`${JSON.stringify(await counts(db))}; now = ${now}; time zone ${TZ}; ${RUNS} runs per batched measurement, 3 per one-at-a-time`);
  const [{ version }] = await rows<{ version: string }>(db, sql`select version()`);
  log(
    `${cpus().length} CPUs, Node ${process.version}, ${version.split(' on ')[0]}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const report = await compare(database, all, at);
  log(
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(report.join('\n'));
  await database.close();
}

await main();
