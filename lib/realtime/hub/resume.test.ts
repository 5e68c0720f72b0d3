import { sql } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOwner, publishEvents } from '../../../test/support/fixtures';
import { openStream, streamTracker, type SseClient } from '../../../test/support/sse-client';
import { resetConfig } from '../../config';
import { rows, type Db } from '../../db/client';
import { pruneEvents, readEvents } from '../log/event-log';
import { transactWithEvents } from '../log/publish';
import { getDb, getRuntime } from '../../runtime';

let db: Db;
const { track, closeAll } = streamTracker();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  process.env.WS_MAX_BUFFERED_FRAMES = '16';
  resetConfig();
  db = await getDb();
});
afterEach(async () => {
  const hub = (await getRuntime()).hub;
  await closeAll(() => hub.connectionCount());
});

describe('exact resume from the log', () => {
  it('replays exactly the events after Last-Event-ID (header or query), in order, before live ones', async () => {
    const o = await createOwner(db);
    const seqs = await publishEvents(o.ownerId, 100);
    expect(seqs).toEqual(range(1, 100));
    for (const how of ['header', 'query'] as const) {
      const s = await track(openStream({ token: o.token, ...(how === 'header' ? { lastEventId: 37 } : { queryLastEventId: 37 }) }));
      await s.next('metrics_updated');
      expect(s.frames[0].envelope.data.lastEventId).toBe('37');
      expect(s.seqs()).toEqual(range(38, 100));
      expect(s.frames.findIndex((f) => f.event === 'metrics_updated')).toBe(1 + 63); // connected, 63 events, snapshot
      s.close();
    }
    const live = await track(openStream({ token: o.token, lastEventId: 100 }));
    await live.next('metrics_updated');
    await publishEvents(o.ownerId, 1);
    await live.until(() => live.seqs().length === 1);
    expect(live.seqs()).toEqual([101]);
  });

  it('loses nothing and duplicates nothing across the replay/live seam while events keep arriving', async () => {
    const o = await createOwner(db);
    await publishEvents(o.ownerId, 20);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 120; i++) {
        await publishEvents(o.ownerId, 1);
        await new Promise((r) => setTimeout(r, 3));
      }
      writing = false;
    })();
    const streams: SseClient[] = [];
    while (writing && streams.length < 15) {
      streams.push(await track(openStream({ token: o.token, lastEventId: 10 + streams.length })));
      await new Promise((r) => setTimeout(r, 15));
    }
    await writer;
    expect(streams.length).toBeGreaterThan(3);
    for (const [i, s] of streams.entries()) {
      await s.until(() => s.seqs().at(-1) === 140, 5_000, `stream ${i} to reach 140`);
      expect(s.seqs()).toEqual(range(11 + i, 140));
    }
  });

  it('gives a fresh stream the head as its id, so a reconnect resumes from there', async () => {
    const o = await createOwner(db);
    await publishEvents(o.ownerId, 5);
    const s = await track(openStream({ token: o.token }));
    const connected = await s.next('connected');
    expect(connected.id).toBe('5');
    s.close();
    await publishEvents(o.ownerId, 3); // while the client is away
    const again = await track(openStream({ token: o.token, lastEventId: connected.id }));
    await again.next('metrics_updated');
    expect(again.seqs()).toEqual([6, 7, 8]);
  });

  it('sends one reset (with the head as id) when the log no longer reaches back, or the id is from the future', async () => {
    const o = await createOwner(db);
    await publishEvents(o.ownerId, 30);
    const pruned = await pruneEvents(db, { maxAgeMs: -60_000, keepPerOwner: 10 });
    expect(pruned).toBeGreaterThanOrEqual(20);
    expect((await readEvents(db, o.ownerId, 0))[0].seq).toBe(21);
    for (const lastEventId of [5, 999]) {
      const s = await track(openStream({ token: o.token, lastEventId }));
      await s.next('metrics_updated');
      // (a poller push may add a second metrics_updated after the snapshot)
      expect(s.frames.slice(0, 3).map((f) => f.event)).toEqual(['connected', 'reset', 'metrics_updated']);
      expect(s.seqs()).toEqual([]);
      expect(s.frames[1].id).toBe('30');
      expect(s.frames[1].envelope.data).toEqual({ reason: 'history_gap', lastEventId: '30' });
      s.close();
    }
    // Still inside the log: a normal replay.
    const ok = await track(openStream({ token: o.token, lastEventId: 20 }));
    await ok.next('metrics_updated');
    expect(ok.seqs()).toEqual(range(21, 30));
  });
});

describe('a client far behind', () => {
  it('gets its whole history when the log still holds it, however long (no replay cap, no reset), paged and paced', async () => {
    const o = await createOwner(db);
    await transactWithEvents(async (_tx, emit) => {
      for (let i = 0; i < 6_000; i++)
        await emit(o.ownerId, 'revenue_received', {
          bookingId: String(i),
          amount: 1,
          currency: 'BRL',
          paymentIntentId: `pi_${i}`,
          receivedAt: new Date(0).toISOString(),
        });
    });
    const s = await track(openStream({ token: o.token, lastEventId: 10 }));
    await s.until(() => s.seqs().at(-1) === 6_000 || s.ended, 60_000, 'the whole replay');
    expect(s.of('reset')).toHaveLength(0);
    expect(s.seqs()).toEqual(range(11, 6_000));
  }, 120_000);
});

describe('the transactional log', () => {
  it('numbers concurrent writers of one owner gap-free, and a live stream gets them in order', async () => {
    const o = await createOwner(db);
    const s = await track(openStream({ token: o.token }));
    await s.next('metrics_updated');
    const seqs = (await Promise.all(Array.from({ length: 40 }, () => publishEvents(o.ownerId, 1)))).flat();
    expect([...seqs].sort((a, b) => a - b)).toEqual(range(1, 40));
    await s.until(() => s.seqs().length === 40);
    expect(s.seqs()).toEqual(range(1, 40));
  });

  it('publishes nothing and consumes no number for a rolled-back transaction', async () => {
    const o = await createOwner(db);
    await publishEvents(o.ownerId, 2);
    const seen: number[] = [];
    const off = (await getRuntime()).bus.subscribe((events) => seen.push(...events.filter((e) => e.ownerId === o.ownerId).map((e) => e.seq)));
    await expect(
      transactWithEvents(async (_tx, emit) => {
        await emit(o.ownerId, 'revenue_received', { bookingId: '1', amount: 1, currency: 'BRL', paymentIntentId: 'pi', receivedAt: '' });
        throw new Error('payment provider said no');
      }),
    ).rejects.toThrow('payment provider said no');
    const logged = await rows<{ n: number }>(db, sql`select count(*)::int as n from realtime_events where owner_id = ${o.ownerId}`);
    expect(logged[0].n).toBe(2);
    expect(seen).toEqual([]);
    expect(await publishEvents(o.ownerId, 1)).toEqual([3]);
    expect(seen).toEqual([3]);
    off();
  });
});

describe('slow consumers', () => {
  it('disconnects a stream that stops reading (reconnect, no skip hint), and the client loses nothing on resume from what it received', async () => {
    const o = await createOwner(db);
    const slow = await openStream({ token: o.token, read: false });
    await new Promise((r) => setTimeout(r, 50));
    await publishEvents(o.ownerId, 200);
    const hub = (await getRuntime()).hub;
    await expect.poll(() => hub.connectionCount(o.ownerId)).toBe(0); // closed by overflow
    expect(hub.stats.bufferOverflows).toBeGreaterThanOrEqual(1);
    slow.startReading();
    await slow.until(() => slow.ended, 5_000, 'end of the slow stream');
    const last = slow.frames.at(-1)!;
    expect(last.event).toBe('reconnect');
    expect(slow.frames.some((f) => f.event === 'reset')).toBe(false);
    const got = slow.seqs();
    expect(got).toEqual(range(1, got.length));
    expect(got.length).toBeLessThan(200);
    const resumed = await track(openStream({ token: o.token, lastEventId: got.at(-1) }));
    await resumed.next('metrics_updated');
    expect([...got, ...resumed.seqs()]).toEqual(range(1, 200));
  });
});
