/**
 * Fault injection against real server instances on PostgreSQL: the database going away under
 * open streams, the server killed with SIGKILL mid-traffic, a client that stops reading, and a
 * reconnect storm. PostgreSQL only (the embedded database lives and dies with its one process).
 */
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rows, type Db } from '../lib/db/client';
import { hangarOwners, users } from '../lib/db/schema';
import { ensureBuild, startInstance, type Instance } from './support/servers';
import { bookOverHttp, createListing, createOwner, createUser, mintToken } from './support/fixtures';
import { connectStream, type SseClient } from './support/sse-client';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { getDb } from '../lib/runtime';

const onPostgres = !!process.env.TEST_BASE_DATABASE_URL;
// 3300–3344 (PORT … PORT + 5): clear of test/cluster.test.ts's 3230–3293.
const PORT = 3300 + (process.pid % 40);

let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let hangarId: number;
let bookingNo = 0;

const book = (base: string): Promise<Response> => bookOverHttp(base, renter, hangarId, ++bookingNo);

const logSeqs = async (ownerId: number) =>
  (await rows<{ seq: number }>(db, sql`select seq::int as seq from realtime_events where owner_id = ${ownerId} order by seq`)).map((r) => r.seq);

/** A client that reconnects forever with Last-Event-ID, like the browser module, collecting ids. */
function resilientClient(base: () => string, token: string, from: number) {
  const seqs: number[] = [from];
  let current: SseClient | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        current = await connectStream(base(), { token, lastEventId: seqs.at(-1) });
        if (current.status !== 200) throw new Error(String(current.status));
        let seen = 0;
        await current.until(() => {
          const mine = current!.seqs();
          for (; seen < mine.length; seen++) seqs.push(mine[seen]);
          return current!.ended || stopped;
        }, 120_000);
      } catch {
        // server down or stream broken: retry
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    seqs,
    async stop() {
      stopped = true;
      current?.close();
      await loop;
    },
  };
}

describe.runIf(onPostgres)('faults', () => {
  let proxy: TcpProxy;
  const started: Instance[] = [];

  beforeAll(async () => {
    ensureBuild();
    db = await getDb();
    owner = await createOwner(db);
    renter = await createUser(db);
    hangarId = (await createListing(db, owner.ownerId, { totalSpaces: 1000 })).id;
    const url = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  }, 300_000);

  // A test that fails while the database is cut must not leave it cut for the next one.
  afterEach(() => proxy.up());

  afterAll(async () => {
    await Promise.all(started.map((i) => i.kill()));
    await proxy.close();
  });

  it('keeps streams open with heartbeats and stale metrics while the database is down, 503s writes, and recovers by itself', async () => {
    const viaProxy = new URL(process.env.DATABASE_URL!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startInstance(PORT, { DATABASE_URL: viaProxy.toString(), WS_HEARTBEAT_INTERVAL: '300', WS_METRICS_POLL_INTERVAL: '300' });
    started.push(server);
    const s = await connectStream(server.url, { token: owner.token });
    await s.next('metrics_updated', 0, 10_000);
    expect((await book(server.url)).status).toBe(200);
    await s.next('booking_created');

    proxy.down();
    const pings = s.comments;
    const from = s.frames.length;
    await s.until(() => s.frames.slice(from).some((f) => f.event === 'metrics_updated' && f.envelope.data.stale === true), 10_000, 'stale metrics');
    await s.until(() => s.comments >= pings + 3, 5_000, 'heartbeats while the database is down');
    const refused = await book(server.url);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).code).toBe('database_unavailable'); // the portal's shape: { error: <sentence>, code }
    expect(s.ended).toBe(false);

    proxy.up();
    const back = s.frames.length;
    await s.until(() => s.frames.slice(back).some((f) => f.event === 'metrics_updated' && f.envelope.data.stale === false), 20_000, 'fresh metrics');
    expect((await book(server.url)).status).toBe(200);
    await s.until(() => s.of('booking_created').length === 2, 10_000, 'events after recovery');
    expect(server.output.join('')).not.toMatch(/unhandled|uncaught/i);
    s.close();
    await server.stop();
  }, 120_000);

  it('loses and duplicates nothing when the server is killed with SIGKILL mid-traffic and restarted', async () => {
    let server = await startInstance(PORT + 1, { DATABASE_URL: process.env.DATABASE_URL! });
    started.push(server);
    const start = (await logSeqs(owner.ownerId)).at(-1) ?? 0;
    const clients = [resilientClient(() => server.url, owner.token, start), resilientClient(() => server.url, owner.token, start)];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await book(server.url).catch(() => undefined); // requests during the outage fail; that's fine
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const logGrows = async (n: number) => {
      const target = ((await logSeqs(owner.ownerId)).at(-1) ?? 0) + n;
      while (((await logSeqs(owner.ownerId)).at(-1) ?? 0) < target) await new Promise((r) => setTimeout(r, 50));
    };
    await logGrows(5);
    await server.kill();
    await new Promise((r) => setTimeout(r, 500));
    server = await startInstance(PORT + 1, { DATABASE_URL: process.env.DATABASE_URL! });
    started.push(server);
    await logGrows(5);
    writing = false;
    await writer;
    const expected = (await logSeqs(owner.ownerId)).filter((x) => x > start);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    for (const c of clients) {
      const deadline = Date.now() + 15_000;
      while (c.seqs.at(-1) !== expected.at(-1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await c.stop();
      expect(c.seqs.slice(1)).toEqual(expected);
    }
    await server.stop();
  }, 120_000);

  it('bounds what a client that stops reading costs, disconnects it, and it loses nothing on resume from what it received', async () => {
    const server = await startInstance(PORT + 2, { DATABASE_URL: process.env.DATABASE_URL!, WS_MAX_BUFFERED_FRAMES: '50' });
    started.push(server);
    const o = await createOwner(db);
    const received: string[] = [];
    const paused = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`${server.url}/api/ws`, { headers: { authorization: `Bearer ${o.token}` } }, (res) => {
        res.once('data', (d) => received.push(String(d)));
        resolve(res);
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    paused.pause(); // stop reading: the socket fills, then the server's queue
    const { getWebSocketServer } = await import('../lib/realtime/portal-broadcast-api');
    const big = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 600; i++) {
      await getWebSocketServer().broadcastBookingEvent(o.ownerId, {
        id: String(i),
        guestName: big,
        hangarId: 1,
        hangarNumber: 'H',
        checkIn: '',
        checkOut: '',
        amount: i,
        duration: 1,
        status: 'pending',
      });
    }
    const admin = await createUser(db, { role: 'ADMIN' });
    const stats = async () => (await fetch(`${server.url}/api/ws/stats`, { headers: { authorization: `Bearer ${admin.token}` } })).json();
    const deadline = Date.now() + 10_000;
    while ((await stats()).bufferOverflows < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await stats()).bufferOverflows).toBe(1);
    expect((await stats()).perOwner[o.ownerId]).toBeUndefined();
    // The client reads what reached it: in order, ending with reconnect (no skip hint); then resumes.
    const text = await new Promise<string>((resolve) => {
      paused.on('data', (d) => received.push(String(d)));
      paused.on('end', () => resolve(received.join('')));
      paused.resume();
    });
    const ids = [...text.matchAll(/^id: (\d+)\nevent: booking_created$/gm)].map((m) => Number(m[1]));
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/event: reconnect\ndata: /);
    expect(text).not.toMatch(/event: reset/);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    const resumed = await connectStream(server.url, { token: o.token, lastEventId: ids.at(-1) });
    await resumed.until(() => resumed.seqs().at(-1) === 600, 20_000, 'the rest of the 600 events');
    expect([...ids, ...resumed.seqs()]).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    resumed.close();
    await server.stop();
  }, 120_000);

  it('cuts (Node transport) an ended stream whose client stopped reading, after WS_WRITE_TIMEOUT_MS', async () => {
    const server = await startInstance(PORT + 4, { DATABASE_URL: process.env.DATABASE_URL!, WS_MAX_BUFFERED_FRAMES: '50', WS_WRITE_TIMEOUT_MS: '500' });
    started.push(server);
    const o = await createOwner(db);
    const paused = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`${server.url}/api/ws`, { headers: { authorization: `Bearer ${o.token}` } }, (res) => {
        res.pause(); // stops reading
        resolve(res);
      }),
    );
    const { getWebSocketServer } = await import('../lib/realtime/portal-broadcast-api');
    const big = 'x'.repeat(16 * 1024);
    const admin = await createUser(db, { role: 'ADMIN' });
    const stats = async () => (await fetch(`${server.url}/api/ws/stats`, { headers: { authorization: `Bearer ${admin.token}` } })).json();
    for (let i = 0; i < 600 && (await stats()).bufferOverflows < 1; i += 50) {
      for (let k = 0; k < 50; k++)
        await getWebSocketServer().broadcastBookingEvent(o.ownerId, {
          id: String(i + k),
          guestName: big,
          hangarId: 1,
          hangarNumber: 'H',
          checkIn: '',
          checkOut: '',
          amount: 1,
          duration: 1,
          status: 'pending',
        });
    }
    const deadline = Date.now() + 20_000;
    while ((await stats()).writeTimeouts < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await stats()).writeTimeouts).toBe(1); // the server destroyed the socket it could not flush
    // A paused socket notices nothing; once it reads again it finds the connection gone, not the rest of the stream.
    const text: string[] = [];
    await new Promise<void>((resolve) => {
      paused.on('data', (d) => text.push(String(d)));
      paused.once('close', () => resolve());
      paused.resume();
    });
    expect(text.join('')).not.toMatch(/event: reconnect/);
    await server.stop();
  }, 120_000);

  it('exits on SIGTERM by itself while its database is unreachable', async () => {
    const viaProxy = new URL(process.env.DATABASE_URL!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startInstance(PORT + 5, { DATABASE_URL: viaProxy.toString(), WS_DRAIN_MS: '500' });
    started.push(server);
    const s = await connectStream(server.url, { token: owner.token });
    await s.next('metrics_updated', 0, 10_000);
    proxy.down();
    await server.stop(); // SIGTERM; the launcher escalates to SIGKILL only after 30 s
    proxy.up();
    expect(server.proc.signalCode).toBeNull(); // it exited on its own, not killed
    expect(s.frames.some((f) => f.event === 'reconnect')).toBe(true);
  }, 120_000);

  it('serves a reconnect storm of 5 000 clients after a restart without errors', async () => {
    const N = 5_000;
    const ownersNeeded = N / 20;
    const userRows = await db
      .insert(users)
      .values(Array.from({ length: ownersNeeded }, (_, i) => ({ email: `storm${i}-${Date.now()}@test.local`, firstName: `S${i}` })))
      .returning({ id: users.id });
    const ownerRows = await db
      .insert(hangarOwners)
      .values(userRows.map((u) => ({ userId: u.id, companyName: `Storm ${u.id}` })))
      .returning({ id: hangarOwners.id, userId: hangarOwners.userId });
    const tokens = await Promise.all(ownerRows.map((o) => mintToken({ id: o.userId! })));
    const env = { DATABASE_URL: process.env.DATABASE_URL!, WS_DRAIN_MS: '0', WS_HEARTBEAT_INTERVAL: '30000' };
    let server = await startInstance(PORT + 3, env);
    started.push(server);
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const connectAll = async () => {
      const t0 = Date.now();
      const results = await Promise.all(
        Array.from(
          { length: N },
          (_, i) =>
            new Promise<{ status: number; res?: http.IncomingMessage }>((resolve) => {
              const req = http.get(`${server.url}/api/ws`, { agent, headers: { authorization: `Bearer ${tokens[i % ownersNeeded]}` } }, (res) => {
                if (res.statusCode !== 200) return resolve({ status: res.statusCode ?? 0 });
                let buf = '';
                const onData = (d: Buffer) => {
                  buf += d;
                  if (buf.includes('event: connected')) {
                    res.off('data', onData);
                    resolve({ status: 200, res });
                  }
                };
                res.on('data', onData);
              });
              req.on('error', () => resolve({ status: -1 }));
            }),
        ),
      );
      return { ms: Date.now() - t0, results };
    };
    const first = await connectAll();
    expect(first.results.filter((r) => r.status !== 200)).toEqual([]);
    await server.stop(); // every stream gets reconnect and closes
    server = await startInstance(PORT + 3, env);
    started.push(server);
    const storm = await connectAll();
    const failed = storm.results.filter((r) => r.status !== 200);
    console.log(`[storm] ${N} clients: first connect ${first.ms} ms; all live again ${storm.ms} ms after the restart; failures ${failed.length}`);
    expect(failed).toEqual([]);
    for (const r of storm.results) r.res?.destroy();
    expect(server.output.join('')).not.toMatch(/unhandled|uncaught/i);
    await server.stop();
  }, 240_000);
});
