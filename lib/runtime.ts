/**
 * The composition root: the one place that builds what the process runs, in this order —
 * config → database → migrations (→ demo seed on an empty embedded database) → bus → metrics
 * cache → hub → metrics poller → cross-instance bridge and cluster (PostgreSQL only) → log
 * pruning — and takes it down again (drain on SIGTERM/SIGINT, `stopRuntime`). Route handlers, the
 * custom server and scripts ask it for what they use; every other module gets its collaborators
 * as arguments.
 *
 * Its state is one slot of the process state (`process-state.ts`): Next bundles route handlers,
 * instrumentation and the custom server separately, and all of them must share one runtime.
 */
import { randomBytes } from 'node:crypto';
import { stillAllowed } from './auth/owners';
import { config, type Config } from './config';
import { openDatabase, type Database, type Db } from './db/client';
import { migrate } from './db/migrate';
import { missingPortalIndexes } from './db/portal-indexes';
import { describePaymentMode } from './domain/stripe-gateway';
import { MetricsCache } from './metrics/cache';
import { MetricsPoller } from './metrics/poller';
import { dbFailed } from './observability/db-errors';
import { consoleLike, logger } from './observability/logger';
import { metrics as promMetrics } from './observability/metrics';
import { outsideRequest } from './observability/request-context';
import { processSlot } from './process-state';
import type { Bus } from './realtime/bus/bus';
import { MemoryBus } from './realtime/bus/bus.memory';
import { startCrossInstance } from './realtime/bus/cross-instance';
import { Cluster } from './realtime/cluster/cluster';
import { accessKey, Hub } from './realtime/hub/hub';
import { eventLogOf, pruneEvents } from './realtime/log/event-log';

/** Everything the process runs, built once. */
export interface Runtime {
  readonly config: Config;
  /** This process's id among instances sharing one database (prefix of its connection ids). */
  readonly instanceId: string;
  readonly database: Database;
  /** Committed events of this process, published after commit (`transactWithEvents`). */
  readonly bus: Bus;
  readonly metrics: MetricsCache;
  /** Keeps connected owners' metrics current (polls, and follows the hub's `changed`). */
  readonly poller: MetricsPoller;
  readonly hub: Hub;
  /** On PostgreSQL: the other instances (presence, per-owner counts, client-message routing). */
  readonly cluster?: Cluster;
}

/** What the custom server adds to a shutdown (it owns the HTTP server). */
export interface ShutdownHooks {
  /** Stop accepting connections; runs before the streams are drained. */
  beforeDrain?(): void;
  /** Runs once every stream is closed, before the runtime stops and the process exits. */
  afterDrain?(): Promise<void>;
}

interface State {
  instanceId: string;
  database?: Promise<Database>;
  runtime?: Promise<Runtime>;
  /** Stops what `buildRuntime` started, in reverse order. */
  stop?: () => Promise<void>;
  signalsInstalled?: boolean;
  /** Set at the very start of a drain: readiness is false from then on. */
  draining?: boolean;
  hooks: ShutdownHooks;
}

/** How long a shutdown may take beyond WS_DRAIN_MS before the process exits anyway, ms. */
const SHUTDOWN_GRACE_MS = 10_000;

/** How often old events are pruned from the log. */
const PRUNE_EVERY_MS = 10 * 60_000;

const slot = processSlot<State>('runtime');
const state = (): State => slot.getOrCreate(() => ({ instanceId: `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`, hooks: {} }));

/** This process's instance id (stable for the life of the process). */
export const instanceId = (): string => state().instanceId;

/**
 * The process's database, opened and migrated (and, embedded, seeded) on first use. A failed
 * attempt is forgotten, so the next call tries again (e.g. PostgreSQL was down).
 */
export function getDatabase(): Promise<Database> {
  const s = state();
  if (!s.database) {
    const opening = outsideRequest(() => openMigrated(config(), s.instanceId));
    s.database = opening;
    opening.catch(() => {
      if (s.database === opening) s.database = undefined;
    });
  }
  return s.database;
}

/** Shorthand for `(await getDatabase()).db`. */
export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

/** The whole runtime, built on first use; a failed build leaves nothing running and is retried by the next call. */
export function getRuntime(): Promise<Runtime> {
  const s = state();
  if (!s.runtime) {
    const building = outsideRequest(() => buildRuntime(s));
    s.runtime = building;
    building.catch(() => {
      if (s.runtime === building) s.runtime = undefined;
    });
  }
  return s.runtime;
}

/** True from the start of a drain (SIGTERM/SIGINT or `drainAndStop`): the instance is no longer ready. */
export const isDraining = (): boolean => state().draining === true;

/** Lets the custom server take part in the drain (see `ShutdownHooks`). */
export function setShutdownHooks(hooks: ShutdownHooks): void {
  state().hooks = hooks;
}

/** Stops everything the runtime started and closes the database (tests, scripts, shutdown). */
export async function stopRuntime(): Promise<void> {
  const s = state();
  const { stop, database } = s;
  s.runtime = undefined;
  s.stop = undefined;
  s.database = undefined;
  await stop?.();
  if (database) await (await database.catch(() => undefined))?.close();
}

async function openMigrated(c: Config, id: string): Promise<Database> {
  if (c.jwtSecretGenerated) logger().warn('JWT_SECRET is not set: using a random secret for this process (tokens die with it)');
  const database = await openDatabase({ url: c.DATABASE_URL, dir: c.PGLITE_DIR, applicationName: `hangarshare:${id}` });
  try {
    const report = await migrate(database);
    if (report.ownership.foreign.length > 0) await reportAdoption(database, report.ownership.foreign);
    if (database.kind === 'pglite' && c.SEED_DEMO_DATA === '1') {
      const { seedDemoData, DEMO_ACCOUNTS } = await import('./db/seed');
      const result = await seedDemoData(database.db, { timeZone: c.BOOKING_TIMEZONE });
      if (result.seeded) logger().info({ listings: result.listings, bookings: result.bookings }, 'demo data seeded');
      // The demo account's password is public (README); it is the only credential ever logged.
      logger().info({ dir: c.PGLITE_DIR, demoLogin: `${DEMO_ACCOUNTS[0].email} / ${DEMO_ACCOUNTS[0].password}` }, 'embedded database migrated');
    } else {
      logger().info({ database: database.kind }, 'database migrated');
    }
    return database;
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}

/**
 * Builds the realtime side over the database. Each started piece registers how it stops; if a
 * later step throws, everything started so far is stopped before the error propagates, so a
 * failed build leaves no orphan hub, poller or timer behind.
 */
async function buildRuntime(s: State): Promise<Runtime> {
  const c = config();
  const database = await getDatabase();
  logger().info(describePaymentMode());
  const stops: (() => void | Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch((err) => logger().error({ err }, 'a runtime part failed to stop'));
  };
  try {
    const bus = new MemoryBus();
    const metrics = new MetricsCache({
      db: database.db,
      timeZone: c.BOOKING_TIMEZONE,
      logger: consoleLike({ error: 'warn' }),
      onFailure: (err) => dbFailed('metrics', err),
    });
    const poller = new MetricsPoller({
      source: metrics,
      intervalMs: c.WS_METRICS_POLL_INTERVAL,
      logger: consoleLike(),
      onTick: (seconds) => promMetrics().metricsTick.observe(seconds),
    });
    let cluster: Cluster | undefined;
    const hub = new Hub({
      instanceId: s.instanceId,
      log: eventLogOf(database.db),
      bus,
      metrics: { get: (ownerId) => metrics.get(ownerId), changed: (event) => poller.changed(event), requested: (ownerId) => poller.requested(ownerId) },
      remoteCount: (ownerId) => cluster?.remoteCount(ownerId) ?? 0,
      heartbeatMs: c.WS_HEARTBEAT_INTERVAL,
      retryMs: c.WS_RETRY_MS,
      maxPerOwner: c.WS_MAX_CONNECTIONS_PER_OWNER,
      maxConnections: c.WS_MAX_CONNECTIONS,
      maxQueued: c.WS_MAX_BUFFERED_FRAMES,
      drainMs: c.WS_DRAIN_MS,
      maxStreamSeconds: c.WS_MAX_STREAM_SECONDS,
      access: { allowed: async (pairs) => new Set((await stillAllowed(database.db, pairs)).map((p) => accessKey(p.userId, p.ownerId))) },
      reauthMs: c.WS_REAUTH_INTERVAL * 1000,
      writeTimeoutMs: c.WS_WRITE_TIMEOUT_MS,
    });
    stops.push(() => hub.shutdown());
    stops.push(() => poller.stop()); // registered first: a start that throws half-way is stopped too
    poller.start(hub);
    if (database.kind === 'postgres') {
      // Several instances may share this database: learn of their events (NOTIFY or polling the
      // log), count streams cluster-wide, apply client messages written for this instance's streams.
      const cross = await startCrossInstance(database, hub, c.WS_CROSS_INSTANCE);
      stops.push(() => cross.stop());
      logger().info(
        { mode: cross.mode, pollMs: cross.mode === 'poll' ? c.WS_LOG_POLL_MS : undefined, reason: cross.reason },
        `cross-instance delivery: ${cross.mode === 'poll' ? `poll, one query every ${c.WS_LOG_POLL_MS} ms` : 'notify (LISTEN hangarshare_events)'} — ${cross.reason}`,
      );
      const started = new Cluster(database, s.instanceId, { hub, pollLog: cross.mode === 'poll', tickMs: c.WS_LOG_POLL_MS });
      stops.push(() => started.stop());
      await started.start();
      cluster = started;
    }
    stops.push(startPruning(database, c));
    installSignalHandlers(s);
    promMetrics().setProbe(() => ({ hub: hub.stats, metricsStale: metrics.isFailing, draining: s.draining === true }));
    s.stop = stopAll;
    return { config: c, instanceId: s.instanceId, database, bus, metrics, poller, hub, cluster };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** One boot line on a portal database: which tables were adopted as they are, and the indexes left to do. */
async function reportAdoption(database: Database, foreign: string[]): Promise<void> {
  const missing = await missingPortalIndexes(database.db);
  logger().info(
    { adopted: foreign, missingIndexes: missing.map((m) => m.name) },
    missing.length
      ? 'portal tables adopted without altering them; run `npm run db:indexes` for the missing indexes'
      : 'portal tables adopted without altering them',
  );
}

/** Retention: at least EVENT_LOG_RETENTION_HOURS, or the newest EVENT_LOG_RETENTION_COUNT per owner. */
function startPruning(database: Database, c: Config): () => void {
  const prune = async () => {
    try {
      const n = await pruneEvents(database.db, { maxAgeMs: c.EVENT_LOG_RETENTION_HOURS * 3_600_000, keepPerOwner: c.EVENT_LOG_RETENTION_COUNT });
      if (n > 0) logger().info({ pruned: n }, 'old events pruned from the log');
    } catch (err) {
      dbFailed('prune', err, 'pruning the event log failed (will retry)');
    }
  };
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The drain, without the exit: readiness turns false at once (so a load balancer stops sending
 * new streams), the custom server's hook runs, every stream gets `reconnect` at a random moment
 * within WS_DRAIN_MS and closes, then the runtime stops. The signal handlers call it; tests too.
 */
export async function drainAndStop(reason: string): Promise<void> {
  const s = state();
  s.draining = true;
  s.hooks.beforeDrain?.();
  const runtime = await s.runtime?.catch(() => undefined);
  if (runtime) {
    logger().info(
      { signal: reason, streams: runtime.hub.connectionCount(), drainMs: runtime.config.WS_DRAIN_MS },
      'draining: not ready; streams get reconnect',
    );
    await runtime.hub.drain();
  }
  await s.hooks.afterDrain?.();
  await stopRuntime();
  logger().info('drained; exiting');
}

/**
 * On SIGTERM/SIGINT: `drainAndStop`, then the process exits. Installed once per process, whichever
 * bundle builds the runtime first. Under `next start`, Next exits on these signals itself unless
 * NEXT_MANUAL_SIG_HANDLE is set (`npm start` sets it).
 */
function installSignalHandlers(s: State): void {
  if (s.signalsInstalled) return;
  s.signalsInstalled = true;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Whatever hangs (a boot waiting for an unreachable database, a pool that will not close), the process still exits.
    const deadline = setTimeout(() => {
      logger().error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config().WS_DRAIN_MS + SHUTDOWN_GRACE_MS);
    deadline.unref();
    try {
      await drainAndStop(signal);
    } catch (err) {
      logger().error({ err }, 'shutdown failed');
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
