/**
 * The metrics cache: the `MetricsSource` the hub reads. Values live `ttlMs`; concurrent reads of an
 * owner share one computation (single flight); the poller refreshes many owners with one
 * aggregator call. When the database cannot be read, owners keep their last good values marked
 * `stale: true`; the failure is logged once, and so is the recovery.
 *
 * The closed months of `bookingsByMonth` (eleven months of bookings: the bulk of the work) are
 * carried over from an owner's previous value, and each computation recounts the next one in
 * turn, so a poll tick reads about two months of bookings instead of a year. A connected owner,
 * in every tick, has each month recounted within eleven ticks (≈ 55 s at the default interval)
 * when nothing computes in between; eleven being prime, a regular interleaving of ticks and event
 * refreshes still reaches every month. Changes made through the app reach past months at once
 * (`invalidate` drops the owner's history, unless the event cannot have changed it: see
 * `changesClosedMonths`); changes written behind the app's back (e.g. the legacy
 * portal cancelling an old booking) show there within that rotation, and everywhere else at the
 * next poll.
 *
 * Invalidation is generation-based: a computation that was already running when `invalidate(X)`
 * was called may predate the change, so its result is handed to the callers that were waiting for
 * it but not cached, and the next read starts a new computation.
 */
import type { Queryable } from '../db/client';
import { computeMetrics, type ComputeOptions, type MonthCount } from './queries';
import { metricsWindows } from './windows';
import type { MetricsSnapshot, MetricsSource } from './types';

/** A metrics source that can also recompute a set of owners in one batch (what the poller needs). */
export interface RefreshableMetricsSource extends MetricsSource {
  /**
   * Recomputes `ownerIds` now (ignoring the TTL; owners already being computed share that
   * computation) with one aggregator call. Never rejects: the map holds every owner that has a
   * value, fresh or stale; owners with no value at all are left out.
   */
  refresh(ownerIds: readonly number[]): Promise<Map<number, MetricsSnapshot>>;
}

/** The aggregator's signature (injectable to count or fail computations in tests). */
export type ComputeFn = (db: Queryable, ownerIds: number[], opts: ComputeOptions) => Promise<Map<number, MetricsSnapshot>>;

export interface MetricsCacheOptions {
  /** The database to read. */
  db: Queryable;
  /** IANA zone of "today" and the months (the config's `BOOKING_TIMEZONE`). */
  timeZone: string;
  /** How long a value is served without recomputing, ms. Default 5 000. */
  ttlMs?: number;
  /** Clock in ms since epoch; also the `now` of every computation. Default `Date.now`. */
  clock?: () => number;
  /** Default `computeMetrics`. */
  compute?: ComputeFn;
  /** Where the once-per-outage failure and recovery lines go. Default `console`. */
  logger?: Pick<Console, 'error' | 'info'>;
  /** Called on every failed computation (the runtime counts them). */
  onFailure?: (error: unknown) => void;
}

interface Entry {
  /** The last good value (never marked stale itself). */
  value: MetricsSnapshot;
  stale: boolean;
  expiresAt: number;
  /** Whether `value`'s closed months may be carried over (false after `invalidate`). */
  historyValid: boolean;
}

type BatchResult = { ok: true; values: Map<number, MetricsSnapshot> } | { ok: false; error: unknown };

const noop = () => {};

/** TTL + single-flight cache of per-owner metrics. Returned snapshots are shared: treat them as read-only. */
export class MetricsCache implements RefreshableMetricsSource {
  private readonly entries = new Map<number, Entry>();
  private readonly inflight = new Map<number, Promise<MetricsSnapshot>>();
  /** Per owner with computations outstanding: their number, and the owner's invalidation count. Both are dropped when none is left. */
  private readonly outstanding = new Map<number, number>();
  private readonly generations = new Map<number, number>();
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private readonly compute: ComputeFn;
  private readonly logger: Pick<Console, 'error' | 'info'>;
  private failing = false;
  /** Which closed month the next computation recounts. */
  private rotation = 0;
  /** Owners missed by `get` in this event-loop turn, computed together when it ends. */
  private nextBatch: { ids: number[]; result: Promise<BatchResult> } | undefined;

  constructor(private readonly opts: MetricsCacheOptions) {
    this.ttlMs = opts.ttlMs ?? 5_000;
    this.clock = opts.clock ?? Date.now;
    this.compute = opts.compute ?? computeMetrics;
    this.logger = opts.logger ?? console;
  }

  /**
   * The owner's metrics: cached within the TTL, else shared with a running computation, else
   * computed — together with the other owners missed in the same event-loop turn, in one
   * aggregator call (so a reconnect storm of many owners costs a few batches, not one computation
   * each). Rejects only when the database fails and there is no last good value.
   */
  get(ownerId: number): Promise<MetricsSnapshot> {
    const entry = this.entries.get(ownerId);
    if (entry && entry.expiresAt > this.clock()) return Promise.resolve(view(entry));
    return this.inflight.get(ownerId) ?? this.startSoon(ownerId);
  }

  async refresh(ownerIds: readonly number[]): Promise<Map<number, MetricsSnapshot>> {
    const ids = [...new Set(ownerIds)];
    this.start(ids.filter((id) => !this.inflight.has(id)));
    const pending = ids.map((id) => this.inflight.get(id)!);
    const settled = await Promise.allSettled(pending);
    const out = new Map<number, MetricsSnapshot>();
    settled.forEach((s, i) => s.status === 'fulfilled' && out.set(ids[i], s.value));
    return out;
  }

  /**
   * Expires the owner's value (kept only as the stale fallback) and detaches any running
   * computation. Its closed months stop being carried over unless `keepClosedMonths` says the
   * change cannot have touched them (a later invalidation without it still drops them).
   */
  invalidate(ownerId: number, opts: { keepClosedMonths?: boolean } = {}): void {
    // Only a computation still running can predate the change; with none, there is nothing to mark.
    if (this.outstanding.has(ownerId)) this.generations.set(ownerId, this.generation(ownerId) + 1);
    const entry = this.entries.get(ownerId);
    if (entry) {
      entry.expiresAt = 0;
      if (!opts.keepClosedMonths) entry.historyValid = false;
    }
    this.inflight.delete(ownerId);
  }

  /** Whether the last computation failed (the values served are stale). */
  get isFailing(): boolean {
    return this.failing;
  }

  private generation(ownerId: number): number {
    return this.generations.get(ownerId) ?? 0;
  }

  /** Starts one aggregator call for `ids` and registers each owner's share of it as in flight. */
  private start(ids: number[]): void {
    if (ids.length > 0) this.register(ids, this.computeBatch(ids));
  }

  /** Adds the owner to the batch that starts at the end of this event-loop turn (`setImmediate`). */
  private startSoon(ownerId: number): Promise<MetricsSnapshot> {
    if (!this.nextBatch) {
      const ids: number[] = [];
      const result = new Promise<BatchResult>((resolve) =>
        setImmediate(() => {
          this.nextBatch = undefined;
          resolve(this.computeBatch(ids));
        }),
      );
      this.nextBatch = { ids, result };
    }
    this.nextBatch.ids.push(ownerId);
    this.register([ownerId], this.nextBatch.result);
    return this.inflight.get(ownerId)!;
  }

  /** Registers, for each owner, the promise of its value from `batch` as the computation in flight. */
  private register(ids: number[], batch: Promise<BatchResult>): void {
    for (const id of ids) {
      const generation = this.generation(id);
      this.outstanding.set(id, (this.outstanding.get(id) ?? 0) + 1);
      const promise = batch.then((result) => this.settle(id, generation, result)).finally(() => this.release(id));
      promise.catch(noop); // a caller that awaits it still sees the rejection
      this.inflight.set(id, promise);
      void promise.finally(() => this.inflight.get(id) === promise && this.inflight.delete(id)).catch(noop);
    }
  }

  /** One computation of `id` ended; the owner's bookkeeping goes with the last one. */
  private release(id: number): void {
    const left = (this.outstanding.get(id) ?? 1) - 1;
    if (left > 0) return void this.outstanding.set(id, left);
    this.outstanding.delete(id);
    this.generations.delete(id);
  }

  /** The month counts that may be carried over for `ids`. */
  private knownHistory(ids: number[]): Map<number, readonly MonthCount[]> {
    const known = new Map<number, readonly MonthCount[]>();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry?.historyValid) known.set(id, entry.value.bookingsByMonth);
    }
    return known;
  }

  private async computeBatch(ids: number[]): Promise<BatchResult> {
    const now = new Date(this.clock());
    const closed = metricsWindows(now, this.opts.timeZone).months.slice(0, -1);
    const refreshMonth = closed[this.rotation++ % closed.length].label;
    try {
      const db = this.opts.db;
      const knownHistory = this.knownHistory(ids);
      const values = await this.compute(db, ids, { now, timeZone: this.opts.timeZone, knownHistory, refreshMonth });
      if (this.failing) {
        this.failing = false;
        this.logger.info('[metrics] database readable again; metrics are fresh');
      }
      return { ok: true, values };
    } catch (error) {
      this.opts.onFailure?.(error);
      if (!this.failing) {
        this.failing = true;
        this.logger.error('[metrics] database read failed; serving last good values marked stale until it recovers:', error);
      }
      return { ok: false, error };
    }
  }

  /** Turns a batch result into one owner's value, caching it unless the owner was invalidated meanwhile. */
  private settle(id: number, generation: number, result: BatchResult): MetricsSnapshot {
    const current = generation === this.generation(id);
    if (result.ok) {
      const value = result.values.get(id);
      if (!value) throw new Error(`metrics computation returned nothing for owner ${id}`);
      if (current) this.entries.set(id, { value, stale: false, expiresAt: this.clock() + this.ttlMs, historyValid: true });
      return value;
    }
    const entry = this.entries.get(id);
    if (!entry) throw result.error;
    entry.stale = true;
    // Retry after a TTL rather than on every read while the database is down.
    if (current) entry.expiresAt = this.clock() + this.ttlMs;
    return view(entry);
  }
}

function view(entry: Entry): MetricsSnapshot {
  return entry.stale ? { ...entry.value, stale: true } : entry.value;
}
