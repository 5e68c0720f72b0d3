/**
 * The metrics layer's interfaces: `MetricsSource` (the cache) and `MetricsSink` (where the poller
 * pushes: the hub, which satisfies it without knowing of it).
 */
import type { MetricsSnapshot } from '../realtime/wire/events';

export type { MetricsSnapshot };

export interface MetricsSource {
  /** Current metrics of one owner (cached up to the TTL; concurrent calls share one computation). */
  get(ownerId: number): Promise<MetricsSnapshot>;
  /**
   * Drops the cached value of an owner, so the next `get` recomputes (after a domain event). With
   * `keepClosedMonths`, the counts of past months may still be carried over (the change cannot
   * have touched them); by default they are recounted too.
   */
  invalidate(ownerId: number, opts?: { keepClosedMonths?: boolean }): void;
}

/** The hub's side, as the poller sees it. */
export interface MetricsSink {
  /** Owners with at least one open stream in this process. */
  connectedOwners(): number[];
  /** Sends `metrics_updated` to every stream of the owner (conflated per connection). */
  pushMetrics(ownerId: number, metrics: MetricsSnapshot): void;
}

/** An all-zero snapshot, for owners with no data and as the shape reference. */
export function emptyMetrics(now = Date.now()): MetricsSnapshot {
  return {
    revenueToday: 0,
    todayRevenue: 0,
    bookingsToday: 0,
    activeBookings: 0,
    occupancyRate: 0,
    growthPercentage: 0,
    revenueLast30Days: 0,
    listingsByStatus: { active: 0, inactive: 0, pending: 0, rejected: 0, suspended: 0 },
    bookingsByMonth: [],
    lastUpdate: now,
    stale: false,
  };
}
