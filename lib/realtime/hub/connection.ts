/**
 * One open stream: its identity, its token's expiry, and a bounded outgoing queue in front of
 * the transport. Domain events are never dropped: when the queue exceeds its bound the client
 * gets `reset {reason:"overflow"}` and the stream closes (the client resumes from the log).
 * `metrics_updated` is state, not history: a newer snapshot replaces an unsent one.
 *
 * Lifecycle: `joining` (replay in progress; live events are held) → `live` → `closed`. Closing
 * is idempotent and runs the close listeners exactly once, whoever triggers it.
 */
import type { LoggedEvent } from '../wire/events';
import { encodeFrame, PING } from '../wire/sse';

/** Where a connection's bytes go: a Web `ReadableStream` controller or a Node response. */
export interface Transport {
  /** Writes one encoded frame. The connection checks `capacity()` first, except for the final frame. */
  write(chunk: Uint8Array): void;
  /** How many more frames the transport accepts before it is backpressured (≤ 0: full). */
  capacity(): number;
  /** Ends the response. Safe to call more than once. */
  end(): void;
}

export type CloseReason = 'client' | 'overflow' | 'token_expired' | 'drain' | 'kicked' | 'shutdown' | 'max_duration' | 'error';

export interface ConnectionInit {
  id: string;
  ownerId: number;
  userId: number;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  transport: Transport;
  maxQueued: number;
}

export class Connection {
  readonly id: string;
  readonly ownerId: number;
  readonly userId: number;
  readonly connectedAt = Date.now();
  exp: number;
  state: 'joining' | 'live' | 'closed' = 'joining';
  /** Sequence number of the last domain event written to this stream. */
  lastSeq = 0;
  closeReason?: CloseReason;
  private readonly transport: Transport;
  private readonly maxQueued: number;
  private queue: Uint8Array[] = [];
  private pendingMetrics?: Uint8Array;
  private held: { event: LoggedEvent; bytes: Uint8Array }[] = [];
  private closeListeners: ((c: Connection) => void)[] = [];
  private flushing = false;
  private roomWaiters: (() => void)[] = [];

  constructor(init: ConnectionInit) {
    this.id = init.id;
    this.ownerId = init.ownerId;
    this.userId = init.userId;
    this.exp = init.exp;
    this.transport = init.transport;
    this.maxQueued = init.maxQueued;
  }

  get closed(): boolean {
    return this.state === 'closed';
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
   * A metrics snapshot: written now if the stream is live and has room, else replaces the pending
   * one (conflation). While joining it waits for `goLive`.
   */
  sendMetrics(bytes: Uint8Array): void {
    if (this.closed) return;
    this.pendingMetrics = bytes;
    this.flush();
  }

  /** Ends the join: events held during replay that are newer than `lastSeq` go out, in order. */
  goLive(): LoggedEvent[] {
    if (this.closed) return [];
    this.state = 'live';
    this.flush(); // the snapshot, after the replay and before the held live events
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

  /** The heartbeat: a comment, only when nothing else is waiting (anything else proves liveness too). */
  ping(): void {
    if (!this.closed && this.queue.length === 0 && this.transport.capacity() > 0) this.transport.write(PING);
  }

  /**
   * Moves queued frames into the transport while it has room; metrics last. Not re-entrant:
   * `write` may synchronously trigger the transport's pull, which calls `flush` again.
   */
  flush(): void {
    if (this.closed || this.flushing) return;
    this.flushing = true;
    try {
      let i = 0;
      while (i < this.queue.length && this.transport.capacity() > 0) this.transport.write(this.queue[i++]);
      if (i > 0) this.queue = i === this.queue.length ? [] : this.queue.slice(i);
      if (this.queue.length > this.maxQueued) return this.overflow();
      if (this.roomWaiters.length > 0 && this.queue.length <= this.maxQueued / 2) this.wakeRoomWaiters();
      // While joining, metrics wait: the replay comes first, then the snapshot (see goLive).
      if (this.queue.length === 0 && this.pendingMetrics && this.state === 'live' && this.transport.capacity() > 0) {
        const m = this.pendingMetrics;
        this.pendingMetrics = undefined;
        this.transport.write(m);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Writes one last frame regardless of backpressure, then closes. */
  end(finalFrame: Parameters<typeof encodeFrame>[0] | undefined, reason: CloseReason): void {
    if (this.closed) return;
    if (finalFrame) {
      this.flush();
      this.transport.write(encodeFrame(finalFrame));
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

  private overflow(): void {
    this.end({ event: 'reset', ownerId: this.ownerId, data: { reason: 'overflow', lastEventId: String(this.lastSeq) } }, 'overflow');
  }
}
