/**
 * The metrics poller: keeps every connected owner's dashboard current.
 *
 * - Every `intervalMs` it refreshes the owners the sink reports as connected, all in one batched
 *   computation (no owners → no query), and pushes only to owners whose metrics changed.
 * - After committed domain events it invalidates those owners and, for the connected ones, pushes
 *   fresh metrics within `coalesceMs`: a burst of events becomes one batched recomputation.
 *
 * Ticks and event flushes run one at a time (a chain), so a slow tick's older values can never be
 * pushed after an event's newer ones. A tick that comes due while another is queued is skipped.
 */
import type { Bus } from '../realtime/bus';
import type { LoggedEvent } from '../realtime/events';
import type { RefreshableMetricsSource } from './cache';
import type { MetricsSink, MetricsSnapshot } from './types';

export interface MetricsPollerOptions {
  source: RefreshableMetricsSource;
  sink: MetricsSink;
  /** Committed domain events arrive here; each invalidates its owner's metrics. */
  bus: Bus;
  /** Poll period, ms (the config's `WS_METRICS_POLL_INTERVAL`, default 5 000). */
  intervalMs: number;
  /** How long events are collected before one recomputation, ms. Default 5. */
  coalesceMs?: number;
  /** Where a failing push or refresh is reported. Default `console`. */
  logger?: Pick<Console, 'error'>;
}

/** Compares snapshots by value, ignoring `lastUpdate` (it changes on every computation). */
export function sameMetrics(a: MetricsSnapshot | undefined, b: MetricsSnapshot): boolean {
  if (!a) return false;
  return JSON.stringify({ ...a, lastUpdate: 0 }) === JSON.stringify({ ...b, lastUpdate: 0 });
}

/** Starts the poller; returns `stop()`, which clears its timers and its bus subscription. Timers are `unref()`ed. */
export function startMetricsPoller(opts: MetricsPollerOptions): () => void {
  const { source, sink, bus, intervalMs } = opts;
  const coalesceMs = opts.coalesceMs ?? 5;
  const logger = opts.logger ?? console;
  /** What each connected owner was last sent by this poller. */
  const lastPushed = new Map<number, MetricsSnapshot>();
  const pending = new Set<number>();
  let flushTimer: NodeJS.Timeout | undefined;
  let tickQueued = false;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const run = (task: () => Promise<void>) => {
    chain = chain.then(task).catch((err) => logger.error('[metrics] poller step failed:', err));
    return chain;
  };

  /** Refreshes `owners` in one batch and pushes to those still connected whose values changed. */
  const refreshAndPush = async (owners: number[]) => {
    if (owners.length === 0 || stopped) return;
    const values = await source.refresh(owners);
    if (stopped) return;
    const connected = new Set(sink.connectedOwners());
    for (const [ownerId, metrics] of values) {
      if (!connected.has(ownerId) || sameMetrics(lastPushed.get(ownerId), metrics)) continue;
      lastPushed.set(ownerId, metrics);
      sink.pushMetrics(ownerId, metrics);
    }
  };

  const tick = async () => {
    tickQueued = false;
    const owners = sink.connectedOwners();
    const connected = new Set(owners);
    for (const id of lastPushed.keys()) if (!connected.has(id)) lastPushed.delete(id);
    await refreshAndPush(owners);
  };

  const flush = async () => {
    flushTimer = undefined;
    const connected = new Set(sink.connectedOwners());
    const owners = [...pending].filter((id) => connected.has(id));
    pending.clear();
    await refreshAndPush(owners);
  };

  const onEvents = (events: readonly LoggedEvent[]) => {
    if (stopped) return;
    for (const event of events) {
      source.invalidate(event.ownerId);
      pending.add(event.ownerId);
    }
    if (!flushTimer) {
      flushTimer = setTimeout(() => void run(flush), coalesceMs);
      flushTimer.unref();
    }
  };

  const unsubscribe = bus.subscribe(onEvents);
  const timer = setInterval(() => {
    if (tickQueued || stopped) return;
    tickQueued = true;
    void run(tick);
  }, intervalMs);
  timer.unref();

  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (flushTimer) clearTimeout(flushTimer);
    unsubscribe();
  };
}
