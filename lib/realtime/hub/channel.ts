/**
 * One owner's fan-out point inside the hub. It hands its connections the owner's events strictly
 * in sequence order, each once: the bus may deliver two transactions' events out of order (their
 * post-commit callbacks race), so an event that skips ahead is held until the missing ones arrive,
 * and if they do not within `gapWaitMs`, they are read from the log (one read per owner, not per
 * stream). Each event is encoded once for all of the owner's streams.
 */
import { dbFailed } from '../../observability/db-errors';
import { logger } from '../../observability/logger';
import type { EventLog } from '../log/event-log';
import type { LoggedEvent } from '../wire/events';
import { encodeFrame } from '../wire/sse';
import type { Connection } from './connection';

/** Events read per query when filling a gap. */
const GAP_READ_PAGE = 1_000;

/** What a channel tells its hub. */
export interface ChannelHooks {
  /** `event` was handed to `streams` streams. */
  delivered(event: LoggedEvent, streams: number): void;
  /** Events this channel read from the log (another instance's, or a gap's), before it delivers them. */
  readFromLog(events: readonly LoggedEvent[]): void;
}

export class OwnerChannel {
  readonly connections = new Set<Connection>();
  /** Highest sequence number handed to the connections; undefined until the first join reads the head. */
  private cursor?: number;
  private held = new Map<number, LoggedEvent>();
  /** Highest sequence number known to be committed (from another instance's NOTIFY). */
  private wanted = 0;
  private gapTimer?: ReturnType<typeof setTimeout>;
  private reading = false;
  private headRead?: Promise<number>;
  private disposed = false;

  constructor(
    readonly ownerId: number,
    private readonly log: EventLog,
    private readonly hooks: ChannelHooks,
    /** How long an out-of-order event waits for the missing ones before they are read from the log, ms. */
    private readonly gapWaitMs = 50,
  ) {}

  /**
   * Sets the cursor from a head just read from the log, if no event has set it yet. A position
   * announced meanwhile (NOTIFY during the head read) is caught up now.
   */
  initCursor(head: number): void {
    if (this.cursor !== undefined) return;
    this.cursor = head;
    for (const seq of this.held.keys()) if (seq <= head) this.held.delete(seq);
    this.release();
    if (this.wanted > this.cursor) this.scheduleGapRepair(0);
  }

  /**
   * The log head read once for every stream joining before the cursor is known: a reconnect storm
   * of an owner's streams costs one query, not one per stream.
   */
  readHead(): Promise<number> {
    this.headRead ??= this.log.head(this.ownerId).then(
      (head) => {
        this.initCursor(head);
        return head;
      },
      (err) => {
        this.headRead = undefined;
        throw err;
      },
    );
    return this.headRead;
  }

  /** The highest sequence number fanned out so far (undefined before the first join). */
  position(): number | undefined {
    return this.cursor;
  }

  /**
   * Another instance committed events up to `seq` (NOTIFY carries only the position): read what
   * this channel has not fanned out yet from the log, now.
   */
  advanceTo(seq: number): void {
    this.wanted = Math.max(this.wanted, seq);
    // Before the first head read there is no position yet: `initCursor` picks `wanted` up.
    if (this.cursor === undefined || seq <= this.cursor) return;
    this.scheduleGapRepair(0);
  }

  /** Takes an event from the bus. */
  receive(event: LoggedEvent): void {
    if (this.cursor !== undefined && event.seq <= this.cursor) return;
    this.held.set(event.seq, event);
    this.release();
  }

  private release(): void {
    if (this.cursor === undefined) return;
    let next: LoggedEvent | undefined;
    while ((next = this.held.get(this.cursor + 1))) {
      this.held.delete(next.seq);
      this.cursor = next.seq;
      this.fanOut(next);
    }
    if (this.held.size > 0) this.scheduleGapRepair(this.gapWaitMs);
    else if (this.wanted <= this.cursor) this.clearGapTimer();
  }

  private fanOut(event: LoggedEvent): void {
    const bytes = encodeFrame({ event: event.type, id: event.seq, data: event.data, ownerId: event.ownerId, timestamp: event.timestamp });
    for (const c of this.connections) c.deliver(event, bytes);
    this.hooks.delivered(event, this.connections.size);
  }

  private scheduleGapRepair(delayMs: number): void {
    if (this.gapTimer || this.reading) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      void this.repairGap();
    }, delayMs);
    this.gapTimer.unref?.();
  }

  /**
   * Reads (cursor, upTo] from the log, page by page (a large transaction or a catch-up after a lost
   * LISTEN may span thousands of events), where upTo covers both held gaps and remote positions.
   * Events the log no longer holds (pruned before this channel could read them) cannot be
   * delivered: the channel moves past them and ends its streams with `reconnect`, so each client
   * resumes from its own last id and the join tells it `reset {history_gap}` — never a silent skip.
   */
  private async repairGap(): Promise<void> {
    if (this.cursor === undefined || this.disposed) return;
    const heldGapEnd = this.held.size > 0 ? Math.min(...this.held.keys()) - 1 : 0;
    const upTo = Math.max(heldGapEnd, this.wanted);
    if (upTo <= this.cursor) return;
    this.reading = true;
    try {
      while (!this.disposed && this.cursor !== undefined && this.cursor < upTo) {
        const from: number = this.cursor;
        const page = await this.log.read(this.ownerId, from, upTo, GAP_READ_PAGE);
        if (this.disposed || this.cursor === undefined) break;
        const firstReadable = page.length > 0 ? page[0].seq : upTo + 1;
        if (firstReadable > this.cursor + 1) this.skipPruned(firstReadable - 1);
        if (page.length === 0) break;
        this.hooks.readFromLog(page);
        for (const e of page) this.receive(e);
      }
      this.reading = false;
      if (this.cursor !== undefined && (this.wanted > this.cursor || this.held.size > 0)) this.scheduleGapRepair(this.held.size > 0 ? this.gapWaitMs : 0);
    } catch (err) {
      this.reading = false;
      dbFailed('log_read', err, 'could not read the log to fill a gap; retrying in 1 s', { ownerId: this.ownerId });
      this.scheduleGapRepair(1_000);
    }
  }

  /** The log lost (cursor, seq] before this channel read it: move past and send every stream back to resume. */
  private skipPruned(seq: number): void {
    logger().warn({ ownerId: this.ownerId, from: (this.cursor ?? 0) + 1, to: seq }, 'events were pruned before delivery; streams resume from the log');
    for (const c of [...this.connections]) c.end({ event: 'reconnect', ownerId: this.ownerId, data: { retryMs: 0 } }, 'history_gap');
    this.cursor = seq;
    for (const held of this.held.keys()) if (held <= seq) this.held.delete(held);
    this.release();
  }

  private clearGapTimer(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }

  /** Stops timers; the channel is dropped when its last connection leaves. */
  dispose(): void {
    this.disposed = true;
    this.clearGapTimer();
    this.held.clear();
  }
}
