/**
 * Process-wide singletons of the realtime layer, kept on `globalThis`: Next bundles route
 * handlers and instrumentation separately and hot reload re-evaluates modules, so module-level
 * state would be duplicated (two hubs, two buses, two pollers).
 */
import { config } from '../config';
import { emptyMetrics, type MetricsSource } from '../metrics/types';
import type { Bus } from './bus';
import { MemoryBus } from './bus.memory';
import { dbEventLog } from './event-log';
import { Hub } from './hub';

const g = globalThis as { __hangarBus?: Bus; __hangarHub?: Hub; __hangarMetricsSource?: MetricsSource };

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

/** The hub of this process, created on first use with the configured limits. */
export async function getHub(): Promise<Hub> {
  if (g.__hangarHub) return g.__hangarHub;
  const { startRuntime } = await import('../runtime');
  await startRuntime();
  return (g.__hangarHub ??= createHub());
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
  });
}

/** Drops the hub (tests): closes its streams and timers. */
export function resetHub(): void {
  g.__hangarHub?.shutdown();
  g.__hangarHub = undefined;
}
