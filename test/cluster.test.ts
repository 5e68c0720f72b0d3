/**
 * Scale-out on PostgreSQL alone: several real `server.ts` instances (what `npm start` runs) on one
 * database, no sticky sessions. Needs PostgreSQL, so it runs in the DATABASE_URL pass of the suite
 * (the embedded database is one process by construction; there the bridge is off).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type Db } from '../lib/db/client';
import { ensureBuild, startInstance, type Instance } from './support/servers';
import { bookOverHttp, createListing, createOwner, createUser } from './support/fixtures';
import { connectStream, type SseClient } from './support/sse-client';
import { getDb } from '../lib/runtime';

const onPostgres = !!process.env.TEST_BASE_DATABASE_URL;
// 3230–3293: below test/faults.test.ts's 3300–3344 and the chaos runs' 3400–3499.
const BASE_PORT = 3230 + (process.pid % 16) * 4;

let db: Db;
let owner: Awaited<ReturnType<typeof createOwner>>;
let renter: Awaited<ReturnType<typeof createUser>>;
let admin: Awaited<ReturnType<typeof createUser>>;
let hangarId: number;
const instances: Instance[] = [];
const streams: SseClient[] = [];
let bookingNo = 0;

async function book(via: Instance): Promise<void> {
  const res = await bookOverHttp(via.url, renter, hangarId, ++bookingNo);
  if (res.status !== 200) throw new Error(`booking via ${via.port} → ${res.status} ${await res.text()}`);
}

async function logSeqs(): Promise<number[]> {
  const r = await rows<{ seq: number }>(db, sql`select seq::int as seq from realtime_events where owner_id = ${owner.ownerId} order by seq`);
  return r.map((x) => x.seq);
}

async function open(on: Instance, opts: Parameters<typeof connectStream>[1] = {}): Promise<SseClient> {
  const s = await connectStream(on.url, { token: owner.token, ...opts });
  streams.push(s);
  expect(s.status).toBe(200);
  await s.next('metrics_updated', 0, 10_000);
  return s;
}

const received = (s: SseClient) => s.seqs().filter((x, i, all) => all.indexOf(x) === i);

describe.runIf(onPostgres)('several instances on one PostgreSQL', () => {
  beforeAll(async () => {
    ensureBuild();
    db = await getDb();
    owner = await createOwner(db);
    renter = await createUser(db);
    admin = await createUser(db, { role: 'ADMIN' });
    hangarId = (await createListing(db, owner.ownerId, { totalSpaces: 1000 })).id;
    const env = { DATABASE_URL: process.env.DATABASE_URL!, WS_MAX_CONNECTIONS_PER_OWNER: '6', WS_HEARTBEAT_INTERVAL: '1000' };
    instances.push(...(await Promise.all([0, 1, 2].map((i) => startInstance(BASE_PORT + i, env)))));
  }, 300_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await Promise.all(instances.map((i) => i.stop()));
  });

  it('delivers events published through A to streams on B and C, in order and exactly once', async () => {
    const [a, b, c] = instances;
    const onB = await open(b);
    const onC = await open(c);
    for (let i = 0; i < 30; i++) await book(a);
    const expected = await logSeqs();
    expect(expected).toHaveLength(30);
    // The bookings, in the order they were made (each awaited): their events must arrive in that order.
    const booked = await rows<{ booking_id: string }>(db, sql`select id::text as booking_id from hangar_bookings where hangar_id = ${hangarId} order by id`);
    const bookingIds = booked.map((r) => r.booking_id);
    expect(bookingIds).toHaveLength(30);
    for (const s of [onB, onC]) {
      await s.until(() => s.seqs().length >= 30, 10_000, '30 events');
      await new Promise((r) => setTimeout(r, 200));
      expect(s.seqs()).toEqual(expected);
      expect(s.of('booking_created').map((f) => f.envelope.data.id)).toEqual(bookingIds);
    }
  });

  it("keeps B's streams complete when B's LISTEN connection is killed while events flow", async () => {
    const [a, b] = instances;
    const onB = await open(b);
    const stats = await (await fetch(`${b.url}/api/ws/stats`, { headers: { authorization: `Bearer ${admin.token}` } })).json();
    const before = (await logSeqs()).at(-1)!;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) {
        await book(a);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const killed = await rows<{ n: number }>(
      db,
      sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where application_name = ${`hangarshare:${stats.instanceId}`} and query ilike 'listen%'`,
    );
    expect(killed[0].n).toBe(1);
    await writer;
    const expected = (await logSeqs()).filter((s) => s > before);
    await onB.until(() => (onB.seqs().at(-1) ?? 0) >= expected.at(-1)!, 15_000, 'catch-up after LISTEN loss');
    expect(onB.seqs().filter((s) => s > before)).toEqual(expected);
  });

  it('applies a client message posted to A on the stream C holds (a durable command C takes on its tick)', async () => {
    const [a, , c] = instances;
    const onC = await open(c);
    const res = await fetch(`${a.url}/api/ws`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ type: 'ping', ownerId: String(owner.ownerId), connectionId: onC.connectionId }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ type: 'pong', routed: true });
    expect((await onC.next('pong')).envelope.data.serverTime).toBe(body.serverTime);
  });

  it("answers a routed message's refusal honestly: another user's stream on another instance is 403, not ok", async () => {
    const [a, , c] = instances;
    const onC = await open(c);
    const intruder = await createOwner(db);
    const res = await fetch(`${a.url}/api/ws`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${intruder.token}` },
      body: JSON.stringify({ type: 'auth', token: intruder.token, ownerId: String(intruder.ownerId), connectionId: onC.connectionId }),
    });
    expect([res.status, (await res.json()).error]).toEqual([403, 'forbidden_connection']);
    expect(onC.ended).toBe(false);
  });

  it('counts streams per owner across instances and shows every instance in stats', async () => {
    for (const s of streams.splice(0)) s.close();
    const [a, b, c] = instances;
    for (const on of [a, a, a, b, b, b]) await open(on);
    await new Promise((r) => setTimeout(r, 6_500)); // A and B report, then C reads: two presence beats
    const refused = await connectStream(c.url, { token: owner.token });
    expect(refused.status).toBe(429);
    expect((await refused.response.json()).error).toBe('too_many_connections');
    const stats = await (await fetch(`${c.url}/api/ws/stats`, { headers: { authorization: `Bearer ${admin.token}` } })).json();
    expect(stats.instances).toHaveLength(3);
    const total = stats.instances.reduce((n: number, i: { perOwner: Record<string, number> }) => n + (i.perOwner[owner.ownerId] ?? 0), 0);
    expect(total).toBe(6);
  });

  it("lets B's clients resume on A with nothing lost or duplicated when B is killed", async () => {
    for (const s of streams.splice(0)) s.close();
    await new Promise((r) => setTimeout(r, 6_500));
    const [a, b] = instances;
    const onB = await open(b);
    const start = (await logSeqs()).at(-1)!;
    for (let i = 0; i < 10; i++) await book(a);
    await onB.until(() => onB.seqs().length === 10, 10_000, 'events before the kill');
    await b.kill();
    await onB.until(() => onB.ended, 5_000, 'stream end');
    for (let i = 0; i < 10; i++) await book(a); // while B is gone
    const resumed = await open(a, { lastEventId: onB.seqs().at(-1) });
    for (let i = 0; i < 5; i++) await book(a);
    const expected = (await logSeqs()).filter((s) => s > start);
    await resumed.until(() => resumed.seqs().at(-1) === expected.at(-1), 10_000, 'resume on A');
    expect([...onB.seqs(), ...resumed.seqs()]).toEqual(expected);
    expect(received(resumed)).toEqual(resumed.seqs());
  });
});
