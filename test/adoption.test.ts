/**
 * Booting on the portal's live PostgreSQL while it works (PostgreSQL only; skipped on PGlite).
 *
 * A portal-shaped database is built and its catalog recorded (columns, constraints, indexes of the
 * four portal tables). Then, during the boot:
 * - a *writer* keeps inserting bookings, each timed;
 * - a *holder* keeps a transaction open that has written to each portal table, so it holds ROW
 *   EXCLUSIVE on all four. Any DDL on them (ALTER TABLE, CREATE INDEX, ADD CONSTRAINT…) conflicts
 *   with that lock and would wait; with the migration session's lock_timeout it would fail the
 *   boot. So a boot that succeeds took no lock that blocks writers — deterministically, whatever
 *   the machine's speed (the last test shows such an ALTER does fail under the same conditions).
 * Afterwards the catalog is unchanged and no insert waited as long as the lock_timeout.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../lib/config';
import { openDatabase, type Database } from '../lib/db/client';
import { migrate } from '../lib/db/migrate';
import { buildPortalIndexes, missingPortalIndexes } from '../lib/db/portal-indexes';
import { createScratchDatabase, dropScratchDatabase, type Scratch } from './support/db';
import { portalCatalog, portalSchemaSql } from './support/portal-db';

const LOCK_TIMEOUT_MS = 2_000;
const pg = !!process.env.DATABASE_URL;

describe.skipIf(!pg)('adopting a live portal PostgreSQL', () => {
  let scratch: Scratch;
  let database: Database;
  let holder: postgres.Sql;
  let writer: postgres.Sql;

  beforeAll(async () => {
    process.env.MIGRATION_LOCK_TIMEOUT_MS = String(LOCK_TIMEOUT_MS);
    resetConfig();
    scratch = await createScratchDatabase();
    database = await openDatabase({ url: scratch.url });
    await database.exec(portalSchemaSql());
    holder = postgres(scratch.url!, { max: 1, onnotice: () => {} });
    writer = postgres(scratch.url!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    delete process.env.MIGRATION_LOCK_TIMEOUT_MS;
    resetConfig();
    await holder?.end();
    await writer?.end();
    await database?.close();
    await dropScratchDatabase(scratch);
  });

  it('boots while the portal writes: its tables keep their exact shape and no writer waits for the boot', async () => {
    const before = await portalCatalog(database.db);

    // The holder: a transaction that has written to all four portal tables and stays open.
    let releaseHolder!: () => void;
    const held = new Promise<void>((resolve) => (releaseHolder = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    const holderDone = holder
      .begin(async (tx) => {
        await tx`insert into users (first_name, email) values ('Holder', 'holder@x')`;
        await tx`update hangar_owners set phone = phone where id = 1`;
        await tx`update hangar_listings set updated_at = updated_at where id = 1`;
        await tx`insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, status) values (1, 2, now(), now() + interval '1 day', 1, 'pending')`;
        holding();
        await held;
        throw new Error('rollback');
      })
      .catch(() => {});
    await isHolding;

    // The writer: bookings inserted one after another, each timed, until the boot is over.
    const latencies: number[] = [];
    let booting = true;
    const writing = (async () => {
      while (booting || latencies.length < 3) {
        const t = performance.now();
        await writer`insert into hangar_bookings (hangar_id, user_id, check_in, check_out, nights, total_price, status)
                     values (1, 2, now(), now() + interval '1 day', 1, 350, 'confirmed')`;
        latencies.push(performance.now() - t);
      }
    })();

    const report = await migrate(database).finally(() => (booting = false));
    await writing;
    releaseHolder();
    await holderDone;

    expect(report.ownership).toEqual({ owned: [], foreign: ['hangar_bookings', 'hangar_listings', 'hangar_owners', 'users'] });
    expect(await portalCatalog(database.db)).toEqual(before);
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(LOCK_TIMEOUT_MS);
  });

  it('a boot of the old kind would not have got through: an ALTER on a portal table fails under the same conditions', async () => {
    const session = postgres(scratch.url!, { max: 1, onnotice: () => {}, connection: { lock_timeout: LOCK_TIMEOUT_MS } });
    try {
      await holder
        .begin(async (tx) => {
          await tx`update hangar_listings set updated_at = updated_at where id = 1`;
          await expect(session`alter table hangar_listings add column if not exists total_spaces integer default 1`).rejects.toThrow(/lock timeout/);
          throw new Error('rollback');
        })
        .catch((e: Error) => expect(e.message).toBe('rollback'));
    } finally {
      await session.end();
    }
  });

  it('`npm run db:indexes` builds the deferred indexes concurrently, without blocking writers, and then has nothing left to do', async () => {
    expect((await missingPortalIndexes(database.db)).length).toBeGreaterThan(0);
    const results = await buildPortalIndexes(scratch.url!, LOCK_TIMEOUT_MS);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await missingPortalIndexes(database.db)).toEqual([]);
    expect(await buildPortalIndexes(scratch.url!, LOCK_TIMEOUT_MS)).toEqual([]);
  });
});
