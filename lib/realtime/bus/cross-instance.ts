/**
 * How this instance learns of events other instances commit, chosen once at boot:
 * - `notify`: LISTEN on one dedicated session (`notify.pg.ts`); an event reaches other instances'
 *   streams within milliseconds. Needs a session, so a direct URL.
 * - `poll`: the cluster tick (`../cluster/tick.ts`) reads the log heads of connected owners every
 *   WS_LOG_POLL_MS in one statement; events arrive within one interval. Works through a
 *   transaction pooler (PgBouncer, Neon's, Supabase's pooled URLs, RDS Proxy).
 * WS_CROSS_INSTANCE picks one; unset, a URL declaring a pooler (`?pgbouncer=true`) picks poll, and
 * so does a LISTEN that fails or does not answer within LISTEN_TIMEOUT_MS. Writers send the NOTIFY
 * in either mode (the statement that appends an event queues it: no round trip of its own), so
 * instances of both kinds can share one database.
 */
import type { Database } from '../../db/client';
import { startNotifyBridge, type NotifyTarget } from './notify.pg';
import { logger } from '../../observability/logger';

export type CrossInstanceMode = 'notify' | 'poll';

/** How long a LISTEN may take to be confirmed before poll mode is used instead, ms. */
const LISTEN_TIMEOUT_MS = 5_000;

export interface CrossInstance {
  mode: CrossInstanceMode;
  /** Why this mode: printed at boot. */
  reason: string;
  stop(): Promise<void>;
}

/** Picks the mode (see the module comment) and, for notify, starts the LISTEN bridge. */
export async function startCrossInstance(database: Database, hub: NotifyTarget, configured: CrossInstanceMode | undefined): Promise<CrossInstance> {
  const none = async () => {};
  if (configured === 'poll') return { mode: 'poll', reason: 'WS_CROSS_INSTANCE=poll', stop: none };
  if (configured === undefined && database.pooled) return { mode: 'poll', reason: 'DATABASE_URL declares a transaction pooler (pgbouncer=true)', stop: none };
  if (database.pooled) logger().warn('WS_CROSS_INSTANCE=notify behind a transaction pooler: notifications may go to another client of the pooler and be lost');
  try {
    const stop = await withTimeout(startNotifyBridge(database, hub), LISTEN_TIMEOUT_MS);
    return { mode: 'notify', reason: configured ? 'WS_CROSS_INSTANCE=notify' : 'direct DATABASE_URL, LISTEN works', stop };
  } catch (err) {
    if (configured === 'notify') throw new Error(`WS_CROSS_INSTANCE=notify but LISTEN failed: ${(err as Error).message}`);
    return { mode: 'poll', reason: `LISTEN failed (${(err as Error).message})`, stop: none };
  }
}

/** `p`, or a rejection after `ms`; a late success is stopped so no LISTEN session is left behind. */
async function withTimeout(p: Promise<() => Promise<void>>, ms: number): Promise<() => Promise<void>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  p.then((stop) => timedOut && void stop().catch(() => {})).catch(() => {});
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
