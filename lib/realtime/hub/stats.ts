/** Counters of one hub, as `GET /api/ws/stats` and `getStats()` report them. */
import type { CloseReason } from './connection';

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

  opened(): void {
    this.connectionsOpened++;
  }
  closed(reason?: CloseReason): void {
    this.connectionsClosed++;
    if (reason === 'overflow') this.bufferOverflows++;
    if (reason === 'token_expired') this.tokenExpirations++;
    if (reason === 'access_revoked') this.accessRevocations++;
  }
  published(): void {
    this.eventsPublished++;
  }
  /** One event written to `streams` streams. */
  delivered(streams: number): void {
    this.eventsDelivered += streams;
  }
  metricsPushed(streams: number): void {
    this.metricsPushes += streams;
  }
  reset(): void {
    this.resets++;
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
    };
  }
}
