/**
 * How a new stream catches up without gap or duplicate (Mercure's order, over our log): the
 * connection is registered first, so every event the bus delivers from then on is held for it;
 * then the log head is read and the events after the client's `Last-Event-ID` up to that head are
 * replayed, page by page at the client's pace; then the held live events newer than the last
 * replayed one go out. A client whose position is no longer in the log (pruned, or from the
 * future) gets one `reset`; a client far behind whose history is still there gets all of it.
 */
import { dbFailed } from '../../observability/db-errors';
import type { EventLog } from '../log/event-log';
import type { LoggedEvent, MetricsSnapshot } from '../wire/events';
import { encodeFrame } from '../wire/sse';
import type { OwnerChannel } from './channel';
import type { Connection } from './connection';

/** Events read from the log per replay query. */
const REPLAY_PAGE = 1_000;

/** What a join needs of its hub. */
export interface JoinContext {
  log: EventLog;
  metrics: { get(ownerId: number): Promise<MetricsSnapshot> };
  heartbeatMs: number;
  /** Counts a `reset` sent. */
  onReset(): void;
  /** Counts events replayed from the log. */
  onReplayed(events: number): void;
}

/** Runs the connected → replay/reset → metrics → live sequence for a freshly opened connection. */
export async function joinStream(ctx: JoinContext, channel: OwnerChannel, c: Connection, lastEventId?: number): Promise<void> {
  const { log, metrics, heartbeatMs } = ctx;
  const ownerId = c.ownerId;
  // Computed while the head is read; a push computed later still wins (snapshots are versioned).
  const snapshot = metrics.get(ownerId);
  snapshot.catch(() => undefined);
  try {
    const head = await startPosition(log, channel, ownerId, lastEventId);
    if (c.closed) return;
    const replay = lastEventId === undefined ? [] : await firstPage(log, ownerId, lastEventId, head);
    if (c.closed) return;
    c.send(
      encodeFrame({
        event: 'connected',
        ownerId,
        // A fresh stream starts at the head: giving the client that id means a reconnect before
        // the first event still resumes from here instead of silently skipping what it missed.
        id: lastEventId === undefined ? head : undefined,
        data: { connectionId: c.id, heartbeatMs, lastEventId: lastEventId === undefined ? null : String(lastEventId), tokenExpiresAt: c.exp * 1000 },
      }),
    );
    if (replay !== 'gap' && replay.length > 0) c.uncork(); // the replay is paced by the client's reads
    if (replay === 'gap') {
      ctx.onReset();
      c.send(encodeFrame({ event: 'reset', ownerId, id: head, data: { reason: 'history_gap', lastEventId: String(head) } }));
      c.lastSeq = head;
    } else {
      c.lastSeq = lastEventId ?? head;
      if (!(await replayUpTo(log, c, replay, head, ctx.onReplayed))) return;
    }
    await sendSnapshot(c);
    c.goLive();
  } catch (err) {
    dbFailed('stream_start', err, 'could not start a stream (log unreadable); it ends with error', { ownerId });
    c.end({ event: 'error', ownerId, data: { code: 'database_unavailable', message: 'The event log could not be read; reconnecting.' } }, 'error');
  }

  async function sendSnapshot(conn: Connection): Promise<void> {
    try {
      const value = await snapshot;
      if (!conn.closed) conn.sendMetrics(encodeFrame({ event: 'metrics_updated', ownerId, data: value }), value.lastUpdate);
    } catch (err) {
      dbFailed('metrics', err, 'no metrics snapshot for a joining stream', { ownerId });
    }
  }
}

/**
 * Where this stream's replay ends and live delivery begins. Once the owner's channel has a
 * position, every later event reaches the channel (and so this registered stream), so a fresh
 * stream, or one resuming exactly there, needs no query: a reconnect storm costs one head read
 * per owner, not per stream. Otherwise the log head is read; another stream may meanwhile have
 * set the channel past it, in which case what lies between was fanned out before this stream could
 * hold it, so the replay runs up to the channel's position instead.
 */
async function startPosition(log: EventLog, channel: OwnerChannel, ownerId: number, lastEventId?: number): Promise<number> {
  const known = channel.position();
  if (known !== undefined && (lastEventId === undefined || lastEventId === known)) return known;
  // A client ahead of the channel needs the log's own head; everyone else shares one read.
  const logHead = known !== undefined ? await log.head(ownerId) : await channel.readHead();
  channel.initCursor(logHead);
  return Math.max(logHead, channel.position() ?? 0);
}

/**
 * The first page of events after `after` (up to `head`), or 'gap' when the log cannot provide
 * them from `after + 1` on: pruned, or a position from the future.
 */
async function firstPage(log: EventLog, ownerId: number, after: number, head: number): Promise<LoggedEvent[] | 'gap'> {
  if (after === head) return [];
  if (after > head) return 'gap';
  const events = await log.read(ownerId, after, head, REPLAY_PAGE);
  return events[0]?.seq === after + 1 ? events : 'gap';
}

/**
 * Sends `page` and the pages after it up to `head`, each frame paced by the client's reads.
 * Returns false when the stream closed, or was sent back to resume because the log lost events
 * while it was being replayed (the rejoin then tells the client `reset`).
 */
async function replayUpTo(log: EventLog, c: Connection, first: LoggedEvent[], head: number, onReplayed: (n: number) => void): Promise<boolean> {
  let page = first;
  while (page.length > 0) {
    for (const e of page) {
      if (e.seq !== c.lastSeq + 1) {
        c.end({ event: 'reconnect', ownerId: c.ownerId, data: { retryMs: 0 } }, 'history_gap');
        return false;
      }
      c.send(encodeFrame({ event: e.type, id: e.seq, data: e.data, ownerId: c.ownerId, timestamp: e.timestamp }));
      c.lastSeq = e.seq;
      onReplayed(1);
      await c.waitForRoom();
      if (c.closed) return false;
    }
    page = c.lastSeq < head ? await log.read(c.ownerId, c.lastSeq, head, REPLAY_PAGE) : [];
    if (c.closed) return false;
  }
  if (c.lastSeq < head) c.end({ event: 'reconnect', ownerId: c.ownerId, data: { retryMs: 0 } }, 'history_gap');
  return !c.closed;
}
