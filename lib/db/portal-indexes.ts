/**
 * The indexes this project wants on the portal's tables (the metrics' covering indexes, the
 * payment-intent lookup…), built without blocking the portal: `CREATE INDEX CONCURRENTLY`, one
 * at a time, outside any transaction, with `lock_timeout`. Boot never builds them on a portal
 * table it did not create (see `adoption.ts`); `npm run db:indexes` does, when the operator asks.
 *
 * A concurrent build that fails (lock timeout, cancellation) leaves an INVALID index behind; it is
 * dropped (concurrently too) so that a later run starts clean.
 */
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { isIndexBuild, portalTablesIn } from './adoption';
import { rows, type Queryable } from './client';
import { migrationsFolder } from './migrate';

/** One index of a portal table, as the migrations declare it. */
export interface PortalIndex {
  name: string;
  table: string;
  /** `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` */
  statement: string;
}

/** Every index the migrations build on a portal table, newest definition last. */
export function portalIndexes(): PortalIndex[] {
  const out = new Map<string, PortalIndex>();
  for (const m of readMigrationFiles({ migrationsFolder: migrationsFolder() })) {
    for (const raw of m.sql) {
      const statement = raw.trim();
      const [table] = portalTablesIn(statement);
      if (!table || !isIndexBuild(statement)) continue;
      const name = /INDEX\s+(?:IF NOT EXISTS\s+)?"([^"]+)"/i.exec(statement)?.[1];
      if (!name) continue;
      const concurrent = statement
        .replace(
          /^CREATE\s+(UNIQUE\s+)?INDEX\s+(IF NOT EXISTS\s+)?/i,
          (_m, unique: string | undefined) => `CREATE ${unique ?? ''}INDEX CONCURRENTLY IF NOT EXISTS `,
        )
        .replace(/;\s*$/, '');
      out.set(name, { name, table, statement: concurrent });
    }
  }
  return [...out.values()];
}

/** The wanted portal indexes that do not exist (or exist but are INVALID). */
export async function missingPortalIndexes(db: Queryable): Promise<PortalIndex[]> {
  const wanted = portalIndexes();
  const found = await rows<{ name: string; valid: boolean }>(
    db,
    sql`select c.relname as name, i.indisvalid as valid from pg_class c join pg_index i on i.indexrelid = c.oid
        join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema()
        and c.relname = any(${`{${wanted.map((w) => w.name).join(',') || '_'}}`}::text[])`,
  );
  const valid = new Set(found.filter((f) => f.valid).map((f) => f.name));
  return wanted.filter((w) => !valid.has(w.name));
}

/** The outcome of one build. */
export interface IndexBuild {
  name: string;
  table: string;
  ok: boolean;
  error?: string;
}

/**
 * Builds the missing portal indexes concurrently on `url` (PostgreSQL only), each with
 * `lock_timeout = lockTimeoutMs`. A failed build is dropped and reported; the others go on.
 */
export async function buildPortalIndexes(url: string, lockTimeoutMs: number): Promise<IndexBuild[]> {
  const { default: postgres } = await import('postgres');
  const session = postgres(url, { max: 1, onnotice: () => {}, connection: { lock_timeout: lockTimeoutMs, application_name: 'hangarshare:db-indexes' } });
  const results: IndexBuild[] = [];
  try {
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const missing = await missingPortalIndexes(drizzle({ client: session }));
    for (const index of missing) {
      try {
        // An INVALID leftover of an earlier failed build would satisfy IF NOT EXISTS: drop it first.
        await session.unsafe(`DROP INDEX CONCURRENTLY IF EXISTS "${index.name}"`);
        await session.unsafe(index.statement);
        results.push({ name: index.name, table: index.table, ok: true });
      } catch (err) {
        await session.unsafe(`DROP INDEX CONCURRENTLY IF EXISTS "${index.name}"`).catch(() => {});
        results.push({ name: index.name, table: index.table, ok: false, error: (err as Error).message });
      }
    }
  } finally {
    await session.end({ timeout: 5 });
  }
  return results;
}
