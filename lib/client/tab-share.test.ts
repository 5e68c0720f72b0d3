import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventCursor } from './cursor';
import { FakeServer } from '../../test/support/fake-sse';
import { SharedStream, type TabEnvironment } from './tab-share';
import type { ConnectionStatus, Frame } from './types';

/** An in-process Web Locks stand-in: exclusive, FIFO, abortable while waiting. */
class FakeLocks {
  private held = new Set<string>();
  private queue = new Map<string, (() => void)[]>();

  request(name: string, opts: { signal?: AbortSignal }, cb: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const run = () => {
        this.held.add(name);
        void Promise.resolve(cb()).finally(() => {
          this.held.delete(name);
          resolve();
          this.pump(name);
        });
      };
      const q = this.queue.get(name) ?? [];
      this.queue.set(name, q);
      q.push(run);
      opts.signal?.addEventListener('abort', () => {
        const i = q.indexOf(run);
        if (i >= 0) q.splice(i, 1);
        if (i >= 0) reject(new DOMException('aborted', 'AbortError'));
      });
      queueMicrotask(() => this.pump(name));
    });
  }

  private pump(name: string): void {
    if (this.held.has(name)) return;
    this.queue.get(name)?.shift()?.();
  }
}

const participants: SharedStream[] = [];
afterEach(() => participants.splice(0).forEach((p) => p.stop()));

function tab(srv: FakeServer, env: TabEnvironment, token = 't') {
  const frames: Frame[] = [];
  const statuses: ConnectionStatus[] = [];
  const cursor = new EventCursor();
  const p = new SharedStream(
    { url: '/api/ws', ownerId: '5', token, cursor, fetch: srv.fetch, initialRetryMs: 10, random: () => 0.5 },
    { frame: (f) => frames.push(f), status: (s) => statuses.push(s) },
    env,
  );
  participants.push(p);
  p.start();
  return { p, frames, statuses, cursor, status: () => statuses.at(-1) };
}

const until = (fn: () => unknown) => vi.waitFor(() => expect(fn()).toBeTruthy(), { timeout: 2000, interval: 5 });
const env = (): TabEnvironment => ({ locks: new FakeLocks() as unknown as LockManager, channel: (n) => new BroadcastChannel(n) });

describe('SharedStream (tabs share one stream)', () => {
  it('opens one stream for three tabs; every tab gets every frame and the connected status', async () => {
    const srv = new FakeServer();
    const e = env();
    const tabs = [tab(srv, e), tab(srv, e), tab(srv, e)];
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('metrics_updated', { revenueToday: 1 });
    srv.last.frame('booking_created', { id: 'b' }, 8);
    await until(() => tabs.every((t) => t.frames.length === 3 && t.status() === 'connected'));
    expect(tabs.filter((t) => t.p.isLeader)).toHaveLength(1);
    expect(tabs.map((t) => t.cursor.value)).toEqual(['8', '8', '8']);
    expect(srv.gets).toHaveLength(1);
  });

  it('a late tab gets the latest metrics snapshot and the leader position at once', async () => {
    const srv = new FakeServer();
    const e = env();
    tab(srv, e);
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('metrics_updated', { revenueToday: 42 });
    srv.last.frame('booking_created', { id: 'b' }, 30);
    await new Promise((r) => setTimeout(r, 20));
    const late = tab(srv, e);
    await until(() => late.status() === 'connected' && late.frames.length === 1);
    expect(late.frames[0].message.data).toEqual({ revenueToday: 42 });
    expect(late.cursor.value).toBe('30');
  });

  it('when the leader leaves, the next tab resumes from the last event id; nothing lost or repeated', async () => {
    const srv = new FakeServer();
    const e = env();
    const a = tab(srv, e);
    await until(() => srv.streams.length === 1);
    const b = tab(srv, e);
    srv.last.hello();
    srv.last.frame('booking_created', { id: 'x' }, 11);
    await until(() => b.frames.length === 2);
    a.p.stop();
    await until(() => srv.streams.length === 2);
    expect(b.p.isLeader).toBe(true);
    expect(srv.gets[1].headers['last-event-id']).toBe('11');
    srv.last.hello();
    srv.last.frame('booking_created', { id: 'x' }, 11); // a replay overlap is dropped
    srv.last.frame('booking_created', { id: 'y' }, 12);
    await until(() => b.cursor.value === '12');
    expect(b.frames.filter((f) => f.event === 'booking_created').map((f) => f.id)).toEqual(['11', '12']);
    expect(b.statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it("a follower's stop() leaves the leader's stream and the other tabs alone", async () => {
    const srv = new FakeServer();
    const e = env();
    const a = tab(srv, e);
    await until(() => srv.streams.length === 1);
    const b = tab(srv, e);
    const c = tab(srv, e);
    srv.last.hello();
    await until(() => c.status() === 'connected');
    b.p.stop();
    srv.last.frame('booking_created', { id: 'z' }, 3);
    await until(() => c.frames.some((f) => f.id === '3'));
    expect(srv.last.closed).toBe(false);
    expect(a.status()).toBe('connected');
    expect(b.frames.some((f) => f.id === '3')).toBe(false);
    expect(srv.gets).toHaveLength(1);
  });

  it('a leader refused for good hands over instead of holding the lock', async () => {
    const srv = new FakeServer().reply({ status: 403, json: { error: 'forbidden_owner', message: 'No.' } });
    const e = env();
    const a = tab(srv, e, 'bad');
    const b = tab(srv, e, 'good');
    await until(() => srv.streams.length === 1);
    expect(a.status()).toBe('disconnected');
    expect(srv.gets.map((g) => g.headers.authorization)).toEqual(['Bearer bad', 'Bearer good']);
    srv.last.hello();
    await until(() => b.status() === 'connected');
  });
});
