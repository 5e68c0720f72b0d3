/**
 * `npm run bench:cross` — what each cross-instance delivery mode costs (issue #14), in one run:
 * one instance (route transport, `next start`) in notify mode on the direct URL, then one in poll
 * mode through PgBouncer (transaction mode, `?pgbouncer=true`), each holding one stream for each of
 * K owners (K = 1, 10, 100). For each K it measures the instance's own statements per second
 * (postgres.js' count, from `/api/ws/stats`) while idle and while another writer (this process,
 * as another instance would: event + NOTIFY in one transaction) commits events at a steady rate
 * for random owners, and the commit → receipt latency of those events on the streams. Then the
 * cost of a reconnect (what a short-lived stream pays every WS_MAX_STREAM_SECONDS): every stream is
 * closed and reopened with Last-Event-ID, one after another, `--reconnects` rounds; statements and
 * server CPU per reconnect.
 *
 * Flags: --owners 1,10,100 --seconds 10 --rate 20 --poll-ms 250 --no-build
 * Environment: DATABASE_URL (server of the bench database; default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../lib/db/schema';
import type { Db } from '../lib/db/client';
import { appendEvent } from '../lib/realtime/log/event-log';
import { startPgBouncer } from '../test/support/pgbouncer';
import { ensureBuild, startInstance, type Instance } from '../test/support/servers';
import { connectStream, type SseClient } from '../test/support/sse-client';
import { mintToken } from '../test/support/tokens';
import { ensureDatabase, mintTokens, prepareDatabase } from './lib/db';
import { sampleCpu, treeCpuMs } from './lib/proc-cpu';

const { values: flags } = parseArgs({
  options: {
    owners: { type: 'string', default: '1,10,100' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20' },
    'poll-ms': { type: 'string', default: '250' },
    'no-build': { type: 'boolean', default: false },
    reconnects: { type: 'string', default: '3' },
  },
});
const steps = flags.owners.split(',').map(Number);
const seconds = Number(flags.seconds);
const rate = Number(flags.rate);
const pollMs = Number(flags['poll-ms']);
const SECRET = 'bench-cross-instance-secret-0123456789abcdef';
const PORT = 3660;

const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const url = await ensureDatabase(base, 'hangarshare_bench_cross');
const owners = await prepareDatabase(url, Math.max(...steps), (m) => console.log(`[bench] ${m}`));
const tokens = await mintTokens(owners, SECRET);
const writerSql = postgres(url, { max: 2, onnotice: () => {} });
const writer = drizzle({ client: writerSql, schema }) as unknown as Db;
const [adminRow] = await writerSql`insert into users (email, first_name, role) values (${`admin-${Date.now()}@cross.bench`}, 'Admin', 'ADMIN') returning id`;
const adminToken = await mintToken({ id: adminRow.id, role: 'ADMIN' }, { secret: SECRET });
if (!flags['no-build']) ensureBuild();
const bouncer = await startPgBouncer(url, PORT);

interface Row {
  mode: string;
  owners: number;
  idleQps: number;
  busyQps: number;
  events: number;
  p50: number;
  p99: number;
}
const results: Row[] = [];
const joins: { mode: string; reconnects: number; statements: number; cpuMs: number }[] = [];

const queries = async (i: Instance): Promise<number> => {
  const stats = await (await fetch(`${i.url}/api/ws/stats`, { headers: { authorization: `Bearer ${adminToken}` } })).json();
  return stats.instances[0].dbQueries;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

// A failure anywhere still stops PgBouncer (the instances stop in their own `finally`).
process.once('exit', () => void bouncer.stop());

for (const mode of ['notify', 'poll'] as const) {
  const env = {
    WS_TRANSPORT: 'route',
    JWT_SECRET: SECRET,
    DATABASE_URL: mode === 'poll' ? bouncer.url : url,
    DATABASE_DIRECT_URL: url,
    WS_CROSS_INSTANCE: mode,
    WS_LOG_POLL_MS: String(pollMs),
  };
  const instance = await startInstance(PORT + 1, env);
  const streams: SseClient[] = [];
  try {
    for (const k of steps) {
      while (streams.length < k) {
        const o = owners[streams.length];
        const s = await connectStream(instance.url, { token: tokens.get(o.ownerId) });
        if (s.status !== 200) throw new Error(`stream of owner ${o.ownerId} → ${s.status} ${await s.response.text()}`);
        await s.next('metrics_updated', 0, 30_000);
        streams.push(s);
      }
      await sleep(2_000);
      const q0 = await queries(instance);
      await sleep(seconds * 1000);
      const q1 = await queries(instance);
      // Events for the K connected owners, committed by this process as another instance would.
      const committed = new Map<string, number>();
      const marks = streams.map((s) => s.frames.length);
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
        const o = owners[Math.floor(Math.random() * k)];
        const e = await writer.transaction(async (tx) => {
          const ev = await appendEvent(tx, o.ownerId, 'booking_updated', {
            id: '1',
            hangarId: 1,
            hangarNumber: 'H',
            status: 'confirmed',
            previousStatus: 'pending',
            amount: 1,
          });
          return ev;
        });
        committed.set(`${o.ownerId}:${e.seq}`, Date.now());
        await sleep(1000 / rate);
      }
      await sleep(2 * pollMs + 500);
      const q2 = await queries(instance);
      const latencies: number[] = [];
      streams.forEach((s, i) => {
        for (const f of s.frames.slice(marks[i])) {
          const at = f.id === undefined ? undefined : committed.get(`${f.envelope.ownerId}:${f.id}`);
          if (at !== undefined) latencies.push(f.receivedAt - at);
        }
      });
      const busySeconds = (seconds * 1000 + 2 * pollMs + 500) / 1000;
      const row = {
        mode,
        owners: k,
        idleQps: (q1 - q0 - 1) / seconds, // minus the stats read itself
        busyQps: (q2 - q1 - 1) / busySeconds,
        events: committed.size,
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
      };
      if (latencies.length !== committed.size) console.warn(`[bench] ${mode} K=${k}: ${latencies.length} of ${committed.size} events received`);
      results.push(row);
      console.log(`[bench] ${JSON.stringify(row)}`);
    }
    await sleep(1_000);
    const before = { q: await queries(instance), cpu: treeCpuMs(sampleCpu(), instance.proc.pid!) };
    let reconnects = 0;
    const positions = streams.map((s) => s.seqs().at(-1) ?? Number(s.frames.find((f) => f.event === 'connected')?.id));
    for (let round = 0; round < Number(flags.reconnects); round++) {
      for (let i = 0; i < streams.length; i++) {
        const old = streams[i];
        const lastEventId = old.seqs().at(-1) ?? positions[i];
        positions[i] = lastEventId;
        old.close();
        const s = await connectStream(instance.url, { token: tokens.get(owners[i].ownerId), lastEventId });
        if (s.status !== 200) throw new Error(`reconnect of owner ${owners[i].ownerId} → ${s.status} ${await s.response.text()}`);
        await s.next('metrics_updated', 0, 30_000);
        streams[i] = s;
        reconnects++;
      }
    }
    const after = { q: await queries(instance), cpu: treeCpuMs(sampleCpu(), instance.proc.pid!) };
    // The background (presence beat, ticks, metrics poll) runs meanwhile: it is counted in, an upper bound.
    joins.push({ mode, reconnects, statements: (after.q - before.q - 1) / reconnects, cpuMs: (after.cpu - before.cpu) / reconnects });
    console.log(`[bench] ${JSON.stringify(joins.at(-1))}`);
  } finally {
    for (const s of streams) s.close();
    await instance.stop();
  }
}
await bouncer.stop();
await writerSql.end();

console.log(`\n| mode | connected owners | statements/s idle | statements/s with ${rate} events/s | events | latency p50 | p99 |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.mode} | ${r.owners} | ${r.idleQps.toFixed(1)} | ${r.busyQps.toFixed(1)} | ${r.events} | ${r.p50} ms | ${r.p99} ms |`);
}
console.log('\n| mode | reconnects | statements per reconnect | server CPU per reconnect |');
console.log('|---|---:|---:|---:|');
for (const j of joins) console.log(`| ${j.mode} | ${j.reconnects} | ${j.statements.toFixed(2)} | ${j.cpuMs.toFixed(1)} ms |`);
process.exit(0);
