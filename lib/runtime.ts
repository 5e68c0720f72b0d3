/**
 * The composition root: everything the process runs once — database (migrated), demo seed on an
 * empty embedded database, and later the realtime hub, bus and poller. Idempotent: route bundles
 * and instrumentation may all call it; state lives on `globalThis`.
 */
import { config } from './config';
import { getDatabase } from './db/client';

const g = globalThis as { __hangarRuntime?: Promise<void> };

/** Starts the process-wide runtime once; later calls return the same promise. */
export function startRuntime(): Promise<void> {
  return (g.__hangarRuntime ??= boot());
}

async function boot(): Promise<void> {
  const c = config();
  if (c.jwtSecretGenerated) {
    console.warn('[config] JWT_SECRET is not set: using a random secret for this process (tokens die with it).');
  }
  const database = await getDatabase();
  if (database.kind === 'pglite' && c.SEED_DEMO_DATA === '1') {
    const { seedDemoData, DEMO_ACCOUNTS } = await import('./db/seed');
    const result = await seedDemoData(database.db, { timeZone: c.BOOKING_TIMEZONE });
    if (result.seeded) console.log(`[seed] demo data: ${result.listings} listings, ${result.bookings} bookings`);
    console.log(`[ready] embedded database at ${c.PGLITE_DIR}; demo login ${DEMO_ACCOUNTS[0].email} / ${DEMO_ACCOUNTS[0].password}`);
  } else {
    console.log(`[ready] ${database.kind === 'postgres' ? 'PostgreSQL' : 'embedded database'} migrated`);
  }
}
