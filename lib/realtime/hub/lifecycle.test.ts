import { beforeAll, describe, expect, it } from 'vitest';
import { createOwner, mintToken, publishEvents } from '../../../test/support/fixtures';
import { openStream, postMessage } from '../../../test/support/sse-client';
import { resetConfig } from '../../config';
import type { Db } from '../../db/client';
import type { MemoryBus } from '../bus/bus.memory';
import { getDb, getRuntime } from '../../runtime';

let db: Db;
beforeAll(async () => {
  process.env.WS_HEARTBEAT_INTERVAL = '200';
  process.env.WS_MAX_CONNECTIONS = '50';
  process.env.WS_MAX_CONNECTIONS_PER_OWNER = '50';
  resetConfig();
  db = await getDb();
});

const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('token expiry', () => {
  it('closes the stream at exp with a token_expired frame', async () => {
    const o = await createOwner(db);
    const token = await mintToken({ id: o.userId }, { expiresIn: 2 });
    const s = await openStream({ token });
    await s.next('metrics_updated');
    const expired = await s.next('token_expired', 0, 5_000);
    expect(new Date(expired.envelope.data.expiredAt).getTime()).toBe(s.frames[0].envelope.data.tokenExpiresAt);
    await s.until(() => s.ended, 1_000, 'end of stream');
    expect(s.frames.at(-1)!.event).toBe('token_expired');
  });

  it('keeps the stream open past the old exp when a fresh token is sent with auth + connectionId', async () => {
    const o = await createOwner(db);
    const s = await openStream({ token: await mintToken({ id: o.userId }, { expiresIn: 2 }) });
    await s.next('metrics_updated');
    const fresh = await mintToken({ id: o.userId }, { expiresIn: 3600 });
    const r = await postMessage({ type: 'auth', ownerId: String(o.ownerId), token: fresh, connectionId: s.connectionId });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.expiresAt).toBeGreaterThan(Date.now() + 3_000_000);
    await new Promise((res) => setTimeout(res, 3_200));
    expect(s.ended).toBe(false);
    expect(s.of('token_expired')).toHaveLength(0);
    await publishEvents(o.ownerId, 1);
    await s.next('booking_created');
    s.close();
  });

  it("refuses to refresh another owner's stream, or with an invalid token", async () => {
    const o = await createOwner(db);
    const other = await createOwner(db);
    const s = await openStream({ token: o.token });
    await s.next('connected');
    const foreign = await postMessage({ type: 'auth', token: other.token, connectionId: s.connectionId });
    expect([foreign.status, foreign.body.error]).toEqual([403, 'forbidden_owner']);
    const bad = await postMessage({ type: 'auth', token: 'garbage', connectionId: s.connectionId });
    expect([bad.status, bad.body.error]).toEqual([401, 'invalid_token']);
    s.close();
  });
});

describe('memory and timers', () => {
  it('returns registry, bus listeners and timers to their baseline after 5 000 open/close cycles', async () => {
    const o = await createOwner(db);
    const hub = (await getRuntime()).hub;
    // Warm-up at the loop's concurrency, so the database pool's own connections and timers exist.
    const warm = await Promise.all(Array.from({ length: 10 }, () => openStream({ token: o.token })));
    await Promise.all(warm.map((s) => s.next('metrics_updated')));
    for (const s of warm) s.close();
    await expect.poll(() => hub.connectionCount()).toBe(0);
    const bus = (await getRuntime()).bus as MemoryBus;
    const listeners = bus.listenerCount();
    const timers = activeTimers();
    for (let i = 0; i < 5_000; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => openStream({ token: o.token })));
      await Promise.all(batch.map((s) => s.next('connected')));
      for (const s of batch) s.close();
    }
    await expect.poll(() => hub.connectionCount(), { timeout: 5_000 }).toBe(0);
    expect(hub.connectedOwners()).toEqual([]);
    expect(hub.stats.connectionsOpened - hub.stats.connectionsClosed).toBe(0);
    expect(bus.listenerCount()).toBe(listeners);
    expect(activeTimers()).toBeLessThanOrEqual(timers);
  }, 120_000);

  it('refuses streams beyond the process cap with 503 and Retry-After', async () => {
    const owners = await Promise.all(Array.from({ length: 5 }, () => createOwner(db)));
    const streams = [];
    for (let i = 0; i < 50; i++) streams.push(await openStream({ token: owners[i % 5].token }));
    const refused = await openStream({ token: owners[0].token });
    expect(refused.status).toBe(503);
    expect((await refused.response.json()).error).toBe('server_full');
    expect(refused.response.headers.get('retry-after')).toBe('5');
    for (const s of streams) s.close();
    const hub = (await getRuntime()).hub;
    await expect.poll(() => hub.connectionCount()).toBe(0);
  });
});

describe('drain', () => {
  it('sends every stream reconnect at a random moment within the drain window, then closes it', async () => {
    const o = await createOwner(db);
    const streams = await Promise.all(Array.from({ length: 20 }, () => openStream({ token: o.token })));
    await Promise.all(streams.map((s) => s.next('metrics_updated')));
    const hub = (await getRuntime()).hub;
    const started = Date.now();
    await hub.drain(400);
    expect(Date.now() - started).toBeLessThan(1_500);
    for (const s of streams) {
      await s.until(() => s.ended, 1_000, 'end');
      expect(s.frames.at(-1)!.event).toBe('reconnect');
      expect(s.frames.at(-1)!.envelope.data.retryMs).toBe(3000);
    }
    expect(hub.connectionCount()).toBe(0);
    const late = await openStream({ token: o.token });
    expect(late.status).toBe(503);
    expect(late.response.headers.get('retry-after')).toBe('2'); // a draining server's hint, shorter than the cap's
  });
});
