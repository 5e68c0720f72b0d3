/**
 * Counters of one hub, as `GET /api/ws/stats`, `getStats()` and `GET /api/metrics` report them.
 * They are plain numbers bumped on the hot path; the Prometheus series are read from them at
 * scrape time (`lib/observability/metrics.ts`), so nothing is counted twice.
 */
import type { CloseReason, TransportKind } from './connection';

/** Counts by label value (a close reason, a transport, an event type). */
export type Tally = Record<string, number>;

export class HubStats {
  readonly startedAt = Date.now();
  connectionsOpened = 0;
  connectionsClosed = 0;
  eventsPublished = 0;
  eventsDelivered = 0;
  metricsPushes = 0;
  bufferOverflows = 0;
  resets = 0;
  tokenExpirations = 0;
  accessRevocations = 0;
  writeTimeouts = 0;
  /** Events sent from the log to a stream resuming with `Last-Event-ID`. */
  replayedEvents = 0;
  /** Open streams by transport. */
  readonly openByTransport: Tally = {};
  /** Closed streams by reason. */
  readonly closedByReason: Tally = {};
  /** Committed events followed by this hub, by type. */
  readonly publishedByType: Tally = {};

  opened(transport: TransportKind = 'other'): void {
    this.connectionsOpened++;
    this.openByTransport[transport] = (this.openByTransport[transport] ?? 0) + 1;
  }
  closed(reason: CloseReason = 'client', transport: TransportKind = 'other'): void {
    this.connectionsClosed++;
    this.openByTransport[transport] = (this.openByTransport[transport] ?? 0) - 1;
    this.closedByReason[reason] = (this.closedByReason[reason] ?? 0) + 1;
    if (reason === 'overflow') this.bufferOverflows++;
    if (reason === 'token_expired') this.tokenExpirations++;
    if (reason === 'access_revoked') this.accessRevocations++;
  }
  published(type: string): void {
    this.eventsPublished++;
    this.publishedByType[type] = (this.publishedByType[type] ?? 0) + 1;
  }
  /** One event written to `streams` streams. */
  delivered(streams: number): void {
    this.eventsDelivered += streams;
  }
  metricsPushed(streams: number): void {
    this.metricsPushes += streams;
  }
  /** A `reset {reason: "history_gap"}` was sent (the only reason the contract has). */
  reset(): void {
    this.resets++;
  }
  replayed(events: number): void {
    this.replayedEvents += events;
  }
  /** A transport cut an ended stream whose client stopped reading. */
  writeTimedOut(): void {
    this.writeTimeouts++;
  }

  snapshot() {
    return {
      uptimeMs: Date.now() - this.startedAt,
      connectionsOpened: this.connectionsOpened,
      connectionsClosed: this.connectionsClosed,
      eventsPublished: this.eventsPublished,
      eventsDelivered: this.eventsDelivered,
      metricsPushes: this.metricsPushes,
      bufferOverflows: this.bufferOverflows,
      resets: this.resets,
      tokenExpirations: this.tokenExpirations,
      accessRevocations: this.accessRevocations,
      writeTimeouts: this.writeTimeouts,
      replayedEvents: this.replayedEvents,
    };
  }
}
