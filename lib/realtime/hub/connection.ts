/**
 * One open stream: its identity, its token's expiry, and a bounded outgoing queue in front of
 * the transport. Domain events are never dropped: when the queue exceeds its bound (a slow
 * consumer) the stream ends with `reconnect` and closes; the client resumes from the last id it
 * actually received and the log replays the rest. It is never told to skip anything.
 * `metrics_updated` is state, not history: a newer snapshot replaces an unsent one, and a snapshot
 * computed before the one already sent is dropped (snapshots are ordered by computation).
 *
 * Lifecycle: `joining` (replay in progress; live events are held) → `live` → `closed`. Closing
 * is idempotent and runs the close listeners exactly once, whoever triggers it.
 */
import type { LoggedEvent } from '../wire/events';
import { encodeFrame, encodeRetry, PING } from '../wire/sse';

/**
 * The smallest `retry:` sent before a `reconnect`: a plain EventSource comes back this soon, and a
 * server that keeps failing is not hammered in a tight loop (each new stream resets it to WS_RETRY_MS).
 */
export const RECONNECT_RETRY_FLOOR_MS = 100;

/** Which transport serves a stream: `node` (server.ts, `node:http`), `route` (a Web stream), `other` (tests). */
export type TransportKind = 'node' | 'route' | 'other';

/** Where a connection's bytes go: a Web `ReadableStream` controller or a Node response. */
export interface Transport {
  /** Labels the stream in the metrics. Default `other`. */
  readonly kind?: TransportKind;
  /** Writes one encoded frame. The connection checks `capacity()` first, except for the final frame. */
  write(chunk: Uint8Array): void;
  /** How many more frames the transport accepts before it is backpressured (≤ 0: full). */
  capacity(): number;
  /**
   * Ends the response. Safe to call more than once. Bytes still buffered for a client that stopped
   * reading must not hold the socket forever: the transport destroys it after its write timeout.
   */
  end(): void;
}

export type CloseReason =
  | 'client'
  | 'overflow'
  | 'token_expired'
  | 'access_revoked'
  | 'history_gap'
  | 'write_timeout'
  | 'drain'
  | 'kicked'
  | 'shutdown'
  | 'max_duration'
  | 'error';

export interface ConnectionInit {
  id: string;
  ownerId: number;
  userId: number;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  transport: Transport;
  maxQueued: number;
  /** The `retryMs` of the `reconnect` a slow consumer gets. Default 0 (come back at once). */
  retryMs?: number;
}

export class Connection {
  readonly id: string;
  readonly ownerId: number;
  readonly userId: number;
  readonly connectedAt = Date.now();
  exp: number;
  state: 'joining' | 'live' | 'closed' = 'joining';
  /** Sequence number of the last domain event queued for this stream (duplicates below it are skipped). */
  lastSeq = 0;
  closeReason?: CloseReason;
  private readonly transport: Transport;
  private readonly maxQueued: number;
  private queue: Uint8Array[] = [];
  private pendingMetrics?: Uint8Array;
  /** Computation time (`lastUpdate`) of the newest snapshot accepted; older ones are dropped. */
  private metricsVersion = -Infinity;
  private readonly retryMs: number;
  private held: { event: LoggedEvent; bytes: Uint8Array }[] = [];
  private closeListeners: ((c: Connection) => void)[] = [];
  private flushing = false;
  /** While corked, frames are queued but not written (the join writes its first frames as one chunk). */
  private corked = false;
  /** When bytes last went to the transport (the heartbeat pings only streams idle this long). */
  private lastWriteAt = Date.now();
  private roomWaiters: (() => void)[] = [];

  constructor(init: ConnectionInit) {
    this.id = init.id;
    this.ownerId = init.ownerId;
    this.userId = init.userId;
    this.exp = init.exp;
    this.transport = init.transport;
    this.maxQueued = init.maxQueued;
    this.retryMs = init.retryMs ?? 0;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  get transportKind(): TransportKind {
    return this.transport.kind ?? 'other';
  }

  /** Frames waiting in front of the transport (for stats and tests). */
  get queued(): number {
    return this.queue.length + this.held.length + (this.pendingMetrics ? 1 : 0);
  }

  /**
   * Resolves once the queue is at most half full (or the stream closed). The replay awaits this
   * between frames so a long catch-up follows the client's pace instead of overflowing.
   */
  waitForRoom(): Promise<void> {
    if (this.closed || this.queue.length <= this.maxQueued / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  onClose(listener: (c: Connection) => void): void {
    this.closeListeners.push(listener);
  }

  /** A protocol frame (connected, pong, reset, …): queued in order, never conflated. */
  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(bytes);
    this.flush();
  }

  /** A live domain event from the owner's channel (in sequence order); duplicates are skipped. */
  deliver(event: LoggedEvent, bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.state === 'joining') {
      this.held.push({ event, bytes });
      if (this.held.length > this.maxQueued) this.overflow();
      return;
    }
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    this.send(bytes);
  }

  /**
   * A metrics snapshot computed at `version` (its `lastUpdate`): dropped if an equally new or newer
   * one was already accepted, else written now if the stream is live and has room, else it
   * replaces the pending one (conflation). While joining it waits for `goLive`.
   */
  sendMetrics(bytes: Uint8Array, version: number): void {
    if (this.closed || version < this.metricsVersion) return;
    this.metricsVersion = version;
    this.pendingMetrics = bytes;
    this.flush();
  }

  /**
   * Ends the join: the snapshot goes next, in order (even under backpressure it is queued ahead of
   * what follows), then the events held during replay that are newer than `lastSeq`.
   */
  goLive(): LoggedEvent[] {
    if (this.closed) return [];
    this.state = 'live';
    if (this.pendingMetrics) {
      this.queue.push(this.pendingMetrics);
      this.pendingMetrics = undefined;
    }
    this.corked = false;
    this.flush();
    const held = this.held;
    this.held = [];
    const sent: LoggedEvent[] = [];
    for (const { event, bytes } of held) {
      if (event.seq <= this.lastSeq) continue;
      this.lastSeq = event.seq;
      sent.push(event);
      this.send(bytes);
    }
    return sent;
  }

  /**
   * The heartbeat: a comment when nothing was written for `idleMs` and nothing else is waiting
   * (any frame proves liveness too). Streams opened at different moments are pinged at different
   * moments, so a sweep never writes to every stream at once.
   */
  ping(now: number, idleMs: number): void {
    if (this.closed || now - this.lastWriteAt < idleMs || this.queue.length > 0 || this.transport.capacity() <= 0) return;
    this.lastWriteAt = now;
    this.transport.write(PING);
  }

  /** Holds writes until `uncork` (frames keep their order). */
  cork(): void {
    this.corked = true;
  }

  /** Writes what was held while corked, as one chunk where the transport has room. */
  uncork(): void {
    this.corked = false;
    this.flush();
  }

  /**
   * Moves queued frames into the transport while it has room; metrics last. Not re-entrant:
   * `write` may synchronously trigger the transport's pull, which calls `flush` again.
   */
  flush(): void {
    if (this.closed || this.flushing || this.corked) return;
    this.flushing = true;
    try {
      // As many queued frames as the transport has room for, in one write (one syscall, one packet).
      const n = Math.min(this.queue.length, Math.max(0, this.transport.capacity()));
      if (n > 0) {
        this.transport.write(n === 1 ? this.queue[0] : concat(this.queue, n));
        this.lastWriteAt = Date.now();
        this.queue = n === this.queue.length ? [] : this.queue.slice(n);
      }
      if (this.queue.length > this.maxQueued) return this.overflow();
      if (this.roomWaiters.length > 0 && this.queue.length <= this.maxQueued / 2) this.wakeRoomWaiters();
      // While joining, metrics wait: the replay comes first, then the snapshot (see goLive).
      if (this.queue.length === 0 && this.pendingMetrics && this.state === 'live' && this.transport.capacity() > 0) {
        const m = this.pendingMetrics;
        this.pendingMetrics = undefined;
        this.transport.write(m);
        this.lastWriteAt = Date.now();
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Writes one last frame regardless of backpressure, then closes. A `reconnect {retryMs}` is
   * preceded by `retry: <retryMs>` (at least RECONNECT_RETRY_FLOOR_MS): a plain `EventSource`
   * ignores the event but waits the last `retry:` it was given, so after a planned close (stream
   * age limit, history gap) it too comes back at once instead of after WS_RETRY_MS.
   */
  end(finalFrame: Parameters<typeof encodeFrame>[0] | undefined, reason: CloseReason): void {
    if (this.closed) return;
    this.corked = false;
    if (finalFrame) {
      this.flush();
      const frame = encodeFrame(finalFrame);
      if (finalFrame.event !== 'reconnect') this.transport.write(frame);
      else {
        // One chunk: the retry field and the event go out together.
        const retry = encodeRetry(Math.max(RECONNECT_RETRY_FLOOR_MS, (finalFrame.data as { retryMs: number }).retryMs));
        const both = new Uint8Array(retry.length + frame.length);
        both.set(retry);
        both.set(frame, retry.length);
        this.transport.write(both);
      }
    }
    this.close(reason);
  }

  /** Closes the stream; idempotent. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.state = 'closed';
    this.closeReason = reason;
    this.queue = [];
    this.held = [];
    this.pendingMetrics = undefined;
    this.wakeRoomWaiters();
    try {
      this.transport.end();
    } finally {
      const listeners = this.closeListeners;
      this.closeListeners = [];
      for (const l of listeners) l(this);
    }
  }

  /**
   * A slow consumer: what is queued is dropped and the stream ends with `reconnect`, written after
   * the frames the transport already took. The client resumes after the last id it received.
   */
  private overflow(): void {
    this.queue = [];
    this.end({ event: 'reconnect', ownerId: this.ownerId, data: { retryMs: this.retryMs } }, 'overflow');
  }
}

/** The first `n` chunks of `chunks` as one. */
function concat(chunks: readonly Uint8Array[], n: number): Uint8Array {
  let size = 0;
  for (let i = 0; i < n; i++) size += chunks[i].byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < n; i++) {
    out.set(chunks[i], at);
    at += chunks[i].byteLength;
  }
  return out;
}
