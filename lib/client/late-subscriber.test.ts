/**
 * The portal's own hook (kept unchanged by design) subscribes *after* `await connect()`. The server
 * sends `metrics_updated` right behind `connected` — often in the same network chunk — and then
 * only when the figures change, so without help that hook would never see the first snapshot and
 * its cards would stay empty. These tests are written the way that hook is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeServer } from '../../test/support/fake-sse';
import { closeWebSocket, initWebSocket, type RealTimeMetrics } from './websocket';

afterEach(() => closeWebSocket());

const METRICS = { revenueToday: 1575, bookingsToday: 1, occupancyRate: 50, growthPercentage: 12.5 };
const envelope = (type: string, data: unknown) => JSON.stringify({ type, timestamp: Date.now(), data, ownerId: '7' });
/** `retry`, `connected` and the first `metrics_updated` in one chunk, as a fast server sends them. */
const helloWithMetrics = (metrics: unknown) =>
  `retry: 20\n\nid: 0\nevent: connected\ndata: ${envelope('connected', { connectionId: 'c1', heartbeatMs: 30000, lastEventId: null, tokenExpiresAt: null })}\n\n` +
  `event: metrics_updated\ndata: ${envelope('metrics_updated', metrics)}\n\n`;

/** The portal's hook, reduced to its order of calls: connect, await it, then subscribe. */
async function portalHook(srv: FakeServer) {
  const manager = initWebSocket('7', 'token', { fetch: srv.fetch, shareTabs: false, initialRetryMs: 10 });
  const ready = manager.connect();
  await vi_until(() => srv.streams.length === 1);
  srv.last.write(helloWithMetrics(METRICS));
  await ready;
  const seen: RealTimeMetrics[] = [];
  const unsubscribe = manager.subscribeToMetricsUpdates((m) => seen.push(m));
  return { manager, seen, unsubscribe };
}

async function vi_until(cond: () => boolean) {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('a metrics listener that subscribes after connect() resolved', () => {
  it('gets the latest snapshot at once, before subscribe returns', async () => {
    const { seen } = await portalHook(new FakeServer());
    expect(seen).toEqual([METRICS]);
  });

  it('then gets every later snapshot, and a newer one replaces what a later subscriber is handed', async () => {
    const srv = new FakeServer();
    const { manager, seen } = await portalHook(srv);
    const next = { ...METRICS, revenueToday: 0 };
    srv.last.frame('metrics_updated', next, undefined, '7');
    await vi_until(() => seen.length === 2);
    expect(seen).toEqual([METRICS, next]);
    const later: unknown[] = [];
    manager.subscribe('metrics_updated', (m) => later.push(m));
    expect(later).toEqual([next]);
  });

  it('does not replay after unsubscribing, nor other event types, nor a snapshot from before disconnect()', async () => {
    const srv = new FakeServer();
    const { manager, seen, unsubscribe } = await portalHook(srv);
    unsubscribe();
    srv.last.frame('metrics_updated', { ...METRICS, bookingsToday: 2 }, undefined, '7');
    const bookings: unknown[] = [];
    manager.subscribeToBookingNotifications((b) => bookings.push(b));
    expect(bookings).toEqual([]);
    manager.disconnect();
    const after: unknown[] = [];
    manager.subscribeToMetricsUpdates((m) => after.push(m));
    expect(after).toEqual([]);
    expect(seen).toEqual([METRICS]);
  });
});
