/**
 * Process-wide singletons of the realtime layer, kept on `globalThis`: Next bundles route
 * handlers and instrumentation separately and hot reload re-evaluates modules, so module-level
 * state would be duplicated (two hubs, two buses, two pollers).
 */
import { config } from '../config';
import { getDatabase } from '../db/client';
import { startNotifyBridge } from './bridge.pg';
import { Cluster } from './cluster';
import { emptyMetrics, type MetricsSource } from '../metrics/types';
import type { Bus } from './bus';
import { MemoryBus } from './bus.memory';
import { dbEventLog } from './event-log';
import { Hub } from './hub';

const g = globalThis as {
  __hangarBus?: Bus;
  __hangarHub?: Hub;
  __hangarHubReady?: Promise<Hub>;
  __hangarMetricsSource?: MetricsSource;
  __hangarStopHub?: () => Promise<void>;
  __hangarCluster?: Cluster;
};

/** The bus of this process (in-memory unless something installed another). */
export function getBus(): Bus {
  return (g.__hangarBus ??= new MemoryBus());
}

/** Replaces the bus (tests, and the multi-instance bridge). */
export function setBus(bus: Bus): void {
  g.__hangarBus = bus;
}

/** Until the metrics layer installs itself: zeros, so streams still open. */
const placeholderMetrics: MetricsSource = { get: async () => emptyMetrics(), invalidate: () => {} };

export function setMetricsSource(source: MetricsSource): void {
  g.__hangarMetricsSource = source;
}

export function getMetricsSource(): MetricsSource {
  return g.__hangarMetricsSource ?? placeholderMetrics;
}

/**
 * The hub of this process, created on first use with the configured limits, with the metrics
 * poller feeding it and, on PostgreSQL, the NOTIFY bridge from other instances.
 */
export function getHub(): Promise<Hub> {
  if (g.__hangarHub) return Promise.resolve(g.__hangarHub);
  g.__hangarHubReady ??= buildHub().catch((err) => {
    g.__hangarHubReady = undefined;
    throw err;
  });
  return g.__hangarHubReady;
}

async function buildHub(): Promise<Hub> {
  const { startRuntime } = await import('../runtime');
  await startRuntime();
  const { getMetrics, startMetrics } = await import('../metrics');
  setMetricsSource(getMetrics());
  const hub = createHub();
  const stopMetrics = startMetrics(hub);
  const database = await getDatabase();
  let stopBridge = async () => {};
  if (database.kind === 'postgres') {
    // Several instances may share this database: fan out through NOTIFY, count streams cluster-wide.
    stopBridge = await startNotifyBridge(database, hub);
    const cluster = new Cluster(database, hub);
    await cluster.start();
    hub.remoteCount = (ownerId) => cluster.remoteCount(ownerId);
    g.__hangarCluster = cluster;
  }
  g.__hangarStopHub = async () => {
    stopMetrics();
    await stopBridge();
    await g.__hangarCluster?.stop();
    g.__hangarCluster = undefined;
  };
  g.__hangarHub = hub;
  return hub;
}

function createHub(): Hub {
  const c = config();
  return new Hub({
    log: dbEventLog(),
    bus: getBus(),
    // Late-bound, so a metrics source installed after the hub is still used.
    metrics: { get: (id) => getMetricsSource().get(id), invalidate: (id) => getMetricsSource().invalidate(id) },
    heartbeatMs: c.WS_HEARTBEAT_INTERVAL,
    retryMs: c.WS_RETRY_MS,
    maxPerOwner: c.WS_MAX_CONNECTIONS_PER_OWNER,
    maxConnections: c.WS_MAX_CONNECTIONS,
    maxQueued: c.WS_MAX_BUFFERED_FRAMES,
    drainMs: c.WS_DRAIN_MS,
    maxStreamSeconds: c.WS_MAX_STREAM_SECONDS,
  });
}

/** The cluster view (PostgreSQL only; undefined on the embedded database). */
export function getCluster(): Cluster | undefined {
  return g.__hangarCluster;
}

/** Drops the hub (tests and shutdown): closes its streams, poller, bridge and timers. */
export async function resetHub(): Promise<void> {
  g.__hangarHub?.shutdown();
  await g.__hangarStopHub?.();
  g.__hangarHub = undefined;
  g.__hangarHubReady = undefined;
  g.__hangarStopHub = undefined;
}
