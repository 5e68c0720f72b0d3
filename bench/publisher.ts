/**
 * The stream bench's event publisher (forked by bench/stream.ts, `DATABASE_URL` = the bench
 * database). It publishes through the app's real path, `transactWithEvents`: each event is
 * appended to the log in its own transaction, PostgreSQL delivers the `ownerId:seq` NOTIFY on
 * commit, and the server under test (or the floor) picks it up from there. For every event it
 * reports the moment the commit was acknowledged here (ms, comparable across processes), which is
 * what delivery latency is measured from.
 */
import { transactWithEvents } from '../lib/realtime/log/publish';
import type { OccupancyChangedData } from '../lib/realtime/wire/events';
import { nowMs, sleep } from './lib/stats';

/** Orchestrator → publisher. */
export type PublisherCommand = { cmd: 'steady'; owners: number[]; rate: number; seconds: number } | { cmd: 'broadcast'; owners: number[] } | { cmd: 'close' };

/** Publisher → orchestrator. */
export type PublisherReply =
  /** `events`: flattened (ownerId, seq, committedAt) triples; `lateMs`: worst start delay behind schedule. */
  | { type: 'steady-done'; events: number[]; lateMs: number; failed: number; elapsedMs: number }
  /** One transaction with one event per owner: flattened (ownerId, seq) pairs and its commit time. */
  | { type: 'broadcast-done'; pairs: number[]; startedAt: number; committedAt: number }
  | { type: 'error'; message: string };

/** Events published in flight at most (open loop: a slow commit does not delay the next event's start). */
const MAX_IN_FLIGHT = 64;

const reply = (m: PublisherReply) => process.send?.(m);

function payload(ownerId: number, n: number): OccupancyChangedData {
  return {
    hangarId: ownerId,
    hangarNumber: `B-${n}`,
    occupancyRate: n % 100,
    totalSpots: 4,
    occupiedSpots: n % 4,
    isNowOccupied: n % 2 === 0,
    timestamp: Date.now(),
  };
}

/** Fisher–Yates, so consecutive events go to different owners. */
function shuffled(list: number[]): number[] {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** `rate` events per second for `seconds`, round-robin over the owners in random order. */
async function steady(owners: number[], rate: number, seconds: number): Promise<void> {
  const order = shuffled(owners);
  const total = Math.round(rate * seconds);
  const events: number[] = [];
  const pending = new Set<Promise<void>>();
  let lateMs = 0;
  let failed = 0;
  const t0 = nowMs();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 1) await sleep(wait);
    while (pending.size >= MAX_IN_FLIGHT) await Promise.race(pending);
    lateMs = Math.max(lateMs, nowMs() - due);
    const ownerId = order[i % order.length];
    const p = transactWithEvents((_tx, emit) => emit(ownerId, 'occupancy_changed', payload(ownerId, i)))
      .then((e) => void events.push(ownerId, e.seq, nowMs()))
      .catch(() => void failed++)
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  reply({ type: 'steady-done', events, lateMs, failed, elapsedMs: nowMs() - t0 });
}

/** One transaction that appends an event for every owner: all of them commit (and notify) at once. */
async function broadcast(owners: number[]): Promise<void> {
  const startedAt = nowMs();
  const pairs = await transactWithEvents(async (_tx, emit) => {
    const out: number[] = [];
    for (const ownerId of owners) out.push(ownerId, (await emit(ownerId, 'occupancy_changed', payload(ownerId, -1))).seq);
    return out;
  });
  reply({ type: 'broadcast-done', pairs, startedAt, committedAt: nowMs() });
}

process.on('message', (m: PublisherCommand) => {
  const run = m.cmd === 'steady' ? steady(m.owners, m.rate, m.seconds) : m.cmd === 'broadcast' ? broadcast(m.owners) : Promise.resolve(process.exit(0));
  run.catch((err: Error) => reply({ type: 'error', message: err.stack ?? String(err) }));
});
process.on('disconnect', () => process.exit(0));
