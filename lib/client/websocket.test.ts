import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from '../../test/support/fake-sse';
import { closeWebSocket, getWebSocketManager, initWebSocket, WebSocketManager } from './websocket';

const managers: WebSocketManager[] = [];
afterEach(() => {
  managers.splice(0).forEach((m) => m.disconnect());
  closeWebSocket();
});

function manager(srv: FakeServer, ownerId = '1', token = 't1') {
  const m = new WebSocketManager(ownerId, token, { fetch: srv.fetch, shareTabs: false, initialRetryMs: 10, random: () => 0.5 });
  managers.push(m);
  return m;
}

const until = (fn: () => unknown) => vi.waitFor(() => expect(fn()).toBeTruthy(), { timeout: 2000, interval: 5 });

describe('WebSocketManager', () => {
  it('connect() resolves on the connected frame; listeners get only message.data', async () => {
    const srv = new FakeServer();
    const m = manager(srv);
    const metrics: unknown[] = [];
    const bookings: unknown[] = [];
    m.subscribeToMetricsUpdates((d) => metrics.push(d));
    m.subscribeToBookingNotifications((d) => bookings.push(d));
    const ready = m.connect();
    expect(m.getConnectionStatus()).toBe('connecting');
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    await ready;
    expect(m.isConnected()).toBe(true);
    srv.last.frame('metrics_updated', { revenueToday: 12.5, bookingsToday: 2 });
    srv.last.frame('booking_created', { id: '9', guestName: 'Ana' }, 1);
    await until(() => bookings.length === 1);
    expect(metrics).toEqual([{ revenueToday: 12.5, bookingsToday: 2 }]);
    expect(bookings).toEqual([{ id: '9', guestName: 'Ana' }]);
    expect(m.getLastEventId()).toBe('1');
  });

  it('gives occupancy listeners hangarId as a string, as the portal typed it', async () => {
    const srv = new FakeServer();
    const m = manager(srv);
    const got: unknown[] = [];
    m.subscribeToOccupancyChanges((c) => got.push(c.hangarId));
    await until(() => {
      m.connect();
      return srv.streams.length === 1;
    });
    srv.last.hello();
    srv.last.frame('occupancy_changed', { hangarId: 12, hangarNumber: 'H-12' }, 3);
    await until(() => got.length === 1);
    expect(got).toEqual(['12']);
  });

  it('unsubscribe stops delivery; a throwing listener does not starve the others', async () => {
    const srv = new FakeServer();
    const m = manager(srv);
    const seen: string[] = [];
    const off = m.subscribe('pong', () => seen.push('a'));
    m.subscribe('pong', () => {
      throw new Error('listener bug');
    });
    m.subscribe('pong', () => seen.push('c'));
    const onError = vi.fn();
    vi.stubGlobal('reportError', onError);
    void m.connect();
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    srv.last.frame('pong', { serverTime: 1 });
    await until(() => seen.length === 2);
    off();
    srv.last.frame('pong', { serverTime: 2 });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['a', 'c', 'c']);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener bug' }));
    vi.unstubAllGlobals();
  });

  it('connect() rejects with the server refusal and reports it', async () => {
    const srv = new FakeServer().reply({ status: 403, json: { error: 'forbidden_owner', message: 'Not yours.' } });
    const m = manager(srv);
    const statuses: string[] = [];
    m.onStatusChange((s) => statuses.push(s));
    await expect(m.connect()).rejects.toMatchObject({ code: 'forbidden_owner', status: 403, message: 'Not yours.' });
    expect(m.getConnectionStatus()).toBe('disconnected');
    expect(m.getLastError()?.code).toBe('forbidden_owner');
    expect(statuses).toEqual(['connecting', 'disconnected']);
  });

  it('disconnect() stops everything, rejects a pending connect, and connect() works again', async () => {
    const srv = new FakeServer().reply('hang');
    const m = manager(srv);
    const pending = m.connect();
    await until(() => srv.gets.length === 1);
    m.disconnect();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.gets).toHaveLength(1);
    const again = m.connect();
    await until(() => srv.streams.length === 1);
    srv.last.hello();
    await again;
    expect(m.isConnected()).toBe(true);
  });

  it('reports reconnecting as connecting through the portal status, detailed through getStatus', async () => {
    const srv = new FakeServer();
    const m = manager(srv);
    await until(() => {
      m.connect();
      return srv.streams.length === 1;
    });
    srv.last.hello();
    await until(() => m.isConnected());
    srv.last.end();
    await until(() => m.getStatus() === 'reconnecting' || srv.streams.length === 2);
    expect(['connecting', 'connected']).toContain(m.getConnectionStatus());
  });

  it('send() maps client messages to POST /api/ws with the stream connection id', async () => {
    const srv = new FakeServer();
    srv.postReply = (b) => ({ status: 200, json: b.type === 'ping' ? { type: 'pong', serverTime: 5 } : { ok: true } });
    const m = manager(srv, '4', 'tk');
    await until(() => {
      m.connect();
      return srv.streams.length === 1;
    });
    srv.last.hello({ connectionId: 'conn-9' });
    await until(() => m.isConnected());
    await expect(m.send({ type: 'ping' })).resolves.toEqual({ type: 'pong', serverTime: 5 });
    const post = srv.posts[0];
    expect(JSON.parse(post.body!)).toEqual({ ownerId: '4', type: 'ping', connectionId: 'conn-9' });
    expect(post.headers.authorization).toBe('Bearer tk');
    srv.postReply = () => ({ status: 400, json: { error: 'bad_message', message: 'No.' } });
    await expect(m.send({ type: 'request_metrics' })).resolves.toBeNull();
    await expect(m.request({ type: 'request_metrics' })).rejects.toMatchObject({ code: 'bad_message' });
  });
});

describe('initWebSocket / getWebSocketManager / closeWebSocket', () => {
  it('keeps the manager for the same owner and token, replaces it otherwise', () => {
    const a = initWebSocket('1', 'x', { shareTabs: false });
    expect(initWebSocket('1', 'x')).toBe(a);
    expect(getWebSocketManager()).toBe(a);
    const disconnect = vi.spyOn(a, 'disconnect');
    const b = initWebSocket('2', 'x');
    expect(b).not.toBe(a);
    expect(disconnect).toHaveBeenCalled();
    const c = initWebSocket('2', 'y');
    expect(c).not.toBe(b);
    closeWebSocket();
    expect(getWebSocketManager()).toBeNull();
  });
});
