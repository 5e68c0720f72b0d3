/**
 * Applies the committed migrations in `drizzle/`. On PostgreSQL it holds a session advisory lock
 * on one dedicated connection, because drizzle's `migrate()` takes none and two instances starting
 * together would both apply (drizzle-orm#874). PGlite is one process by construction.
 */
import { join } from 'node:path';
import type { Database } from './client';

/** Arbitrary constant naming our migration lock. */
const MIGRATION_LOCK_KEY = 7_346_121_001;

/** Resolved from the working directory, not `__dirname`, which points into `.next/` once bundled. */
export const migrationsFolder = () => join(process.cwd(), 'drizzle');

/** Applies pending migrations to `database`; safe to call concurrently from several processes. */
export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(database.db as never, { migrationsFolder: migrationsFolder() });
    return;
  }
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate: run } = await import('drizzle-orm/postgres-js/migrator');
  const session = postgres(database.url!, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await run(drizzle({ client: session }), { migrationsFolder: migrationsFolder() });
    } finally {
      await session`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await session.end({ timeout: 5 });
  }
}
