import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventCursor } from './cursor';
import type { RealtimeError } from './errors';
import { FakeServer } from '../../test/support/fake-sse';
import { StreamLoop, type LoopConfig } from './reconnect-loop';
import type { ConnectionStatus, Frame } from './types';

const loops: StreamLoop[] = [];
afterEach(() => loops.splice(0).forEach((l) => l.stop()));

function start(srv: FakeServer, over: Partial<LoopConfig> = {}) {
  const frames: Frame[] = [];
  const statuses: ConnectionStatus[] = [];
  const errors: (RealtimeError | undefined)[] = [];
  const cfg: LoopConfig = {
    url: '/api/ws',
    ownerId: '1',
    token: 't1',
    cursor: new EventCursor(),
    fetch: srv.fetch,
    initialRetryMs: 10,
    random: () => 0.5,
    ...over,
  };
  const loop = new StreamLoop(cfg, {
    frame: (f) => frames.push(f),
    status: (s, e) => {
      statuses.push(s);
      errors.push(e);
    },
  });
  loops.push(loop);
  loop.start();
  return { loop, frames, statuses, errors, cfg };
}

const until = (fn: () => unknown) => vi.waitFor(() => expect(fn()).toBeTruthy(), { timeout: 2000, interval: 5 });

describe('StreamLoop', () => {
  it('goes connecting → connected on the connected frame, then reconnecting when the stream ends', async () => {
    const srv = new FakeServer();
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    await until(() => t.loop.status === 'connected');
    expect(t.loop.connectionId).toBe('c1');
    srv.last.end();
    await until(() => srv.streams.length === 2);
    expect(t.statuses.slice(0, 3)).toEqual(['connecting', 'connected', 'reconnecting']);
  });

  it('resumes with the last event id it handled and drops replayed duplicates', async () => {
    const srv = new FakeServer();
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('booking_created', { id: 'b1' }, 4);
    srv.last.frame('booking_created', { id: 'b2' }, 5);
    await until(() => t.frames.length === 3);
    srv.last.end();
    await until(() => srv.streams.length === 2);
    expect(srv.gets[1].headers['last-event-id']).toBe('5');
    srv.last.hello();
    srv.last.frame('booking_created', { id: 'b2' }, 5);
    srv.last.frame('booking_updated', { id: 'b2' }, 6);
    await until(() => t.frames.some((f) => f.id === '6'));
    expect(t.frames.filter((f) => f.id === '5')).toHaveLength(1);
  });

  it('adopts the connected frame position when it has seen no event yet', async () => {
    const srv = new FakeServer();
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello({ lastEventId: '17' });
    await until(() => t.loop.status === 'connected');
    srv.last.end();
    await until(() => srv.gets.length === 2);
    expect(srv.gets[1].headers['last-event-id']).toBe('17');
  });

  it('answers a reset frame with request_metrics and moves its cursor to the server position', async () => {
    const srv = new FakeServer();
    const t = start(srv, { cursor: new EventCursor('90') });
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('reset', { reason: 'history_gap', lastEventId: '120' });
    await until(() => srv.posts.length === 1);
    expect(JSON.parse(srv.posts[0].body!)).toMatchObject({ type: 'request_metrics', connectionId: 'c1', ownerId: '1' });
    expect(srv.posts[0].headers.authorization).toBe('Bearer t1');
    expect(t.cfg.cursor.value).toBe('120');
  });

  it('waits the retryMs of a reconnect frame', async () => {
    const srv = new FakeServer();
    start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('reconnect', { retryMs: 150 });
    const ended = Date.now();
    srv.last.end();
    await until(() => srv.streams.length === 2);
    expect(Date.now() - ended).toBeGreaterThanOrEqual(140);
  });

  it('on token_expired asks getToken and reconnects with the new token', async () => {
    const srv = new FakeServer();
    const t = start(srv, { getToken: async () => 't2' });
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('token_expired', { expiredAt: 1 });
    srv.last.end();
    await until(() => srv.gets.length === 2);
    expect(srv.gets[1].headers.authorization).toBe('Bearer t2');
    expect(t.loop.token).toBe('t2');
  });

  it('on token_expired without getToken reports disconnected with an error and stops', async () => {
    const srv = new FakeServer();
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('token_expired', { expiredAt: 1 });
    srv.last.end();
    await until(() => t.loop.status === 'disconnected');
    expect(t.errors.at(-1)?.code).toBe('token_expired');
    await new Promise((r) => setTimeout(r, 60));
    expect(srv.gets).toHaveLength(1);
  });

  it('refreshes once on a 401, then stops instead of retrying blindly', async () => {
    const srv = new FakeServer().reply(
      { status: 401, json: { error: 'invalid_token', message: 'Bad.' } },
      { status: 401, json: { error: 'invalid_token', message: 'Still bad.' } },
    );
    let n = 0;
    const t = start(srv, { getToken: async () => `fresh${++n}` });
    await until(() => t.loop.status === 'disconnected');
    expect(srv.gets.map((g) => g.headers.authorization)).toEqual(['Bearer t1', 'Bearer fresh1']);
    expect(t.errors.at(-1)).toMatchObject({ code: 'invalid_token', status: 401 });
  });

  it('stops at once on 403 and 404', async () => {
    for (const [status, error] of [
      [403, 'forbidden_owner'],
      [404, 'unknown_owner'],
    ] as const) {
      const srv = new FakeServer().reply({ status, json: { error, message: 'No.' } });
      const t = start(srv, { getToken: async () => 'other' });
      await until(() => t.loop.status === 'disconnected');
      expect(srv.gets).toHaveLength(1);
      expect(t.errors.at(-1)?.code).toBe(error);
    }
  });

  it('keeps retrying network errors and 503 with backoff, honouring Retry-After', async () => {
    const srv = new FakeServer().reply({ status: 503, json: { error: 'server_full', message: 'Full.' }, headers: { 'retry-after': '0' } }, { status: 502 });
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    await until(() => t.loop.status === 'connected');
    expect(t.statuses).toEqual(['connecting', 'connected']);
  });

  it('reconnects when nothing, not even a ping, arrives for 2 × heartbeatMs', async () => {
    const srv = new FakeServer();
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello({ heartbeatMs: 40 });
    await until(() => t.loop.status === 'connected');
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 40));
      srv.last.write(': ping\n\n');
    }
    expect(srv.streams).toHaveLength(1); // pings kept it alive for 160 ms > 80 ms
    await until(() => srv.streams.length === 2);
    expect(t.statuses).toContain('reconnecting');
  });

  it('stop() aborts the request and clears every timer', async () => {
    const srv = new FakeServer();
    const t = start(srv);
    await until(() => srv.streams.length === 1);
    srv.last.hello({ heartbeatMs: 20 });
    await until(() => t.loop.status === 'connected');
    t.loop.stop();
    expect(srv.last.closed).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(srv.gets).toHaveLength(1);
    expect(t.statuses.at(-1)).toBe('disconnected');
  });

  it('refreshes the token before it expires and hands it to the live stream', async () => {
    const srv = new FakeServer();
    srv.postReply = () => ({ status: 200, json: { ok: true, expiresAt: Date.now() + 3_600_000 } });
    const t = start(srv, { getToken: async () => 't2' });
    await until(() => srv.streams.length === 1);
    srv.last.hello({ tokenExpiresAt: Date.now() + 1_100 });
    await until(() => srv.posts.length === 1);
    expect(JSON.parse(srv.posts[0].body!)).toMatchObject({ type: 'auth', token: 't2', connectionId: 'c1' });
    expect(srv.posts[0].headers.authorization).toBe('Bearer t2');
    expect(srv.gets).toHaveLength(1);
    expect(t.loop.status).toBe('connected');
  });
});
