/**
 * `npm run db:indexes`: builds the indexes this service wants on the portal's tables, on a live
 * portal database, without blocking it: `CREATE INDEX CONCURRENTLY`, one at a time, outside any
 * transaction, each with `lock_timeout = MIGRATION_LOCK_TIMEOUT_MS` (see lib/db/portal-indexes.ts).
 * Boot never builds them on portal tables it did not create. Exits 1 when a build failed (it was
 * dropped; run again later).
 */
import { config } from '../lib/config';
import { buildPortalIndexes, missingPortalIndexes } from '../lib/db/portal-indexes';
import { getDatabase, stopRuntime } from '../lib/runtime';

const c = config();
if (!c.DATABASE_URL) {
  console.log('db:indexes: the embedded database is created by this service with its indexes; nothing to do.');
  process.exit(0);
}
const database = await getDatabase(); // migrates this service's own tables first
const before = await missingPortalIndexes(database.db);
await stopRuntime();
if (before.length === 0) {
  console.log('db:indexes: every recommended index on the portal tables exists.');
  process.exit(0);
}
const results = await buildPortalIndexes(c.DATABASE_URL, c.MIGRATION_LOCK_TIMEOUT_MS);
for (const r of results) console.log(`${r.ok ? 'built ' : 'FAILED'} ${r.name} on ${r.table}${r.error ? `: ${r.error}` : ''}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
