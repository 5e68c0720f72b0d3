/**
 * `GET /api/metrics` after real traffic through the real route handlers: streams (route
 * transport), events, a replay, a reset, refusals, client messages. Each series is read before and
 * after, so a counter that does not move (or moves wrongly) fails.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GET as metricsGET } from '../../app/api/metrics/route';
import { sample } from '../../test/support/exposition';
import { createOwner, publishEvents } from '../../test/support/fixtures';
import { openStream, postMessage, streamTracker } from '../../test/support/sse-client';
import { resetConfig } from '../config';
import type { Db } from '../db/client';
import { getDb, getRuntime } from '../runtime';

let db: Db;
const { track, closeAll } = streamTracker();

async function scrape(headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const res = await metricsGET(new Request('http://localhost/api/metrics', { headers }));
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

beforeAll(async () => {
  process.env.WS_MAX_BUFFERED_FRAMES = '16';
  process.env.RATE_LIMIT_WS_POST = '8';
  resetConfig();
  db = await getDb();
  await getRuntime();
});
afterEach(async () => {
  await closeAll(() => 0);
  const { hub } = await getRuntime();
  await expect.poll(() => hub.connectionCount()).toBe(0);
});

describe('GET /api/metrics', () => {
  it('series move with streams, events, a replay, a reset, a refused token and client messages', async () => {
    const o = await createOwner(db);
    const before = (await scrape()).text;
    const s1 = await track(openStream({ token: o.token }));
    const s2 = await track(openStream({ token: o.token }));
    await s1.next('metrics_updated');
    await s2.next('metrics_updated');
    await publishEvents(o.ownerId, 3);
    await s1.until(() => s1.seqs().length === 3);
    await s2.until(() => s2.seqs().length === 3);
    const resumed = await track(openStream({ token: o.token, lastEventId: 1 })); // replays 2 and 3
    await resumed.next('metrics_updated');
    const future = await track(openStream({ token: o.token, lastEventId: 999 })); // not in the log: reset
    await future.next('reset');
    const refused = await openStream({ token: 'not-a-jwt' });
    expect(refused.status).toBe(401);
    expect((await postMessage({ type: 'ping' }, { token: o.token })).status).toBe(200);
    expect((await postMessage({ type: 'subscribe' }, { token: o.token })).status).toBe(400);

    const after = await scrape();
    expect(after.status).toBe(200);
    expect(after.type).toContain('text/plain');
    const delta = (name: string, labels?: Record<string, string>) => sample(after.text, name, labels) - sample(before, name, labels);
    expect(sample(after.text, 'hangarshare_streams_open', { transport: 'route' })).toBe(4);
    expect(delta('hangarshare_streams_opened_total')).toBe(4);
    expect(delta('hangarshare_events_published_total', { type: 'booking_created' })).toBe(3);
    expect(delta('hangarshare_events_delivered_total')).toBe(6); // 3 events × 2 live streams
    expect(delta('hangarshare_delivery_latency_seconds_count')).toBe(3); // once per event
    expect(delta('hangarshare_replayed_events_total')).toBe(2);
    expect(delta('hangarshare_stream_resets_total', { reason: 'history_gap' })).toBe(1);
    expect(delta('hangarshare_stream_refusals_total', { code: 'invalid_token' })).toBe(1);
    expect(delta('hangarshare_client_messages_total', { type: 'ping', outcome: 'ok' })).toBe(1);
    expect(delta('hangarshare_client_messages_total', { type: 'unknown', outcome: 'unknown_type' })).toBe(1);
    expect(after.text).toContain('nodejs_eventloop_lag_seconds');
    expect(after.text).toContain('nodejs_heap_size_used_bytes');
    expect(after.text).toContain('hangarshare_metrics_stale 0');

    for (const s of [s1, s2, resumed, future]) s.close();
    const { hub } = await getRuntime();
    await expect.poll(() => hub.connectionCount()).toBe(0);
    const closed = (await scrape()).text;
    expect(sample(closed, 'hangarshare_streams_open', { transport: 'route' })).toBe(0);
    expect(
      sample(closed, 'hangarshare_streams_closed_total', { reason: 'client' }) - sample(before, 'hangarshare_streams_closed_total', { reason: 'client' }),
    ).toBe(4);
  });

  it('a slow consumer is counted as a slow-consumer disconnect', async () => {
    const o = await createOwner(db);
    const before = (await scrape()).text;
    const stuck = await track(openStream({ token: o.token, read: false }));
    const { hub } = await getRuntime();
    await publishEvents(o.ownerId, hub.options.maxQueued + 100);
    await expect.poll(() => hub.connectionCount(o.ownerId), { timeout: 20_000 }).toBe(0);
    stuck.close();
    const after = (await scrape()).text;
    expect(sample(after, 'hangarshare_slow_consumer_disconnects_total') - sample(before, 'hangarshare_slow_consumer_disconnects_total')).toBe(1);
    expect(
      sample(after, 'hangarshare_streams_closed_total', { reason: 'overflow' }) - sample(before, 'hangarshare_streams_closed_total', { reason: 'overflow' }),
    ).toBe(1);
  });

  it('a message over the rate limit is counted under its limit, and as a refused message', async () => {
    const o = await createOwner(db);
    const before = (await scrape()).text;
    const statuses: number[] = [];
    // A fresh user's budget is 8 (refilling at 0.8/s): twice that many in a row meets the limit.
    for (let i = 0; i < 16; i++) statuses.push((await postMessage({ type: 'ping' }, { token: o.token })).status);
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThan(0);
    const after = (await scrape()).text;
    const delta = (name: string, labels?: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('hangarshare_rate_limited_total', { limit: 'ws_post' })).toBe(limited);
    expect(delta('hangarshare_client_messages_total', { type: 'unparsed', outcome: 'too_many_requests' })).toBe(limited);
    expect(delta('hangarshare_client_messages_total', { type: 'ping', outcome: 'ok' })).toBe(16 - limited);
  });
});

describe('who may scrape', () => {
  const setEnv = (env: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfig();
  };
  afterEach(() => setEnv({ METRICS_TOKEN: undefined, NODE_ENV: 'test' }));

  it('with METRICS_TOKEN: 401 without it or with another one, 200 with it', async () => {
    setEnv({ METRICS_TOKEN: 'scrape-secret-1' });
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text).error).toBe('invalid_token');
    expect((await scrape({ authorization: 'Bearer scrape-secret-2' })).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer scrape-secret-1' })).status).toBe(200);
  });

  it('in production without METRICS_TOKEN: 403 with a body that says what to set', async () => {
    setEnv({ NODE_ENV: 'production' });
    const r = await scrape();
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'metrics_token_required' });
  });
});
