/**
 * The composition root: everything the process runs once — database (migrated), demo seed on an
 * empty embedded database, and later the realtime hub, bus and poller. Idempotent: route bundles
 * and instrumentation may all call it; state lives on `globalThis`.
 */
import { config } from './config';
import { getDatabase } from './db/client';
import { pruneEvents } from './realtime/log';

const g = globalThis as { __hangarRuntime?: Promise<void>; __hangarHub?: { drain(ms?: number): Promise<void> } };

/** How often old events are pruned from the log. */
const PRUNE_EVERY_MS = 10 * 60_000;

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
  console.log((await import('./domain/stripe-gateway')).describePaymentMode());
  if (database.kind === 'pglite' && c.SEED_DEMO_DATA === '1') {
    const { seedDemoData, DEMO_ACCOUNTS } = await import('./db/seed');
    const result = await seedDemoData(database.db, { timeZone: c.BOOKING_TIMEZONE });
    if (result.seeded) console.log(`[seed] demo data: ${result.listings} listings, ${result.bookings} bookings`);
    console.log(`[ready] embedded database at ${c.PGLITE_DIR}; demo login ${DEMO_ACCOUNTS[0].email} / ${DEMO_ACCOUNTS[0].password}`);
  } else {
    console.log(`[ready] ${database.kind === 'postgres' ? 'PostgreSQL' : 'embedded database'} migrated`);
  }
  startPruning();
  installDrain();
}

/** Retention: at least EVENT_LOG_RETENTION_HOURS, or the newest EVENT_LOG_RETENTION_COUNT per owner. */
function startPruning(): void {
  const c = config();
  const prune = async () => {
    try {
      const n = await pruneEvents((await getDatabase()).db, {
        maxAgeMs: c.EVENT_LOG_RETENTION_HOURS * 3_600_000,
        keepPerOwner: c.EVENT_LOG_RETENTION_COUNT,
      });
      if (n > 0) console.log(`[log] pruned ${n} old events`);
    } catch (err) {
      console.error('[log] pruning failed (will retry)', err);
    }
  };
  setInterval(prune, PRUNE_EVERY_MS).unref();
}

/**
 * On SIGTERM/SIGINT each stream gets `reconnect` at a random moment within WS_DRAIN_MS and closes.
 * Next's own handler meanwhile stops accepting connections and exits once the streams are gone.
 */
function installDrain(): void {
  // server.ts handles the signals itself (it also stops its own HTTP server).
  if ((globalThis as { __hangarOwnsSignals?: boolean }).__hangarOwnsSignals) return;
  const drain = (signal: string) => {
    const hub = g.__hangarHub;
    if (!hub) return;
    console.log(`[drain] ${signal}: closing streams over ${config().WS_DRAIN_MS} ms`);
    void hub.drain();
  };
  process.once('SIGTERM', () => drain('SIGTERM'));
  process.once('SIGINT', () => drain('SIGINT'));
}
