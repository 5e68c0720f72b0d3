import { SignJWT, UnsecuredJWT } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOwner, createUser, mintToken, publishEvents, TEST_SECRET } from '../../../test/support/fixtures';
import { openStream, postMessage, streamTracker, type SseClient } from '../../../test/support/sse-client';
import { resetConfig } from '../../config';
import type { Db } from '../../db/client';
import { hangarOwners } from '../../db/schema';
import { getWebSocketServer } from '../portal-broadcast-api';
import { getDb, getRuntime } from '../../runtime';

let db: Db;
const { track, closeAll } = streamTracker();

beforeAll(async () => {
  process.env.WS_HEARTBEAT_INTERVAL = '100';
  process.env.WS_MAX_CONNECTIONS_PER_OWNER = '3';
  resetConfig();
  db = await getDb();
});
afterEach(async () => {
  const hub = (await getRuntime()).hub;
  await closeAll(() => hub.connectionCount());
});

describe('GET /api/ws', () => {
  it('streams retry, connected, a metrics snapshot, then heartbeats, with the contract headers', async () => {
    const o = await createOwner(db);
    const s = await track(openStream({ token: o.token }));
    expect(s.status).toBe(200);
    expect(s.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(s.response.headers.get('x-accel-buffering')).toBe('no');
    await s.next('metrics_updated');
    expect(s.retry).toBe(3000);
    expect(s.frames.map((f) => f.event)).toEqual(['connected', 'metrics_updated']);
    const connected = s.frames[0].envelope;
    expect(connected).toMatchObject({ type: 'connected', ownerId: String(o.ownerId) });
    expect(connected.data).toMatchObject({ heartbeatMs: 100, lastEventId: null });
    expect(typeof connected.data.connectionId).toBe('string');
    expect(connected.data.tokenExpiresAt).toBeGreaterThan(Date.now());
    await s.until(() => s.comments >= 2, 2_000, 'two heartbeats');
  });

  it('accepts the token cookie when there is no Authorization header', async () => {
    const o = await createOwner(db);
    const s = await track(openStream({ cookie: `other=1; token=${o.token}` }));
    expect(s.status).toBe(200);
    await s.next('connected');
  });

  it('closes from the client side and from the server side, leaving the registry empty', async () => {
    const o = await createOwner(db);
    const a = await openStream({ token: o.token });
    const b = await openStream({ token: o.token });
    await a.next('metrics_updated');
    await b.next('metrics_updated');
    const hub = (await getRuntime()).hub;
    expect(hub.connectionCount(o.ownerId)).toBe(2);
    a.close();
    await expect.poll(() => hub.connectionCount(o.ownerId)).toBe(1);
    expect(await getWebSocketServer().disconnectClient(o.ownerId)).toBe(1);
    await b.until(() => b.ended, 2_000, 'server close');
    expect(b.of('reconnect')).toHaveLength(1);
    expect(hub.connectionCount()).toBe(0);
    expect(hub.connectedOwners()).toEqual([]);
  });
});

describe('refusals before any stream byte', () => {
  const refuse = async (opts: Parameters<typeof openStream>[0]) => {
    const s = await openStream(opts);
    expect(s.response.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: s.status, body: await s.response.json(), headers: s.response.headers };
  };

  it('maps each bad credential to the contract code', async () => {
    const o = await createOwner(db);
    const other = await createOwner(db);
    const secret = new TextEncoder().encode(TEST_SECRET());
    const cases: [string, Parameters<typeof openStream>[0], number, string][] = [
      ['missing', {}, 401, 'missing_token'],
      ['malformed', { token: 'not-a-jwt' }, 401, 'invalid_token'],
      ['another scheme, no cookie', { headers: { authorization: 'Basic abc' } }, 401, 'missing_token'],
      ['malformed Bearer', { headers: { authorization: 'Bearer' } }, 401, 'invalid_token'],
      ['forged', { token: await mintToken({ id: o.userId }, { secret: 'x'.repeat(40) }) }, 401, 'invalid_token'],
      ['expired', { token: jsonwebtoken.sign({ id: o.userId, exp: Math.floor(Date.now() / 1000) - 100 }, TEST_SECRET()) }, 401, 'token_expired'],
      // No skew tolerance: a token 2 s past its exp used to open a stream that the sweep closed at once.
      ['just expired', { token: jsonwebtoken.sign({ id: o.userId, exp: Math.floor(Date.now() / 1000) - 2 }, TEST_SECRET()) }, 401, 'token_expired'],
      ['alg none', { token: new UnsecuredJWT({ id: o.userId }).setExpirationTime('1h').encode() }, 401, 'invalid_token'],
      ['no exp', { token: await new SignJWT({ id: o.userId }).setProtectedHeader({ alg: 'HS256' }).sign(secret) }, 401, 'invalid_token'],
      ["another owner's id", { token: o.token, ownerId: other.ownerId }, 403, 'forbidden_owner'],
      ['unknown owner', { token: o.token, ownerId: 987654 }, 404, 'unknown_owner'],
      ['bad owner id', { token: o.token, ownerId: "1' or '1'='1" }, 400, 'invalid_owner_id'],
      ['bad Last-Event-ID', { token: o.token, lastEventId: '-5' }, 400, 'invalid_last_event_id'],
    ];
    for (const [name, opts, status, code] of cases) {
      const r = await refuse(opts);
      expect([name, r.status, r.body.error]).toEqual([name, status, code]);
      expect(typeof r.body.message).toBe('string');
      if (status === 401) expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it("a non-Bearer Authorization header (a proxy's Basic) does not hide a valid token cookie", async () => {
    const o = await createOwner(db);
    const s = await openStream({ headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: `token=${o.token}` } });
    await s.next('metrics_updated');
    expect(s.frames[0].event).toBe('connected');
    s.close();
  });

  it('asks for ownerId when the user has none or several owner profiles', async () => {
    const u = await createUser(db);
    expect((await refuse({ token: u.token })).body.error).toBe('owner_required');
    const two = await createOwner(db);
    await db.insert(hangarOwners).values({ userId: two.userId, companyName: 'Second' });
    const r = await refuse({ token: two.token });
    expect([r.status, r.body.error]).toEqual([400, 'owner_required']);
    expect(r.body.message).toMatch(/2 hangar owner profiles/);
  });

  it('caps streams per owner with 429 and Retry-After', async () => {
    const o = await createOwner(db);
    for (let i = 0; i < 3; i++) await (await track(openStream({ token: o.token }))).next('connected');
    const r = await refuse({ token: o.token });
    expect([r.status, r.body.error]).toEqual([429, 'too_many_connections']);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lets an admin open any owner', async () => {
    const o = await createOwner(db);
    const admin = await createUser(db, { role: 'ADMIN' });
    const s = await track(openStream({ token: admin.token, ownerId: o.ownerId }));
    expect((await s.next('connected')).envelope.ownerId).toBe(String(o.ownerId));
  });
});

describe('owner isolation and the broadcast API', () => {
  it("never gives one owner's events to another, across many owners and tabs", async () => {
    const owners = await Promise.all(Array.from({ length: 6 }, () => createOwner(db)));
    const streams = new Map<number, SseClient[]>();
    for (const o of owners) {
      const tabs = [await track(openStream({ token: o.token })), await track(openStream({ token: o.token }))];
      for (const t of tabs) await t.next('metrics_updated');
      streams.set(o.ownerId, tabs);
    }
    for (const [i, o] of owners.entries()) await publishEvents(o.ownerId, i + 1);
    for (const [i, o] of owners.entries()) {
      for (const tab of streams.get(o.ownerId)!) {
        await tab.until(() => tab.of('booking_created').length === i + 1, 3_000, `owner ${o.ownerId} events`);
        expect(tab.frames.every((f) => f.envelope.ownerId === String(o.ownerId))).toBe(true);
      }
    }
    await new Promise((r) => setTimeout(r, 100)); // nothing more arrives
    for (const [i, o] of owners.entries()) for (const tab of streams.get(o.ownerId)!) expect(tab.of('booking_created')).toHaveLength(i + 1);
  });

  it('broadcasts domain events (logged, with ids) and metrics (not logged) to the owner only', async () => {
    const a = await createOwner(db);
    const b = await createOwner(db);
    const sa = await track(openStream({ token: a.token }));
    const sb = await track(openStream({ token: b.token }));
    await sa.next('metrics_updated');
    await sb.next('metrics_updated');
    const server = getWebSocketServer();
    const booking = { id: '9', hangarId: 1, hangarNumber: 'H-9', status: 'completed', previousStatus: 'confirmed', amount: 10 };
    const e1 = await server.broadcastBookingEvent(a.ownerId, booking);
    await server.broadcastOccupancyChange(a.ownerId, {
      hangarId: 1,
      hangarNumber: 'H-9',
      occupancyRate: 50,
      totalSpots: 2,
      occupiedSpots: 1,
      isNowOccupied: true,
      timestamp: 1,
    });
    await server.broadcastRevenueUpdate(String(a.ownerId), {
      bookingId: '9',
      amount: 10,
      currency: 'BRL',
      paymentIntentId: 'pi_1',
      receivedAt: new Date().toISOString(),
    });
    const metricsBefore = sa.of('metrics_updated').length;
    await server.broadcastMetrics(a.ownerId, { ...sa.of('metrics_updated')[0].envelope.data, bookingsToday: 77 });
    await sa.until(() => sa.of('revenue_received').length === 1 && sa.of('metrics_updated').length > metricsBefore);
    expect(e1.type).toBe('booking_completed');
    const completed = await sa.next('booking_completed');
    expect(completed.id).toBe(String(e1.seq));
    expect(completed.envelope.data).toEqual(booking);
    expect(sa.seqs()).toEqual([e1.seq, e1.seq + 1, e1.seq + 2]);
    expect(sa.of('metrics_updated').at(-1)!.envelope.data.bookingsToday).toBe(77);
    expect(sb.frames.map((f) => f.event)).toEqual(['connected', 'metrics_updated']);
    expect(await server.getConnectedClients()).toBe(2);
    const stats = await server.getStats();
    expect(stats).toMatchObject({ connections: 2, owners: 2, perOwner: { [a.ownerId]: 1, [b.ownerId]: 1 } });
    expect(stats.eventsPublished).toBeGreaterThanOrEqual(3);
  });
});

describe('POST /api/ws', () => {
  it('answers ping with pong, and with a connectionId also on that stream', async () => {
    const o = await createOwner(db);
    const s = await track(openStream({ token: o.token }));
    await s.next('metrics_updated');
    const plain = await postMessage({ type: 'ping' }, { token: o.token });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ type: 'pong' });
    expect(Math.abs(plain.body.serverTime - Date.now())).toBeLessThan(5_000);
    const r = await postMessage({ type: 'ping', connectionId: s.connectionId }, { token: o.token });
    expect(r.status).toBe(200);
    expect((await s.next('pong')).envelope.data.serverTime).toBe(r.body.serverTime);
  });

  it('request_metrics answers with metrics and pushes them to the streams', async () => {
    const o = await createOwner(db);
    const s = await track(openStream({ token: o.token }));
    await s.next('metrics_updated');
    const r = await postMessage({ type: 'request_metrics', connectionId: s.connectionId }, { token: o.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ type: 'metrics_updated', ownerId: String(o.ownerId) });
    expect(r.body.data).toHaveProperty('revenueToday');
    await s.until(() => s.of('metrics_updated').length === 2);
  });

  it('refuses bad messages with 4xx JSON', async () => {
    const o = await createOwner(db);
    const other = await createOwner(db);
    const s = await track(openStream({ token: other.token }));
    await s.next('connected');
    const cases: [string, Parameters<typeof postMessage>, number, string][] = [
      ['bad json', [null, { token: o.token, raw: '{"type":' }], 400, 'invalid_json'],
      ['not an object', [null, { token: o.token, raw: '[1,2]' }], 400, 'invalid_request'],
      ['unknown type', [{ type: 'subscribe' }, { token: o.token }], 400, 'unknown_type'],
      ['oversized', [{ type: 'ping', pad: 'x'.repeat(17_000) }, { token: o.token }], 413, 'payload_too_large'],
      ['no token', [{ type: 'ping' }, {}], 401, 'missing_token'],
      ["another owner's connection", [{ type: 'ping', connectionId: s.connectionId }, { token: o.token }], 403, 'forbidden_owner'],
      ['unknown connection', [{ type: 'ping', connectionId: 'nope' }, { token: o.token }], 404, 'unknown_connection'],
      ['auth without token', [{ type: 'auth', ownerId: o.ownerId }, { token: o.token }], 400, 'invalid_request'],
      [
        'wrong content type',
        [{ type: 'ping' }, { token: o.token, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
        415,
        'unsupported_media_type',
      ],
    ];
    for (const [name, args, status, code] of cases) {
      const r = await postMessage(...args);
      expect([name, r.status, r.body.error]).toEqual([name, status, code]);
    }
  });
});
