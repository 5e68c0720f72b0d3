/**
 * `npm run soak` — the leak soak (issue 7). Against a real `server.ts` on PostgreSQL, for
 * `--minutes` (default 30): connection churn (open and close `--churn` streams per second, default
 * 50, around a pool of `--pool` open ones), domain events at `--rate` per second (default 100)
 * through the app's transactional path, and in-band token refreshes; heap (after a forced GC) and
 * RSS sampled every 10 s into bench/out/soak.csv and plotted to bench/out/soak.png.
 * Pass: registry back to zero after the run, and heap after the run within 10 % of heap after the
 * warm-up (the first 2 minutes, or a tenth of the run).
 */
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { buildApp, ROOT, startInstance } from '../test/support/servers';
import { mintToken } from '../test/support/tokens';
import { lineChartSvg, writeChart } from './lib/plot';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    churn: { type: 'string', default: '50' },
    rate: { type: 'string', default: '100' },
    pool: { type: 'string', default: '500' },
    port: { type: 'string', default: '3600' },
  },
});
const MINUTES = Number(args.minutes);
const CHURN = Number(args.churn);
const RATE = Number(args.rate);
const POOL = Number(args.pool);
const OWNERS = 50;
const SECRET = 'soak-secret-0123456789abcdef0123456789abcdef';
const out = join(ROOT, 'bench', 'out');
const base = process.env.SOAK_DATABASE_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const dbUrl = `${base}/hangarshare_soak`;

const sign = (id: number, role = 'user', ttl = 3600) => mintToken({ id, role }, { secret: SECRET, expiresIn: ttl });

async function prepareDatabase() {
  const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe('drop database if exists hangarshare_soak with (force)');
  await admin.unsafe('create database hangarshare_soak');
  await admin.end();
  process.env.DATABASE_URL = dbUrl;
  process.env.JWT_SECRET = SECRET;
  const { getDatabase } = await import('../lib/runtime');
  const { users, hangarOwners } = await import('../lib/db/schema');
  const { db } = await getDatabase();
  const u = await db
    .insert(users)
    .values(Array.from({ length: OWNERS + 1 }, (_, i) => ({ email: `soak${i}@x`, firstName: `S${i}`, role: i === 0 ? 'ADMIN' : 'user' })))
    .returning({ id: users.id });
  const owners = await db
    .insert(hangarOwners)
    .values(u.slice(1).map((x) => ({ userId: x.id, companyName: `Soak ${x.id}` })))
    .returning({ id: hangarOwners.id, userId: hangarOwners.userId });
  return { adminId: u[0].id, owners: owners.map((o) => ({ ownerId: o.id, userId: o.userId! })) };
}

interface Stream {
  req: http.ClientRequest;
  ownerId: number;
  userId: number;
  connectionId?: string;
}

function open(url: string, token: string, ownerId: number, userId: number, errors: Map<string, number>): Stream {
  const s: Stream = { ownerId, userId, req: undefined as unknown as http.ClientRequest };
  s.req = http.get(`${url}/api/ws?ownerId=${ownerId}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) errors.set(String(res.statusCode), (errors.get(String(res.statusCode)) ?? 0) + 1);
    let head = '';
    res.on('data', (d: Buffer) => {
      if (s.connectionId) return;
      head += d;
      s.connectionId = /"connectionId":"([^"]+)"/.exec(head)?.[1];
    });
    res.on('error', () => {});
  });
  s.req.on('error', () => {});
  return s;
}

async function main() {
  const { adminId, owners } = await prepareDatabase();
  console.log(`[soak] building into .next-soak …`);
  buildApp('.next-soak');
  const server = await startInstance(Number(args.port), {
    NEXT_DIST_DIR: '.next-soak',
    DATABASE_URL: dbUrl,
    JWT_SECRET: SECRET,
    NODE_OPTIONS: '--expose-gc',
    WS_MAX_CONNECTIONS_PER_OWNER: '1000',
  });
  const adminToken = await sign(adminId, 'ADMIN', 7200 + MINUTES * 60);
  const tokens = await Promise.all(owners.map((o) => sign(o.userId, 'user', 7200 + MINUTES * 60)));
  const { getWebSocketServer } = await import('../lib/realtime/portal-broadcast-api');
  const errors = new Map<string, number>();
  const pool: Stream[] = [];
  const stats = async () => (await fetch(`${server.url}/api/ws/stats?gc=1`, { headers: { authorization: `Bearer ${adminToken}` } })).json();
  const rowsOut = ['t_s,heap_mb,rss_mb,connections,events_published,events_delivered,opened,closed'];
  const samples: { t: number; heap: number; rss: number }[] = [];
  const t0 = Date.now();
  const sample = async () => {
    const s = await stats();
    const t = Math.round((Date.now() - t0) / 1000);
    samples.push({ t, heap: s.heapUsed / 2 ** 20, rss: s.rss / 2 ** 20 });
    rowsOut.push(
      [
        t,
        (s.heapUsed / 2 ** 20).toFixed(2),
        (s.rss / 2 ** 20).toFixed(2),
        s.connections,
        s.eventsPublished,
        s.eventsDelivered,
        s.connectionsOpened,
        s.connectionsClosed,
      ].join(','),
    );
    console.log(
      `[soak] t=${t}s heap=${(s.heapUsed / 2 ** 20).toFixed(1)}MB rss=${(s.rss / 2 ** 20).toFixed(1)}MB streams=${s.connections} events=${s.eventsPublished} errors=${JSON.stringify(Object.fromEntries(errors))}`,
    );
  };
  const pick = () => Math.floor(Math.random() * owners.length);
  for (let i = 0; i < POOL; i++) {
    const k = pick();
    pool.push(open(server.url, tokens[k], owners[k].ownerId, owners[k].userId, errors));
  }
  let eventNo = 0;
  const churn = setInterval(() => {
    for (let i = 0; i < CHURN; i++) pool.shift()?.req.destroy();
    for (let i = 0; i < CHURN; i++) {
      const k = pick();
      pool.push(open(server.url, tokens[k], owners[k].ownerId, owners[k].userId, errors));
    }
  }, 1000);
  const publisher = setInterval(() => {
    for (let i = 0; i < RATE / 10; i++) {
      const o = owners[eventNo++ % owners.length];
      void getWebSocketServer()
        .broadcastRevenueUpdate(o.ownerId, {
          bookingId: String(eventNo),
          amount: eventNo % 1000,
          currency: 'BRL',
          paymentIntentId: `pi_soak_${eventNo}`,
          receivedAt: new Date().toISOString(),
        })
        .catch(() => errors.set('publish', (errors.get('publish') ?? 0) + 1));
    }
  }, 100);
  const refresher = setInterval(async () => {
    for (const s of pool.slice(Math.floor(pool.length / 2), Math.floor(pool.length / 2) + 10)) {
      if (!s.connectionId) continue;
      const token = await sign(s.userId, 'user', 7200 + MINUTES * 60);
      await fetch(`${server.url}/api/ws`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ type: 'auth', token, ownerId: String(s.ownerId), connectionId: s.connectionId }),
      })
        .then((r) => r.status !== 200 && errors.set(`refresh ${r.status}`, (errors.get(`refresh ${r.status}`) ?? 0) + 1))
        .catch(() => {});
    }
  }, 1000);
  await sample();
  const sampler = setInterval(() => void sample(), 10_000);
  await new Promise((r) => setTimeout(r, MINUTES * 60_000));
  for (const t of [churn, publisher, refresher, sampler]) clearInterval(t);
  for (const s of pool.splice(0)) s.req.destroy();
  await new Promise((r) => setTimeout(r, 5_000));
  await sample();
  const end = await stats();
  await server.stop();
  const warmT = Math.min(120, (MINUTES * 60) / 10);
  const warm = samples.find((s) => s.t >= warmT) ?? samples[0];
  const last = samples.at(-1)!;
  const growth = (last.heap - warm.heap) / warm.heap;
  const pass = end.connections === 0 && Math.abs(growth) <= 0.1;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'soak.csv'), `${rowsOut.join('\n')}\n`);
  const svg = lineChartSvg({
    title: `Soak: ${MINUTES} min, churn ${CHURN}/s, ${RATE} events/s, ${POOL} streams`,
    xLabel: 'time (s)',
    yLabel: 'MB',
    series: [
      { name: 'heap after GC', color: '#1b6ef3', points: samples.map((s) => [s.t, s.heap]) },
      { name: 'RSS', color: '#b45309', points: samples.map((s) => [s.t, s.rss]) },
    ],
  });
  await writeChart(svg, join(out, 'soak'));
  const summary = `heap after warm-up (t=${warm.t}s) ${warm.heap.toFixed(1)} MB → after the run ${last.heap.toFixed(1)} MB (${(growth * 100).toFixed(1)} %); streams at the end ${end.connections}; opened ${end.connectionsOpened}, closed ${end.connectionsClosed}; events ${end.eventsPublished}; errors ${JSON.stringify(Object.fromEntries(errors))}`;
  console.log(`[soak] ${pass ? 'PASS' : 'FAIL'}: ${summary}`);
  writeFileSync(join(out, 'soak-summary.txt'), `${pass ? 'PASS' : 'FAIL'}: ${summary}\n`);
  process.exit(pass ? 0 : 1);
}

void main();
