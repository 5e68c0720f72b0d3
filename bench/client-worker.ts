/**
 * A stream bench client process (forked by bench/stream.ts with an IPC channel). It holds its
 * share of the SSE streams with raw `node:http` requests (one socket each, no agent) and a
 * minimal SSE frame splitter: only the `id:` and `event:` lines are read, `data:` is not parsed,
 * so the client costs as little CPU per frame as possible. For every domain event (a frame with
 * an `id:` that is not `connected`/`reset`) it records (ownerId, seq, receive time).
 */
import { request, type ClientRequest } from 'node:http';
import type { ReceiptMatch, StreamSpec, WorkerCommand, WorkerReply, WorkerStatus } from './lib/protocol';
import { nowMs } from './lib/stats';

const RETRY_MS = 250;
const MAX_RETRIES = 40;

interface Held {
  spec: StreamSpec;
  req?: ClientRequest;
  live: boolean;
  lastId?: string;
  generation: number;
  retries: number;
}

let port = 0;
let path = '/api/ws';
const held: Held[] = [];
const errors: Record<string, number> = {};
const frames: Record<string, number> = {};
let drops = 0;
let live = 0;
let receipts: number[] = [];
/** Streams of the current open/storm still waiting for `connected`. */
let waiting = 0;
const queue: Held[] = [];
let inFlight = 0;
let concurrency = Infinity;
/** The frame that makes a stream live: `connected`, or the first `metrics_updated` (the end of the app's join). */
let liveOn: 'connected' | 'metrics_updated' = 'connected';
/** What a receipt records (see `ReceiptMatch`). */
let match: ReceiptMatch = 'seq';
/** The frames whose booking id the write bench matches: a booking created, or its status changed. */
const BOOKING_EVENTS = new Set(['booking_created', 'booking_updated']);

const send = (m: WorkerReply) => process.send?.(m);
const countError = (key: string) => (errors[key] = (errors[key] ?? 0) + 1);

function status(): WorkerStatus {
  return { total: held.length, live, errors: { ...errors }, drops, receipts: receipts.length / 3, frames: { ...frames } };
}

function markLive(h: Held): void {
  if (h.live) return;
  h.live = true;
  live++;
  inFlight--;
  pump();
  if (--waiting === 0) send({ type: 'all-live', at: nowMs(), status: status() });
}

function markDown(h: Held): void {
  if (!h.live) return;
  h.live = false;
  live--;
}

/** Handles one SSE frame (text between blank lines). */
function onFrame(h: Held, frame: string): void {
  const at = nowMs();
  let id: string | undefined;
  let event = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (match === 'booking' && line.startsWith('data: ')) data = line.slice(6);
  }
  if (id !== undefined) h.lastId = id;
  if (event === liveOn) markLive(h);
  if (event === 'connected') return;
  if (id !== undefined && event !== 'reset') {
    if (match === 'seq') receipts.push(h.spec.ownerId, Number(id), at);
    else if (BOOKING_EVENTS.has(event)) receipts.push(h.spec.ownerId, bookingIdOf(data), at);
    return;
  }
  frames[event] = (frames[event] ?? 0) + 1;
}

/** The booking id in a `booking_created` / `booking_updated` envelope's data (NaN when absent). */
function bookingIdOf(data: string): number {
  try {
    return Number((JSON.parse(data) as { data?: { id?: string } }).data?.id);
  } catch {
    return Number.NaN;
  }
}

/** Retries a refused or failed attempt later (bounded), keeping its place in the wait count. */
function retryLater(h: Held, gen: number, key: string): void {
  countError(key);
  if (h.generation !== gen) return;
  inFlight--;
  h.req = undefined;
  if (++h.retries > MAX_RETRIES) {
    countError('gave_up');
    if (--waiting === 0) send({ type: 'all-live', at: nowMs(), status: status() });
    return pump();
  }
  setTimeout(() => {
    if (h.generation !== gen) return;
    inFlight++;
    connect(h);
  }, RETRY_MS);
  pump();
}

/** Opens (or reopens, with Last-Event-ID) one stream. */
function connect(h: Held): void {
  const gen = ++h.generation;
  const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${h.spec.token}` };
  if (h.lastId !== undefined) headers['Last-Event-ID'] = h.lastId;
  const req = request({ host: '127.0.0.1', port, path: `${path}?ownerId=${h.spec.ownerId}`, headers, agent: false });
  h.req = req;
  req.on('error', (err: NodeJS.ErrnoException) => {
    if (h.generation === gen && !h.live) retryLater(h, gen, err.code ?? 'error');
  });
  req.on('response', (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      return retryLater(h, gen, String(res.statusCode));
    }
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        onFrame(h, frame);
      }
    });
    res.on('close', () => {
      if (h.generation !== gen) return; // we closed it ourselves (storm/close)
      drops++;
      const wasLive = h.live;
      markDown(h);
      if (wasLive) {
        // The server ended a live stream: resume like a real client (counted as a drop).
        waiting++;
        inFlight++;
        connect(h);
      } else retryLater(h, gen, 'closed_before_live');
    });
  });
  req.end();
}

/** Starts queued connects while fewer than `concurrency` are in flight. */
function pump(): void {
  while (queue.length > 0 && inFlight < concurrency) {
    const h = queue.shift()!;
    inFlight++;
    connect(h);
  }
}

function start(list: Held[], limit: number): void {
  waiting += list.length;
  concurrency = limit;
  queue.push(...list);
  if (list.length === 0) send({ type: 'all-live', at: nowMs(), status: status() });
  pump();
}

/** Drops every socket at once and reconnects all of them at once with Last-Event-ID. */
function storm(): void {
  for (const h of held) {
    h.generation++;
    h.req?.destroy();
    h.req = undefined;
    markDown(h);
    h.retries = 0;
  }
  inFlight = 0;
  start(held, Infinity);
}

function closeAll(): void {
  for (const h of held) {
    h.generation++;
    h.req?.destroy();
  }
  send({ type: 'closed' });
  setTimeout(() => process.exit(0), 200).unref();
}

process.on('message', (m: WorkerCommand) => {
  switch (m.cmd) {
    case 'open': {
      port = m.port;
      path = m.path;
      liveOn = m.liveOn ?? 'connected';
      match = m.match ?? 'seq';
      const list = m.streams.map((spec): Held => ({ spec, live: false, generation: 0, retries: 0 }));
      held.push(...list);
      return start(list, m.concurrency);
    }
    case 'storm':
      return storm();
    case 'status':
      return send({ type: 'status', status: status() });
    case 'take': {
      const data = receipts;
      receipts = [];
      return send({ type: 'receipts', data });
    }
    case 'close':
      return closeAll();
  }
});
process.on('disconnect', () => process.exit(0));
