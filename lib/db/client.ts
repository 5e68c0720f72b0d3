/**
 * The one database handle of the process: postgres.js when `DATABASE_URL` is set, otherwise an
 * embedded PGlite persisted under `PGLITE_DIR`. Both are wrapped by the same Drizzle schema, and
 * `rows()` hides the one result-shape difference (`db.execute`) from callers.
 *
 * The process's one handle is opened (and then migrated) by the runtime (`lib/runtime.ts`); this
 * module only opens. A lock file beside an embedded data directory refuses a second *process*
 * with a clear error (two processes on one PGlite directory corrupt it).
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle; it has the same query API as `Db`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either a database or a transaction: what query functions accept. */
export type Queryable = Db | Tx;

export interface Database {
  readonly db: Db;
  readonly kind: 'postgres' | 'pglite';
  /** The PostgreSQL URL (postgres only, without the pooler marker): the LISTEN bridge opens its own session. */
  readonly url?: string;
  /** The URL declares a transaction-mode pooler (`pgbouncer=true`): no LISTEN, no prepared statements. */
  readonly pooled: boolean;
  /** Statements this handle has sent since it opened (postgres only; 0 on PGlite): the benches' and stats' measure of database load. */
  queryCount(): number;
  /** Subscribe to a NOTIFY channel; resolves once listening. Returns the unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  /** Runs a script of several SQL statements (no parameters): fixtures and admin tasks. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two independent operations of one transaction, started together: postgres.js pipelines their
 * statements on the transaction's connection (one round trip where there were two; PGlite runs
 * them one after the other). Both always run to the end; the first one's error wins, so a caller
 * refused by the first still gets that refusal (after the second, a lock say, was granted).
 */
export async function inTurn<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

/** Runs raw SQL and returns its rows, whatever the driver (postgres.js returns an array, PGlite `{ rows }`). */
export async function rows<T = Record<string, unknown>>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Where to open a database: PostgreSQL at `url`, else PGlite in `dir`. */
export interface OpenOptions {
  url?: string;
  /** Embedded data directory (`memory://` for a throwaway one). Default `.data/pglite`. */
  dir?: string;
  /** PostgreSQL `application_name`: lets operators (and the scale-out tests) tell instances apart. */
  applicationName?: string;
}

/** Opens a database (no migrations: the runtime applies them as its own step). */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.applicationName ?? 'hangarshare');
  return openPglite(opts.dir ?? '.data/pglite');
}

/** The URL parameter other tools (Prisma, Drizzle docs, Supabase) use to declare a transaction pooler. */
const POOLER_PARAM = 'pgbouncer';

/**
 * Reads and strips the pooler marker (`?pgbouncer=true`) from a PostgreSQL URL: postgres.js would
 * send an unknown parameter to the server as a setting, which the server refuses.
 */
export function parsePostgresUrl(raw: string): { url: string; pooled: boolean } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { url: raw, pooled: false }; // not a URL we can read; postgres.js reports it
  }
  const marker = u.searchParams.get(POOLER_PARAM);
  if (marker === null) return { url: raw, pooled: false };
  u.searchParams.delete(POOLER_PARAM);
  return { url: u.toString(), pooled: marker === 'true' || marker === '1' };
}

/** What `preparing` needs of a postgres.js client, a transaction's or a savepoint's. */
interface PgClient {
  unsafe(query: string, args?: unknown[], options?: { prepare?: boolean }): unknown;
  begin?(...args: unknown[]): unknown;
  savepoint?(...args: unknown[]): unknown;
}

/**
 * Drizzle sends every query to postgres.js with `prepare: false` (unless built with
 * `.prepare(name)`), and postgres.js runs an unprepared statement that has parameters in two
 * round trips: Parse + Describe, wait, then Bind + Execute. This client, handed to drizzle,
 * sends them prepared instead — in transactions and savepoints too: postgres.js parses and
 * describes each statement text once per connection and then runs it in one round trip (a
 * `booking/confirm` went from 16 socket writes to 8, issue 12). It also counts the statements
 * (`queryCount`). Behind a transaction pooler, which cannot keep prepared statements, the
 * client's own `prepare: false` still wins (postgres.js honours a query's `prepare` only when the
 * client allows it).
 */
function preparing<T extends PgClient>(client: T, counted: () => void): T {
  // Made once per client: every query of this client goes through it.
  const unsafe = (query: string, args?: unknown[], options?: { prepare?: boolean }) => {
    counted();
    return client.unsafe(query, args, { ...options, prepare: true });
  };
  const wrapScoped =
    (open: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      const work = args.pop() as (inner: PgClient) => unknown;
      return open(...args, (inner: PgClient) => work(preparing(inner, counted)));
    };
  return new Proxy(client, {
    get(target, key) {
      if (key === 'unsafe') return unsafe;
      const value = Reflect.get(target, key);
      if ((key === 'begin' || key === 'savepoint') && typeof value === 'function') return wrapScoped(value.bind(target));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function openPostgres(rawUrl: string, applicationName: string): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { url, pooled } = parsePostgresUrl(rawUrl);
  let queries = 0;
  const counted = () => {
    queries++;
  };
  const sql = postgres(url, {
    max: 10,
    onnotice: () => {},
    // A transaction pooler hands each transaction any server connection: a statement prepared on
    // one is unknown on the next (PgBouncer < 1.21 cannot track them at all).
    prepare: !pooled,
    connection: { TimeZone: 'UTC', application_name: applicationName },
  });
  const client = preparing(sql, counted);
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    url,
    pooled,
    queryCount: () => queries,
    async listen(channel, onNotify, onListen) {
      const sub = await sql.listen(channel, onNotify, onListen);
      return () => sub.unlisten();
    },
    async exec(script) {
      await sql.unsafe(script);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(dir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const inMemory = dir.startsWith('memory://');
  const release = inMemory ? () => {} : lockDataDir(resolve(dir));
  let pg: InstanceType<typeof PGlite>;
  try {
    if (!inMemory) mkdirSync(resolve(dir), { recursive: true });
    pg = await PGlite.create(inMemory ? dir : resolve(dir));
    await pg.exec("SET TIME ZONE 'UTC'");
  } catch (err) {
    release();
    throw err;
  }
  const client = pg;
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    pooled: false,
    queryCount: () => 0,
    async listen(channel, onNotify, onListen) {
      const unsub = await client.listen(channel, onNotify);
      onListen?.();
      return unsub;
    },
    async exec(script) {
      await client.exec(script);
    },
    async close() {
      await client.close();
      release();
    },
  };
}

/**
 * Takes `<dir>.lock` for this process. PGlite takes no lock of its own and two processes on one
 * directory corrupt it, so a live holder is refused; a lock left by a dead process is taken over.
 */
function lockDataDir(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      const release = () => rmSync(lockPath, { force: true });
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The embedded database ${dir} is already open in process ${holder}. ` +
            'Stop that process, or set DATABASE_URL to use PostgreSQL, which allows several processes.',
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database ${dir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
