import { describe, expect, it, vi } from 'vitest';
import { Connection, type Transport } from './connection';
import { OwnerChannel } from './channel';
import type { EventLog } from '../log/event-log';
import type { LoggedEvent } from '../wire/events';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function fakeTransport(room: number) {
  const written: string[] = [];
  let capacity = room;
  const t: Transport & { written: string[]; setRoom(n: number): void; ended: boolean } = {
    written,
    ended: false,
    write: (chunk) => {
      written.push(text(chunk));
      capacity--;
    },
    capacity: () => capacity,
    end() {
      t.ended = true;
    },
    setRoom(n) {
      capacity = n;
    },
  };
  return t;
}

const frame = (s: string) => new TextEncoder().encode(s);
const event = (seq: number, ownerId = 1): LoggedEvent => ({ ownerId, seq, type: 'booking_created', data: { id: String(seq) } as never, timestamp: 0 });

describe('Connection', () => {
  it('conflates metrics while backpressured and writes only the newest', () => {
    const t = fakeTransport(0);
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 10 });
    c.state = 'live';
    c.send(frame('a'));
    c.sendMetrics(frame('m1'), 1);
    c.sendMetrics(frame('m2'), 2);
    c.send(frame('b'));
    expect(t.written).toEqual([]);
    t.setRoom(10);
    c.flush();
    expect(t.written).toEqual(['ab', 'm2']); // queued frames go out in one write
  });

  it('a slow consumer is disconnected with reconnect, never told to skip what it did not receive; closes once', () => {
    const t = fakeTransport(3); // the client reads 1–3, then stops reading
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 3, retryMs: 3000 });
    let closes = 0;
    c.onClose(() => closes++);
    c.state = 'live';
    for (let i = 1; i <= 8; i++) c.deliver(event(i), frame(`e${i}`));
    expect(c.closed).toBe(true);
    expect(c.closeReason).toBe('overflow');
    expect(t.written.slice(0, 3)).toEqual(['e1', 'e2', 'e3']);
    expect(t.written).toHaveLength(4);
    expect(t.written[3]).toContain('event: reconnect');
    expect(t.written[3]).toContain('"retryMs":3000');
    expect(t.written[3]).not.toContain('lastEventId'); // resumes after e3, the last it received: 4–8 come from the log
    expect(t.written.join('')).not.toContain('event: reset');
    expect(t.ended).toBe(true);
    c.close('client');
    c.deliver(event(9), frame('e9'));
    expect(closes).toBe(1);
    expect(t.written).toHaveLength(4);
  });

  it('an overflow while joining (held live events) disconnects the same way', () => {
    const t = fakeTransport(100);
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 3 });
    for (let i = 1; i <= 5; i++) c.deliver(event(i), frame(`e${i}`));
    expect(c.closeReason).toBe('overflow');
    expect(t.written).toHaveLength(1);
    expect(t.written[0]).toContain('event: reconnect');
    expect(t.written[0]).not.toContain('lastEventId');
  });

  it('orders snapshots by computation: an older one arriving after a newer one is dropped', () => {
    const t = fakeTransport(100);
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 10 });
    c.sendMetrics(frame('push@200'), 200); // a poller push while the join computes its snapshot …
    c.sendMetrics(frame('join@100'), 100); // … whose computation started earlier
    c.goLive();
    expect(t.written).toEqual(['push@200']);
    c.sendMetrics(frame('tick@300'), 300);
    expect(t.written).toEqual(['push@200', 'tick@300']);
  });

  it('under backpressure the join snapshot still goes out before the live events held during the replay', () => {
    const t = fakeTransport(0);
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 10 });
    c.deliver(event(1), frame('e1'));
    c.sendMetrics(frame('snapshot'), 1);
    c.goLive();
    c.deliver(event(2), frame('e2'));
    t.setRoom(10);
    c.flush();
    expect(t.written.join('')).toEqual('snapshote1e2');
  });

  it('holds live events while joining and releases only the newer ones, without duplicates', () => {
    const t = fakeTransport(100);
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 10 });
    for (const s of [4, 5, 6]) c.deliver(event(s), frame(`e${s}`));
    expect(t.written).toEqual([]);
    c.lastSeq = 5; // the replay ended at 5
    c.goLive();
    c.deliver(event(6), frame('e6-again'));
    c.deliver(event(7), frame('e7'));
    expect(t.written).toEqual(['e6', 'e7']);
  });
});

describe('OwnerChannel', () => {
  const hooks = { delivered: () => {}, readFromLog: () => {} };
  const log = (events: LoggedEvent[]): EventLog => ({
    head: async () => events.length,
    read: async (_o, after, upTo, limit = 1_000) => events.filter((e) => e.seq > after && e.seq <= upTo).slice(0, limit),
  });
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('fans out in sequence order when the bus delivers out of order', () => {
    const ch = new OwnerChannel(1, log([]), hooks);
    const seen: number[] = [];
    ch.connections.add({ deliver: (e: LoggedEvent) => seen.push(e.seq) } as never);
    ch.initCursor(0);
    ch.receive(event(2));
    ch.receive(event(3));
    expect(seen).toEqual([]);
    ch.receive(event(1));
    ch.receive(event(2));
    expect(seen).toEqual([1, 2, 3]);
    ch.dispose();
  });

  it('fills a gap from the log when the missing event never comes from the bus', async () => {
    const all = [1, 2, 3, 4].map((s) => event(s));
    const ch = new OwnerChannel(1, log(all), hooks, 10);
    const seen: number[] = [];
    ch.connections.add({ deliver: (e: LoggedEvent) => seen.push(e.seq) } as never);
    ch.initCursor(1);
    ch.receive(all[3]);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([2, 3, 4]);
    ch.dispose();
  });

  it('fills a gap of more than one page (1 500 events behind) completely, in order', async () => {
    const all = Array.from({ length: 1501 }, (_, i) => event(i + 1));
    const ch = new OwnerChannel(1, log(all), hooks, 0);
    const seen: number[] = [];
    ch.connections.add({ deliver: (e: LoggedEvent) => seen.push(e.seq) } as never);
    ch.initCursor(0);
    ch.receive(all[1500]); // #1501 arrives first (e.g. from the bus), 1–1500 come from the log
    await vi.waitFor(() => expect(seen).toHaveLength(1501));
    expect(seen).toEqual(all.map((e) => e.seq));
    ch.dispose();
  });

  it('catches up a position announced (NOTIFY) while the first head read is in flight', async () => {
    const all = [1, 2, 3, 4, 5].map((s) => event(s));
    let release!: (head: number) => void;
    const slowHead: EventLog = { ...log(all), head: () => new Promise((r) => (release = r)) };
    const ch = new OwnerChannel(1, slowHead, hooks, 0);
    const seen: number[] = [];
    ch.connections.add({ deliver: (e: LoggedEvent) => seen.push(e.seq) } as never);
    const head = ch.readHead();
    ch.advanceTo(5); // another instance committed #4 and #5 while the head (3) was being read
    release(3);
    await head;
    await vi.waitFor(() => expect(seen).toEqual([4, 5]));
    ch.dispose();
  });

  it('events pruned before the channel read them: its streams are sent back to resume, never silently skipped', async () => {
    const kept = [11, 12].map((s) => event(s)); // 1–10 pruned
    const ch = new OwnerChannel(1, log(kept), hooks, 0);
    const ends: string[] = [];
    ch.connections.add({ deliver: () => {}, end: (f: { event: string }, reason: string) => ends.push(`${f.event}/${reason}`) } as never);
    ch.initCursor(0);
    ch.advanceTo(12);
    await settle();
    expect(ends).toEqual(['reconnect/history_gap']);
    expect(ch.position()).toBe(12);
    ch.dispose();
  });
});
