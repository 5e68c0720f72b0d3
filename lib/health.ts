/**
 * Liveness and readiness, as `GET /api/health` reports them to an orchestrator.
 *
 * - Live: the process answers (nothing else is checked: restarting it would not fix the database).
 * - Ready: not draining, the database opened and migrated, the runtime (hub, poller, bridge) built,
 *   and the database answers `select 1` now — each within `READY_TIMEOUT_MS`, so a database that
 *   hangs (not just refuses) still gives an answer a load balancer can act on.
 */
import { sql } from 'drizzle-orm';
import { rows } from './db/client';
import { errorCode } from './errors';
import { dbFailed } from './observability/db-errors';
import { getRuntime, isDraining } from './runtime';

/** Longest a readiness check waits for the database, ms. */
export const READY_TIMEOUT_MS = 2_000;

/** Why an instance is not ready. */
export type NotReadyReason = 'draining' | 'starting' | 'database_unreachable';

/** The readiness answer: ready with the database kind, or not with a reason code and a sentence. */
export type Readiness = { ready: true; database: 'postgres' | 'pglite' } | { ready: false; reason: NotReadyReason; message: string };

/** Checks readiness (see above). */
export async function readiness(): Promise<Readiness> {
  if (isDraining()) return notReady('draining', 'This instance is draining; send new streams elsewhere.');
  let stage: 'starting' | 'database_unreachable' = 'starting';
  try {
    const runtime = await withTimeout(getRuntime());
    stage = 'database_unreachable';
    await withTimeout(rows(runtime.database.db, sql`select 1 as ok`));
    if (isDraining()) return notReady('draining', 'This instance is draining; send new streams elsewhere.');
    return { ready: true, database: runtime.database.kind };
  } catch (err) {
    dbFailed('health', err);
    const why = err instanceof TimeoutError ? `no answer within ${READY_TIMEOUT_MS} ms` : errorCode(err);
    return stage === 'starting'
      ? notReady('starting', `The database could not be opened and migrated, or the runtime built (${why}).`)
      : notReady('database_unreachable', `The database does not answer (${why}).`);
  }
}

const notReady = (reason: NotReadyReason, message: string): Readiness => ({ ready: false, reason, message });

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError('timeout')), READY_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
