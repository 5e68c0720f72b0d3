/**
 * The server under attack: the real `server.ts` over the `.next-test` build (as test/cluster.ts
 * starts it), on the backend the suite runs with.
 *
 * - PostgreSQL (`DATABASE_URL` set by test/setup.ts): the server shares the test's scratch
 *   database; the test seeds the demo accounts into it and reads snapshots directly.
 * - PGlite: the server owns a fresh data directory (`PGLITE_DIR`) and seeds it itself. The test
 *   never opens that directory while the server runs (PGlite is single-process); a snapshot stops
 *   the server, reads the directory, and starts it again on the same directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, rows, type Queryable } from '../../lib/db/client';
import { ensureBuild, startInstance, type Instance } from '../support/servers';
import { getDb } from '../../lib/runtime';

/** The endpoint secret the server verifies Stripe webhooks with. */
export const WEBHOOK_SECRET = 'whsec_adversarial_0123456789abcdef';

/** Tables whose rows a refused request must not change. */
const SNAPSHOT = [
  ['hangar_bookings', 'id'],
  ['hangar_listings', 'id'],
  ['realtime_events', 'owner_id, seq'],
  ['owner_sequences', 'owner_id'],
  ['stripe_events', 'event_id'],
  ['users', 'id'],
  ['hangar_owners', 'id'],
] as const;

/** Row count and an md5 over every row's text, per table. */
export type Snapshot = Record<string, { rows: number; md5: string }>;

async function snapshotOf(db: Queryable): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const [table, order] of SNAPSHOT) {
    const [r] = await rows<{ n: number; md5: string | null }>(
      db,
      sql.raw(`select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by ${order}), '')) as md5 from ${table} t`),
    );
    out[table] = { rows: r.n, md5: r.md5 ?? '' };
  }
  return out;
}

/** A free port in 3500–3599 (the range this suite may use). */
export async function freePort(): Promise<number> {
  const start = 3500 + Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const port = 3500 + ((start - 3500 + i) % 100);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 3500-3599');
}

export class Target {
  readonly onPostgres = !!process.env.DATABASE_URL;
  private readonly logs: string[][] = [];
  private instance?: Instance;
  private dir?: string;
  private port = 0;

  /** Everything every server process of this target printed, in order. */
  get output(): string {
    return this.logs.flat().join('');
  }

  get url(): string {
    return this.instance!.url;
  }

  /** Builds if needed, prepares the database and starts the server. */
  async start(): Promise<void> {
    ensureBuild();
    if (this.onPostgres) {
      const { seedDemoData } = await import('../../lib/db/seed');
      await seedDemoData(await getDb());
    } else {
      this.dir = mkdtempSync(join(tmpdir(), 'hangar-adversarial-'));
    }
    this.port = await freePort();
    await this.boot();
  }

  private env(): Record<string, string> {
    const common = { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, WS_HEARTBEAT_INTERVAL: '5000' };
    return this.onPostgres
      ? { ...common, DATABASE_URL: process.env.DATABASE_URL! }
      : { ...common, DATABASE_URL: '', PGLITE_DIR: join(this.dir!, 'db'), SEED_DEMO_DATA: '1' };
  }

  private async boot(): Promise<void> {
    this.instance = await startInstance(this.port, this.env());
    this.logs.push(this.instance.output);
  }

  /** Counts and checksums of the tables a refused request must leave alone. */
  async snapshot(): Promise<Snapshot> {
    if (this.onPostgres) return snapshotOf(await getDb());
    await this.instance!.stop();
    const snap = await this.readDir();
    await this.boot();
    return snap;
  }

  /** Stops the server; on PGlite returns the final snapshot read from its directory. */
  async stop(): Promise<Snapshot | undefined> {
    if (!this.instance) return undefined;
    await this.instance.stop();
    this.instance = undefined;
    if (this.onPostgres) return snapshotOf(await getDb());
    const snap = await this.readDir();
    rmSync(this.dir!, { recursive: true, force: true });
    return snap;
  }

  private async readDir(): Promise<Snapshot> {
    const database = await openDatabase({ dir: join(this.dir!, 'db') });
    try {
      return await snapshotOf(database.db);
    } finally {
      await database.close();
    }
  }

  /** SIGKILL without draining (for a failed `beforeAll`). */
  async kill(): Promise<void> {
    await this.instance?.kill();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
