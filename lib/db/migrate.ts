/**
 * Applies the committed migrations in `drizzle/`, with drizzle's own bookkeeping
 * (`drizzle.__drizzle_migrations`, compared by the journal's `when`) so databases migrated by
 * drizzle's migrator before carry on where they were.
 *
 * It is drizzle's migrator plus one rule (see `adoption.ts`): a statement that names a portal
 * table this project did not create is never run. On the portal's live database that means boot
 * creates only this project's own tables and takes no lock on the portal's; it then checks that the
 * columns it needs exist and refuses to start, listing them with the SQL to add them, if not.
 * Indexes meant for portal tables are left to `npm run db:indexes` (`portal-indexes.ts`).
 *
 * On PostgreSQL it holds a session advisory lock on one dedicated connection (two instances
 * starting together would both apply, drizzle-orm#874), and the session runs with
 * `lock_timeout = MIGRATION_LOCK_TIMEOUT_MS`: should a statement ever wait for a lock, it fails
 * rather than queue other sessions behind it. PGlite is one process by construction.
 */
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import { config } from '../config';
import { isIndexBuild, missingColumns, MissingPortalColumnsError, OWNED_TABLES_TABLE, ownershipOf, portalTablesIn, type Ownership } from './adoption';
import { rows, type Database, type Db } from './client';

/** Arbitrary constant naming our migration lock. */
const MIGRATION_LOCK_KEY = 7_346_121_001;

/** Resolved from the working directory, not `__dirname`, which points into `.next/` once bundled. */
export const migrationsFolder = () => join(process.cwd(), 'drizzle');

/** What a migration run did, for the boot log and the tests. */
export interface MigrationReport {
  applied: number;
  ownership: { owned: string[]; foreign: string[] };
  /** Index builds on foreign portal tables that were skipped (run `npm run db:indexes`). */
  deferredIndexes: string[];
}

/** Applies pending migrations to `database`; safe to call concurrently from several processes. */
export async function migrate(database: Database): Promise<MigrationReport> {
  if (database.kind === 'pglite') return runMigrations(database.db, { embedded: true });
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  // Behind a transaction pooler a session advisory lock would be taken on one server connection
  // and released (or not) on another: migrations need a direct session.
  const direct = config().DATABASE_DIRECT_URL;
  if (database.pooled && !direct) {
    throw new Error(
      'DATABASE_URL declares a transaction pooler (pgbouncer=true): set DATABASE_DIRECT_URL to the direct (unpooled) URL, which migrations need for their lock.',
    );
  }
  const session = postgres(direct ?? database.url!, {
    max: 1,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', lock_timeout: config().MIGRATION_LOCK_TIMEOUT_MS, application_name: 'hangarshare:migrate' },
  });
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      return await runMigrations(drizzle({ client: session }) as unknown as Db, { embedded: false });
    } finally {
      await session`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await session.end({ timeout: 5 });
  }
}

const regclass = async (db: Db, name: string) => (await rows<{ r: string | null }>(db, sql`select to_regclass(${name})::text as r`))[0]?.r ?? null;

/** The journal time of the last applied migration (drizzle's bookkeeping), without creating anything. */
async function lastApplied(db: Db): Promise<number | undefined> {
  if ((await regclass(db, 'drizzle.__drizzle_migrations')) === null) return undefined;
  const [last] = await rows<{ created_at: string | number }>(db, sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`);
  return last ? Number(last.created_at) : undefined;
}

/** Splits a migration's statements into those to run and the index builds left for `db:indexes`. */
function plan(migration: MigrationMeta, ownership: Ownership): { run: string[]; deferred: string[] } {
  const run: string[] = [];
  const deferred: string[] = [];
  for (const raw of migration.sql) {
    const statement = raw.trim();
    if (!statement || /^--[^\n]*$/.test(statement)) continue;
    const foreign = portalTablesIn(statement).some((t) => ownership.foreign.has(t));
    if (!foreign) run.push(statement);
    else if (isIndexBuild(statement)) deferred.push(statement);
  }
  return { run, deferred };
}

async function runMigrations(db: Db, opts: { embedded: boolean }): Promise<MigrationReport> {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder() });
  const last = await lastApplied(db);
  const recordExists = (await regclass(db, OWNED_TABLES_TABLE)) !== null;
  // An embedded database migrated before ownership was recorded was created by this project.
  const ownership = await ownershipOf(db, { recordExists, legacyOwned: opts.embedded && !recordExists && last !== undefined });
  // Checked before anything is created: a refused boot leaves the database exactly as it was.
  const missing = await missingColumns(db, ownership.foreign);
  if (missing.length > 0) throw new MissingPortalColumnsError(missing);

  const deferredIndexes: string[] = [];
  let applied = 0;
  await db.transaction(async (tx) => {
    await tx.execute(sql`create schema if not exists drizzle`);
    await tx.execute(sql`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`);
    await tx.execute(sql.raw(`create table if not exists ${OWNED_TABLES_TABLE} (table_name text primary key, created_at timestamptz not null default now())`));
    for (const table of [...ownership.owned, ...ownership.toCreate]) {
      await tx.execute(sql`insert into ${sql.identifier(OWNED_TABLES_TABLE)} (table_name) values (${table}) on conflict do nothing`);
    }
    for (const migration of migrations) {
      const { run, deferred } = plan(migration, ownership);
      deferredIndexes.push(...deferred);
      if (last !== undefined && migration.folderMillis <= last) continue;
      for (const statement of run) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`);
      applied++;
    }
  });
  return {
    applied,
    ownership: { owned: [...ownership.owned, ...ownership.toCreate].sort(), foreign: [...ownership.foreign].sort() },
    deferredIndexes,
  };
}
