import { describe, expect, it } from 'vitest';
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
    c.sendMetrics(frame('m1'));
    c.sendMetrics(frame('m2'));
    c.send(frame('b'));
    expect(t.written).toEqual([]);
    t.setRoom(10);
    c.flush();
    expect(t.written).toEqual(['a', 'b', 'm2']);
  });

  it('never drops domain events: past the bound it writes reset and closes once', () => {
    const t = fakeTransport(0);
    const c = new Connection({ id: 'c', ownerId: 1, userId: 1, exp: 0, transport: t, maxQueued: 3 });
    let closes = 0;
    c.onClose(() => closes++);
    c.state = 'live';
    for (let i = 1; i <= 5; i++) c.deliver(event(i), frame(`e${i}`));
    expect(c.closed).toBe(true);
    expect(c.closeReason).toBe('overflow');
    expect(t.written).toHaveLength(1);
    expect(t.written[0]).toContain('"reason":"overflow"');
    expect(t.ended).toBe(true);
    c.close('client');
    c.deliver(event(6), frame('e6'));
    expect(closes).toBe(1);
    expect(t.written).toHaveLength(1);
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
    read: async (_o, after, upTo) => events.filter((e) => e.seq > after && e.seq <= upTo),
  });

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
});
