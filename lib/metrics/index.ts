/**
 * The process-wide metrics: one cache (the `MetricsSource` the hub reads) and at most one poller
 * per process. Both live on `globalThis`, because Next evaluates route bundles, instrumentation and
 * hot-reloaded modules separately and module-level state would be duplicated.
 */
import { config } from '../config';
import { getDb } from '../db/client';
import { getBus } from '../realtime/registry';
import { createMetricsCache, type MetricsCache } from './cache';
import { startMetricsPoller } from './poller';
import type { MetricsSink } from './types';

export { computeMetrics, computeOwnerMetrics, growthPercentage, type ComputeOptions } from './queries';
export { createMetricsCache, MetricsCache, type MetricsCacheOptions, type RefreshableMetricsSource } from './cache';
export { startMetricsPoller, sameMetrics, type MetricsPollerOptions } from './poller';
export { emptyMetrics, type MetricsSink, type MetricsSnapshot, type MetricsSource } from './types';

const g = globalThis as { __hangarMetrics?: MetricsCache; __hangarMetricsPoller?: () => void };

/**
 * The metrics source of this process, created on first use over `getDb()` with the config's
 * `BOOKING_TIMEZONE` and the default TTL (5 s).
 */
export function getMetrics(): MetricsCache {
  return (g.__hangarMetrics ??= createMetricsCache({ getDb, timeZone: config().BOOKING_TIMEZONE }));
}

/**
 * Starts the process's one metrics poller over `sink`, polling every `WS_METRICS_POLL_INTERVAL` ms
 * and listening to the process bus (`getBus()` at the time of the first call). Idempotent: while a
 * poller runs, later calls start nothing (their `sink` is ignored) and return the same `stop`.
 * After `stop()`, a new call starts a new poller.
 */
export function startMetrics(sink: MetricsSink): () => void {
  if (!g.__hangarMetricsPoller) {
    const stopPoller = startMetricsPoller({
      source: getMetrics(),
      sink,
      bus: getBus(),
      intervalMs: config().WS_METRICS_POLL_INTERVAL,
    });
    const stop = () => {
      if (g.__hangarMetricsPoller === stop) g.__hangarMetricsPoller = undefined;
      stopPoller();
    };
    g.__hangarMetricsPoller = stop;
  }
  return g.__hangarMetricsPoller;
}
