/**
 * The per-process registry of open streams: `ownerId → channel → connections`, the caps, the one
 * timer that sends heartbeats and enforces token expiry for every stream, the join (replay from
 * the log, then live) and the drain. It takes committed events from the bus (this instance) and
 * from the log (other instances, via `advanceOwner`), and is the one place that tells the metrics
 * side which owners changed. It reads the log and metrics through interfaces; it never touches
 * the database itself.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors';
import { dbFailed } from '../../observability/db-errors';
import { metrics } from '../../observability/metrics';
import type { Bus } from '../bus/bus';
import type { EventLog } from '../log/event-log';
import type { LoggedEvent, MetricsSnapshot } from '../wire/events';
import { encodeFrame, encodeRetry } from '../wire/sse';
import { OwnerChannel } from './channel';
import { Connection, type CloseReason, type Transport } from './connection';
import { joinStream } from './join';
import { HubStats } from './stats';

/** What the hub needs from the metrics side. */
export interface HubMetrics {
  /** Current metrics of one owner (the snapshot a joining stream gets). */
  get(ownerId: number): Promise<MetricsSnapshot>;
  /** An event committed (here or on another instance): recompute its owner's metrics and push soon. */
  changed(event: LoggedEvent): void;
  /** A client asked for fresh metrics of `ownerId` (e.g. through another instance): recompute all of them and push soon. */
  requested(ownerId: number): void;
}

export interface HubOptions {
  /** This instance's id: the prefix of its connection ids (`<instanceId>~<uuid>`). */
  instanceId: string;
  log: EventLog;
  bus: Bus;
  metrics: HubMetrics;
  /** Streams of an owner held by other instances (the cluster's count on PostgreSQL). Default 0. */
  remoteCount?: (ownerId: number) => number;
  heartbeatMs: number;
  retryMs: number;
  maxPerOwner: number;
  maxConnections: number;
  maxQueued: number;
  drainMs: number;
  /** Streams are ended with `reconnect` after this many seconds (0 = never). */
  maxStreamSeconds?: number;
  /**
   * Re-authorization of open streams: every `reauthMs` the hub asks `access` which of its
   * (user, owner) pairs may still stream, in one call, and ends the others with `error
   * {code:"access_revoked"}`. Without `access`, streams are checked only when they open.
   */
  access?: AccessCheck;
  /** ms between re-authorizations. Default 60 000. */
  reauthMs?: number;
  /** How long a transport may take to flush an ended stream before it destroys it, ms. Default 30 000. */
  writeTimeoutMs?: number;
}

/** Which (user, owner) pairs may still stream: one batched check for every open stream. */
export interface AccessCheck {
  /** Resolves to the keys (`accessKey(userId, ownerId)`) of the pairs still allowed. */
  allowed(pairs: readonly { userId: number; ownerId: number }[]): Promise<Set<string>>;
}

/** The key of a (user, owner) pair in an `AccessCheck` answer. */
export const accessKey = (userId: number, ownerId: number): string => `${userId}:${ownerId}`;

export interface OpenParams {
  ownerId: number;
  userId: number;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  /** Resume after this sequence number (from `Last-Event-ID` or `lastEventId`). */
  lastEventId?: number;
  transport: Transport;
}

export class Hub {
  readonly stats = new HubStats();
  private readonly channels = new Map<number, OwnerChannel>();
  private readonly byId = new Map<string, Connection>();
  private readonly unsubscribe: () => void;
  private timer?: ReturnType<typeof setInterval>;
  private lastReauth = Date.now();
  private reauthRunning = false;
  private draining = false;

  constructor(readonly options: HubOptions) {
    this.unsubscribe = options.bus.subscribe((events) => this.receive(events));
    const tick = Math.max(10, Math.min(1000, options.heartbeatMs));
    this.timer = setInterval(() => this.sweep(), tick);
    this.timer.unref?.();
  }

  /** Refuses before any byte when a cap is reached (429 per owner, 503 per process). */
  admit(ownerId: number): void {
    if (this.draining) throw new AppError(503, 'server_full', 'This server is shutting down; reconnect shortly.', { retryAfter: 2 });
    if (this.byId.size >= this.options.maxConnections) {
      throw new AppError(503, 'server_full', 'This server holds as many streams as it can; retry shortly.', { retryAfter: 5 });
    }
    const n = (this.channels.get(ownerId)?.connections.size ?? 0) + (this.options.remoteCount?.(ownerId) ?? 0);
    if (n >= this.options.maxPerOwner) {
      throw new AppError(429, 'too_many_connections', `Owner ${ownerId} already has ${n} open streams; close one first.`, { retryAfter: 10 });
    }
  }

  /** Registers a stream, then (asynchronously) replays and goes live. Call `admit` first. */
  open(params: OpenParams): Connection {
    const c = new Connection({
      id: `${this.options.instanceId}~${randomUUID()}`,
      ownerId: params.ownerId,
      userId: params.userId,
      exp: params.exp,
      transport: params.transport,
      maxQueued: this.options.maxQueued,
      retryMs: this.options.retryMs,
    });
    this.byId.set(c.id, c);
    const channel = this.channelFor(c.ownerId);
    channel.connections.add(c);
    this.stats.opened(c.transportKind);
    c.onClose(() => this.remove(c));
    c.cork(); // retry, connected and (without a replay) the snapshot go out as one chunk
    c.send(encodeRetry(this.options.retryMs));
    void joinStream(this.joinContext, channel, c, params.lastEventId);
    return c;
  }

  connection(id: string): Connection | undefined {
    return this.byId.get(id);
  }

  connectedOwners(): number[] {
    return [...this.channels.keys()];
  }

  connectionCount(ownerId?: number): number {
    return ownerId === undefined ? this.byId.size : (this.channels.get(ownerId)?.connections.size ?? 0);
  }

  /** This instance's connections, owners, per-owner counts and counters. */
  report() {
    const perOwner: Record<string, number> = {};
    for (const [ownerId, ch] of this.channels) perOwner[ownerId] = ch.connections.size;
    const { heapUsed, rss } = process.memoryUsage();
    return { connections: this.byId.size, owners: this.channels.size, perOwner, heapUsed, rss, ...this.stats.snapshot() };
  }

  /** Sends `metrics_updated` to every stream of the owner (conflated per stream). */
  pushMetrics(ownerId: number, metrics: MetricsSnapshot): void {
    const channel = this.channels.get(ownerId);
    if (!channel) return;
    const bytes = encodeFrame({ event: 'metrics_updated', data: metrics, ownerId });
    for (const c of channel.connections) c.sendMetrics(bytes, metrics.lastUpdate);
    this.stats.metricsPushed(channel.connections.size);
  }

  /** Sends a protocol frame to one owner's streams (or one stream). */
  sendFrame(ownerId: number, event: 'pong' | 'error', data: unknown, connectionId?: string): void {
    const bytes = encodeFrame({ event, data, ownerId });
    const targets = connectionId ? [this.byId.get(connectionId)] : [...(this.channels.get(ownerId)?.connections ?? [])];
    for (const c of targets) if (c && c.ownerId === ownerId) c.send(bytes);
  }

  /** Closes every stream of an owner. */
  disconnectOwner(ownerId: number, reason: CloseReason = 'kicked'): number {
    const conns = [...(this.channels.get(ownerId)?.connections ?? [])];
    for (const c of conns) c.end({ event: 'reconnect', ownerId, data: { retryMs: this.options.retryMs } }, reason);
    return conns.length;
  }

  /**
   * Graceful drain: every stream gets `reconnect {retryMs}` at a random moment within `drainMs`
   * (so clients do not all return at once) and is closed. Resolves when all are closed, by the
   * drain or otherwise (the client left first, `shutdown`).
   */
  drain(drainMs = this.options.drainMs): Promise<void> {
    this.draining = true;
    const conns = [...this.byId.values()];
    return new Promise((resolve) => {
      if (conns.length === 0) return resolve();
      let left = conns.length;
      const done = () => --left === 0 && resolve();
      for (const c of conns) {
        c.onClose(done);
        const t = setTimeout(
          () => c.end({ event: 'reconnect', ownerId: c.ownerId, data: { retryMs: this.options.retryMs } }, 'drain'),
          Math.floor(Math.random() * drainMs),
        );
        t.unref?.();
      }
    });
  }

  /** Closes everything now and stops the timer and the bus subscription. */
  shutdown(): void {
    this.draining = true;
    for (const c of [...this.byId.values()]) c.end({ event: 'reconnect', ownerId: c.ownerId, data: { retryMs: this.options.retryMs } }, 'shutdown');
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe();
  }

  /** Another instance committed events of `ownerId` up to `seq` (from the NOTIFY bridge). */
  advanceOwner(ownerId: number, seq: number): void {
    this.channels.get(ownerId)?.advanceTo(seq);
  }

  /**
   * Catch-up after the LISTEN connection was lost: notifications sent meanwhile are gone, the log
   * is not, so every connected owner is brought up to its head.
   */
  async catchUpAll(): Promise<void> {
    for (const [ownerId, channel] of this.channels) {
      try {
        channel.advanceTo(await this.options.log.head(ownerId));
      } catch (err) {
        dbFailed('catch_up', err, 'catch-up of a connected owner from the log failed', { ownerId });
      }
    }
  }

  /** What a joining stream needs of the hub. */
  private get joinContext() {
    const { log, metrics, heartbeatMs } = this.options;
    return { log, metrics, heartbeatMs, onReset: () => this.stats.reset(), onReplayed: (n: number) => this.stats.replayed(n) };
  }

  /**
   * Ends the streams whose user lost access to their owner (deleted, demoted, profile reassigned)
   * since they opened. One check for all open streams; when the check itself fails (database
   * down) every stream is kept and the next sweep tries again.
   */
  private async reauthorize(access: AccessCheck): Promise<void> {
    if (this.reauthRunning || this.byId.size === 0) return;
    this.reauthRunning = true;
    try {
      const pairs = new Map<string, { userId: number; ownerId: number }>();
      for (const c of this.byId.values()) pairs.set(accessKey(c.userId, c.ownerId), { userId: c.userId, ownerId: c.ownerId });
      const allowed = await access.allowed([...pairs.values()]);
      for (const c of [...this.byId.values()]) {
        if (allowed.has(accessKey(c.userId, c.ownerId)) || !pairs.has(accessKey(c.userId, c.ownerId))) continue;
        const data = { code: 'access_revoked', message: `This user may no longer stream owner ${c.ownerId}.` };
        c.end({ event: 'error', ownerId: c.ownerId, data }, 'access_revoked');
      }
    } catch (err) {
      dbFailed('reauth', err, 're-authorization of open streams failed (will retry)');
    } finally {
      this.reauthRunning = false;
    }
  }

  /** This instance's committed events, from the bus. */
  private receive(events: readonly LoggedEvent[]): void {
    this.committed(events);
    for (const e of events) this.channels.get(e.ownerId)?.receive(e);
  }

  /**
   * The one place that follows committed events, whichever way they came (the bus, or the log for
   * another instance's): counted, and handed to the metrics side.
   */
  private committed(events: readonly LoggedEvent[], fromLog = false): void {
    const now = Date.now();
    for (const e of events) {
      this.stats.published(e.type);
      if (fromLog) metrics().bridgeLag.observe(Math.max(0, now - e.timestamp) / 1000);
      this.options.metrics.changed(e);
    }
  }

  private channelFor(ownerId: number): OwnerChannel {
    let ch = this.channels.get(ownerId);
    if (!ch) {
      ch = new OwnerChannel(ownerId, this.options.log, {
        delivered: (e, n) => {
          this.stats.delivered(n);
          // Once per event, not per stream: the frame was handed to every unblocked stream just now.
          if (n > 0) metrics().deliveryLatency.observe(Math.max(0, Date.now() - e.timestamp) / 1000);
        },
        readFromLog: (events) => this.committed(events, true),
      });
      this.channels.set(ownerId, ch);
    }
    return ch;
  }

  private remove(c: Connection): void {
    this.byId.delete(c.id);
    const ch = this.channels.get(c.ownerId);
    if (ch) {
      ch.connections.delete(c);
      if (ch.connections.size === 0) {
        ch.dispose();
        this.channels.delete(c.ownerId);
      }
    }
    this.stats.closed(c.closeReason, c.transportKind);
  }

  /** The one timer: token expiry, stream age limit, heartbeats and re-authorization for every stream. */
  private sweep(): void {
    const now = Date.now();
    if (this.options.access && now - this.lastReauth >= (this.options.reauthMs ?? 60_000)) {
      this.lastReauth = now;
      void this.reauthorize(this.options.access);
    }
    const maxAge = (this.options.maxStreamSeconds ?? 0) * 1000;
    for (const c of this.byId.values()) {
      if (c.exp * 1000 <= now) {
        c.end({ event: 'token_expired', ownerId: c.ownerId, data: { expiredAt: new Date(c.exp * 1000).toISOString() } }, 'token_expired');
      } else if (maxAge > 0 && now - c.connectedAt >= maxAge) {
        c.end({ event: 'reconnect', ownerId: c.ownerId, data: { retryMs: 0 } }, 'max_duration');
      } else {
        c.ping(now, this.options.heartbeatMs);
      }
    }
  }
}
