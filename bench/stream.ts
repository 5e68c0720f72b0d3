/**
 * `npm run bench:stream` — N concurrent SSE streams across M owners against the real server,
 * compared with a raw `node:http` floor in the same invocation (issue #6, performance half).
 *
 * For each transport and each N it: prepares `hangarshare_bench_stream` on PostgreSQL (created if
 * missing, migrated with the app's migrate, owners/users/listings/bookings seeded in bulk), mints
 * tokens with jose, builds the app into `.next-bench` (scripts/start.mjs --build-only), starts the
 * server itself on 127.0.0.1:3400–3499 with a bench-only memory/profiling probe
 * (bench/heap-probe.cjs), opens N streams from client worker processes, and measures: connect
 * rate; heap and RSS per stream (forced GC, minus the idle baseline); commit → client latency of
 * per-owner events published at a steady rate through `transactWithEvents` (PostgreSQL NOTIFY
 * bridge) while the metrics poller runs; time until a broadcast (one event for every owner, one
 * transaction) reached every stream; and a reconnect storm (every client at once, Last-Event-ID).
 *
 * Flags:
 *   --quick                 N=1000, 10 s of events, 2 broadcasts (smoke run)
 *   --n 1000,5000,…         stream counts (default 1000,5000,10000,15000)
 *   --transport node,floor  any of node, route, floor, floorb, empty, proto, nopoll (default node,floor)
 *   --per-owner 10          streams per owner (M = N / per-owner), or --owners M for a fixed M
 *   --rate 200 --seconds 20 per-owner events per second, for how long
 *   --rounds 3              broadcast rounds
 *   --clients K             client processes (default ⌈N/4000⌉)
 *   --profile               CPU profile of the server during the event phases (bench/out/*.cpuprofile)
 *   --snapshot              heap snapshots idle vs loaded, diffed per stream (use a small N)
 *   --no-build              use the existing .next-bench build
 *   --report                only print the tables and redraw bench/out/latency.png from the saved results
 *   --heartbeat MS          WS_HEARTBEAT_INTERVAL of the server (and the floor's ping period); default 30 000
 *   --no-storm              skip the reconnect storm (experiments)
 *   --results file.json     results file under bench/out (default stream-results.json; use another for experiments)
 * Environment: DATABASE_URL (server of the bench database; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_STREAM_DATABASE (default hangarshare_bench_stream).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { ensureDatabase, mintTokens, prepareDatabase } from './lib/db';
import { buildEmptyRouteApp } from './lib/empty-route';
import { writePlot } from './lib/plot';
import { consoleLine, describeMachine, loadResults, markdownTables, saveRun, type Machine } from './lib/report';
import { runOne, type RunContext } from './lib/run';
import { buildApp, root, type TargetKind } from './lib/targets';

const OUT = join(root, 'bench', 'out');
const ALL: TargetKind[] = ['node', 'route', 'floor', 'floorb', 'empty', 'proto', 'nopoll', 'old'];
const log = (m: string) => console.log(`[bench:stream ${new Date().toISOString().slice(11, 19)}] ${m}`);

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      n: { type: 'string' },
      transport: { type: 'string', default: 'node,floor' },
      'per-owner': { type: 'string', default: '10' },
      owners: { type: 'string' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      clients: { type: 'string' },
      profile: { type: 'boolean', default: false },
      snapshot: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      results: { type: 'string', default: 'stream-results.json' },
      heartbeat: { type: 'string' },
      'no-storm': { type: 'boolean', default: false },
    },
  });
  const list = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const transports = list(values.transport!) as TargetKind[];
  for (const t of transports) if (!ALL.includes(t)) throw new Error(`unknown transport ${t} (${ALL.join(', ')})`);
  return {
    transports,
    sizes: list(values.n ?? (values.quick ? '1000' : '1000,5000,10000,15000')).map(Number),
    perOwner: Number(values['per-owner']),
    owners: values.owners ? Number(values.owners) : undefined,
    rate: Number(values.rate),
    seconds: Number(values.seconds ?? (values.quick ? 10 : 20)),
    rounds: Number(values.rounds ?? (values.quick ? 2 : 3)),
    clients: values.clients ? Number(values.clients) : undefined,
    profile: values.profile!,
    snapshot: values.snapshot!,
    build: !values['no-build'],
    reportOnly: values.report!,
    results: join(OUT, values.results!),
    heartbeatMs: values.heartbeat ? Number(values.heartbeat) : undefined,
    noStorm: values['no-storm']!,
  };
}

async function postgresVersion(url: string): Promise<string> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`show server_version`;
    return `PostgreSQL ${row.server_version}`;
  } finally {
    await admin.end();
  }
}

async function report(transports: TargetKind[], results: string): Promise<void> {
  const all = loadResults(results);
  console.log(`\n${markdownTables(all, [...transports.filter((t) => t !== 'floor'), 'floor'])}`);
  const base = results.endsWith('stream-results.json') ? join(OUT, 'latency') : results.replace(/\.json$/, '-latency');
  const png = await writePlot(all, ['node', 'route', 'floor'], base);
  log(png ? `plot → ${png}` : 'plot: SVG only (install librsvg2-bin for the PNG)');
}

async function main(): Promise<void> {
  const opt = options();
  mkdirSync(OUT, { recursive: true });
  if (opt.reportOnly) return report(opt.transports, opt.results);
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbUrl = await ensureDatabase(base, process.env.BENCH_STREAM_DATABASE ?? 'hangarshare_bench_stream');
  const secret = randomBytes(32).toString('hex');
  const maxOwners = Math.max(...opt.sizes.map((n) => opt.owners ?? Math.max(1, Math.round(n / opt.perOwner))));
  const owners = await prepareDatabase(dbUrl, Math.max(maxOwners, 2_000), log);
  const tokens = await mintTokens(owners, secret);
  const machine: Machine = describeMachine(await postgresVersion(dbUrl));
  log(`${machine.nproc} cores, Node ${machine.node}, ${machine.postgres}; ${owners.length} owners, tokens minted`);
  if (opt.build && opt.transports.some((t) => t === 'node' || t === 'route' || t === 'proto' || t === 'nopoll' || t === 'old')) {
    log('building into .next-bench (skipped when up to date)');
    buildApp({ ...process.env, JWT_SECRET: secret }, opt.transports);
  }
  const emptyAppDir = opt.transports.includes('empty') ? buildEmptyRouteApp(OUT) : '';
  const ctx: RunContext = {
    dbUrl,
    secret,
    owners,
    tokens,
    port: 3401,
    rate: opt.rate,
    seconds: opt.seconds,
    rounds: opt.rounds,
    perOwner: opt.perOwner,
    fixedOwners: opt.owners,
    clients: opt.clients,
    profile: opt.profile,
    snapshot: opt.snapshot,
    heartbeatMs: opt.heartbeatMs,
    noStorm: opt.noStorm,
    outDir: OUT,
    emptyAppDir,
    log,
  };
  for (const n of opt.sizes) {
    for (const t of opt.transports) {
      const run = await runOne(ctx, t, n).catch((err: Error) => {
        log(`${t}-${n} FAILED: ${err.message} (continuing with the next run)`);
        return undefined;
      });
      if (!run) continue;
      saveRun(opt.results, run, machine);
      log(consoleLine(run, loadResults(opt.results).runs[`floor:${n}`]));
      printProfile(run);
    }
  }
  await report(opt.transports, opt.results);
}

function printProfile(run: Awaited<ReturnType<typeof runOne>>): void {
  for (const [phase, profile] of Object.entries(run.profiles ?? {})) {
    log(`  ${phase}: CPU self time by area: ${profile.areas.map(([a, p]) => `${a} ${p.toFixed(1)}%`).join(', ')}`);
    for (const [fn, p] of profile.functions) log(`    ${p.toFixed(1).padStart(5)}%  ${fn}`);
  }
  if (run.heapDiff) {
    log('  heap added per stream (bytes, objects) by type:name');
    for (const [k, b, c] of run.heapDiff) log(`    ${b.toFixed(0).padStart(7)} B ${c.toFixed(2).padStart(6)}  ${k}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
