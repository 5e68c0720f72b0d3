/**
 * The metrics poller: keeps every connected owner's dashboard current.
 *
 * - Every `intervalMs` it refreshes the owners the sink reports as connected, all in one batched
 *   computation (no owners → no query), and pushes only to owners whose metrics changed.
 * - When the hub reports an event (`changed`, once per committed event, from this instance or
 *   another), it invalidates the event's owner (past months only when the event can touch them) and, if connected, pushes fresh metrics within
 *   `coalesceMs`: a burst of events becomes one batched recomputation.
 *
 * Ticks and event flushes run one at a time (a chain), so a slow tick's older values can never be
 * pushed after an event's newer ones. A tick that comes due while another is queued is skipped.
 */
import type { LoggedEvent } from '../realtime/wire/events';
import type { RefreshableMetricsSource } from './cache';
import { changesClosedMonths } from './queries';
import type { MetricsSink, MetricsSnapshot } from './types';

export interface MetricsPollerOptions {
  source: RefreshableMetricsSource;
  /** Poll period, ms (the config's `WS_METRICS_POLL_INTERVAL`, default 5 000). */
  intervalMs: number;
  /** How long changes are collected before one batched recomputation, ms. Default 50: a burst of writes costs one transaction per window, not one per event. */
  coalesceMs?: number;
  /** Where a failing push or refresh is reported. Default `console`. */
  logger?: Pick<Console, 'error'>;
  /** Called with the duration of each poll tick that computed something, seconds (the runtime records them). */
  onTick?: (seconds: number) => void;
}

/** Compares snapshots by value, ignoring `lastUpdate` (it changes on every computation). */
export function sameMetrics(a: MetricsSnapshot | undefined, b: MetricsSnapshot): boolean {
  if (!a) return false;
  return JSON.stringify({ ...a, lastUpdate: 0 }) === JSON.stringify({ ...b, lastUpdate: 0 });
}

/** The poller: `start(sink)` begins polling, `changed(event)` follows an event, `stop()` ends it. */
export class MetricsPoller {
  /** What each connected owner was last sent by this poller. */
  private readonly lastPushed = new Map<number, MetricsSnapshot>();
  private readonly pending = new Set<number>();
  private sink?: MetricsSink;
  private timer?: NodeJS.Timeout;
  private flushTimer: NodeJS.Timeout | undefined;
  private tickQueued = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: MetricsPollerOptions) {}

  /** Starts polling the owners `sink` reports as connected and pushing to it. Timers are `unref()`ed. */
  start(sink: MetricsSink): void {
    if (this.timer || this.stopped) return;
    this.sink = sink;
    this.timer = setInterval(() => this.onInterval(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Clears the timers; nothing is computed or pushed afterwards. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  /** An event committed: its owner's metrics are invalidated now and, if connected, pushed soon. */
  changed(event: LoggedEvent): void {
    this.invalidate(event.ownerId, !changesClosedMonths(event));
  }

  /** A client asked for fresh metrics: all of the owner's are recomputed and, if connected, pushed soon. */
  requested(ownerId: number): void {
    this.invalidate(ownerId, false);
  }

  private invalidate(ownerId: number, keepClosedMonths: boolean): void {
    if (this.stopped) return;
    this.opts.source.invalidate(ownerId, { keepClosedMonths });
    this.pending.add(ownerId);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.run(() => this.flush()), this.opts.coalesceMs ?? 50);
      this.flushTimer.unref();
    }
  }

  /** Queues `task` behind the running one, so pushes happen in computation order. */
  private run(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err) => (this.opts.logger ?? console).error('[metrics] poller step failed:', err));
  }

  private onInterval(): void {
    if (this.tickQueued || this.stopped) return;
    this.tickQueued = true;
    this.run(() => this.tick());
  }

  private async tick(): Promise<void> {
    this.tickQueued = false;
    const started = performance.now();
    const owners = this.sink?.connectedOwners() ?? [];
    const connected = new Set(owners);
    for (const id of this.lastPushed.keys()) if (!connected.has(id)) this.lastPushed.delete(id);
    if (owners.length === 0) return; // nothing computed: not a tick worth timing
    try {
      await this.refreshAndPush(owners);
    } finally {
      this.opts.onTick?.((performance.now() - started) / 1000);
    }
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const connected = new Set(this.sink?.connectedOwners() ?? []);
    const owners = [...this.pending].filter((id) => connected.has(id));
    this.pending.clear();
    await this.refreshAndPush(owners);
  }

  /** Refreshes `owners` in one batch and pushes to those still connected whose values changed. */
  private async refreshAndPush(owners: number[]): Promise<void> {
    const sink = this.sink;
    if (owners.length === 0 || this.stopped || !sink) return;
    const values = await this.opts.source.refresh(owners);
    if (this.stopped) return;
    const connected = new Set(sink.connectedOwners());
    for (const [ownerId, metrics] of values) {
      if (!connected.has(ownerId) || sameMetrics(this.lastPushed.get(ownerId), metrics)) continue;
      this.lastPushed.set(ownerId, metrics);
      sink.pushMetrics(ownerId, metrics);
    }
  }
}
